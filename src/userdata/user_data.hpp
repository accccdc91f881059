// The user-data document: the small JSON locator an instance reads at boot to find
// everything else (DESIGN.md "bootstrap"). It never holds a secret: those are in the
// KMS-encrypted bootstrap bundle it points to.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "http/transport.hpp"

namespace lifeboat::userdata {

struct UserData {
  std::string installation;  // the installation's name
  std::string region;        // the region this document is for
  std::string store;         // the region's store address
  std::string kms;           // the region's KMS key address
  std::string bootstrap;     // the bootstrap bundle's key in the store
  std::string database;      // libpq URI without a password; may be empty (no database)
  std::string release;       // the installation's release, YYYYMM-N
};

// Parses and checks a document. Throws Error(usage) naming `source` and the field for
// a document that is not a JSON object, a missing or non-string field, an unknown
// field, a malformed release, or anything that looks like a secret (a password in an
// address, a PIN, a secret key) — user data is readable by anything on the instance.
UserData parse_user_data(std::string_view json, const std::string& source);

// The document as JSON (fields in a fixed order, one line).
std::string to_json(const UserData& user_data);

// Reads the document from a local file, or from an http(s):// URL with the EC2
// instance-metadata IMDSv2 flow: PUT ORIGIN/latest/api/token with
// X-aws-ec2-metadata-token-ttl-seconds, then GET the URL with X-aws-ec2-metadata-token.
// `transport` defaults to libcurl. Throws Error(not_found) for a missing file or a 404,
// Error(transient) for an unreachable service, Error(usage) as parse_user_data does.
UserData read_user_data(const std::string& source,
                        std::shared_ptr<http::Transport> transport = nullptr);

}  // namespace lifeboat::userdata
