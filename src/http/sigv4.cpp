// AWS Signature Version 4.
#include "http/sigv4.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::http {

namespace {

constexpr std::string_view k_algorithm = "AWS4-HMAC-SHA256";

using HeaderMap = std::map<std::string, std::string>;

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_' || c == '.' || c == '~';
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string lowercase(std::string text) {
  for (auto& c : text) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return text;
}

// Trims each line and collapses inner runs of blanks to one space. The lines of a folded
// (obsolete multi-line) value are joined with ',', as the suite's
// get-header-value-multiline expects: a fold is another value of the same header.
std::string canonical_value(std::string_view value) {
  std::string out;
  bool line_started = false;
  bool pending_space = false;
  for (char c : value) {
    if (c == '\n') {
      line_started = false;
      pending_space = false;
    } else if (is_blank(c)) {
      pending_space = line_started;
    } else {
      if (!line_started && !out.empty()) {
        out.push_back(',');
      } else if (pending_space) {
        out.push_back(' ');
      }
      out.push_back(c);
      line_started = true;
      pending_space = false;
    }
  }
  return out;
}

// Removes "." and ".." segments and empty segments; keeps a trailing slash unless the
// result is the root. Matches botocore's normalisation and the normalize-path vectors.
std::string normalize_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = std::min(path.find('/', start), path.size());
    auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(std::move(segment));
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& segment : segments) {
    out += "/" + segment;
  }
  if (out.empty() || path.ends_with('/')) {
    out += "/";
  }
  return out;
}

HeaderMap canonical_headers(const SigningRequest& request) {
  HeaderMap headers;
  for (const auto& [name, value] : request.headers) {
    auto [it, inserted] = headers.try_emplace(lowercase(name), canonical_value(value));
    if (!inserted) {
      it->second.push_back(',');
      it->second += canonical_value(value);
    }
  }
  for (const char* required : {"host", "x-amz-date"}) {
    if (!headers.contains(required)) {
      throw Error(ErrorKind::internal,
                  std::string("unable to sign a request without a '") + required + "' header");
    }
  }
  return headers;
}

std::string signed_header_names(const HeaderMap& headers) {
  std::string names;
  for (const auto& [name, value] : headers) {
    names += (names.empty() ? "" : ";") + name;
  }
  return names;
}

// The YYYYMMDD part of the scope's amz_date.
std::string scope_date(const SigningScope& scope) {
  if (scope.amz_date.size() != 16) {
    throw Error(ErrorKind::internal, "unable to sign: the date '" + scope.amz_date +
                                         "' is not in the form YYYYMMDDTHHMMSSZ");
  }
  return scope.amz_date.substr(0, 8);
}

std::string credential_scope(const SigningScope& scope) {
  return scope_date(scope) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string build_canonical_request(const SigningRequest& request, const PathRules& rules,
                                    const HeaderMap& headers) {
  auto path = request.path.empty() ? std::string("/") : request.path;
  if (rules.normalize) {
    path = normalize_path(path);
  }
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [name, value] : request.query) {
    query.emplace_back(uri_encode(name, false), uri_encode(value, false));
  }
  std::sort(query.begin(), query.end());
  std::string query_string;
  for (const auto& [name, value] : query) {
    query_string += (query_string.empty() ? "" : "&") + name + "=" + value;
  }
  std::string header_lines;
  for (const auto& [name, value] : headers) {
    header_lines += name + ":" + value + "\n";
  }
  return request.method + "\n" + uri_encode(path, true) + "\n" + query_string + "\n" +
         header_lines + "\n" + signed_header_names(headers) + "\n" + request.payload_hash;
}

}  // namespace

std::string uri_encode(const std::string& text, bool keep_slash) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(k_hex[c >> 4]);
      out.push_back(k_hex[c & 0xf]);
    }
  }
  return out;
}

std::string canonical_request(const SigningRequest& request, const PathRules& rules) {
  return build_canonical_request(request, rules, canonical_headers(request));
}

std::string string_to_sign(const std::string& canonical, const SigningScope& scope) {
  return std::string(k_algorithm) + "\n" + scope.amz_date + "\n" + credential_scope(scope) +
         "\n" + to_hex(sha256(as_bytes(canonical)));
}

std::string signature(const std::string& to_sign, const SigningScope& scope,
                      const std::string& secret_access_key) {
  auto secret = "AWS4" + secret_access_key;
  auto key = hmac_sha256(as_bytes(secret), as_bytes(scope_date(scope)));
  key = hmac_sha256(key, as_bytes(scope.region));
  key = hmac_sha256(key, as_bytes(scope.service));
  key = hmac_sha256(key, as_bytes("aws4_request"));
  return to_hex(hmac_sha256(key, as_bytes(to_sign)));
}

std::string authorization(const SigningRequest& request, const SigningScope& scope,
                          const Credentials& credentials, const PathRules& rules) {
  auto headers = canonical_headers(request);
  auto to_sign = string_to_sign(build_canonical_request(request, rules, headers), scope);
  return std::string(k_algorithm) + " Credential=" + credentials.access_key_id + "/" +
         credential_scope(scope) + ", SignedHeaders=" + signed_header_names(headers) +
         ", Signature=" + signature(to_sign, scope, credentials.secret_access_key);
}

}  // namespace lifeboat::http
