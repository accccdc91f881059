// AWS Signature Version 4: canonical request, string to sign, and the Authorization header.
//
// One signer serves every AWS-style API lifeboat speaks (S3 now, the KMS JSON API later).
// It is a pure function of its inputs: no clock, no network, no environment, so it is
// tested byte for byte against the published AWS SigV4 test suite (tests/data/sigv4/).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lifeboat::http {

// Access key pair and optional session token. Never logged or printed.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty if none; else sent as x-amz-security-token
};

// What the signer needs of a request. Header names may be in any case; values as sent.
struct SigningRequest {
  std::string method;  // "GET", "PUT", ...
  // The decoded path ("/bucket/my key"). The signer percent-encodes it once with
  // uri_encode(path, true); the caller must put exactly that encoding on the wire.
  std::string path;
  // Decoded query parameters, in any order; a parameter with no value has value "".
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign. Must include "host" and "x-amz-date". A name given twice is signed
  // as one header whose values are joined with ',' in the order given; so are the lines
  // of a value that contains line breaks (an obsolete folded header).
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  std::string payload_hash;
};

// Where and when a signature is valid.
struct SigningScope {
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ", the same value as the x-amz-date header
  std::string region;    // "us-east-1"
  std::string service;   // "s3", "kms"
};

// How the path is canonicalised. S3 wants it as it is; every other AWS service (and
// the generic test suite) wants it normalised.
struct PathRules {
  // Remove "." and ".." segments and repeated slashes, keeping a trailing slash unless
  // the result is "/". Default: off.
  bool normalize = false;
};

// RFC 3986 percent-encoding of everything outside A-Z a-z 0-9 - _ . ~ (and of '/'
// unless `keep_slash`), with uppercase hex, as SigV4 requires.
std::string uri_encode(const std::string& text, bool keep_slash);

// Step 1: the canonical request, lines joined by '\n' as in the AWS documentation.
std::string canonical_request(const SigningRequest& request, const PathRules& rules);

// Step 2: "AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256 of canonical request>".
std::string string_to_sign(const std::string& canonical, const SigningScope& scope);

// Step 3: the hex signature of a string to sign under the derived signing key.
std::string signature(const std::string& to_sign, const SigningScope& scope,
                      const std::string& secret_access_key);

// All three steps: the value of the Authorization header,
// "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex".
std::string authorization(const SigningRequest& request, const SigningScope& scope,
                          const Credentials& credentials, const PathRules& rules);

}  // namespace lifeboat::http
