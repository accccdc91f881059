// AWS Signature Version 4.
#include "http/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::http {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Trims the value and collapses inner runs of spaces to one, as SigV4 requires.
std::string canonical_value(const std::string& value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(c);
  }
  return out;
}

// Removes "." and ".." segments and empty segments; keeps a trailing slash.
std::string normalize_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) {
        segments.pop_back();
      }
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& segment : segments) {
    out += "/" + segment;
  }
  if (out.empty() || (path.size() > 1 && path.back() == '/')) {
    out += "/";
  }
  return out;
}

// Lowercase names, canonical values, duplicates joined with ',' in the order given.
std::map<std::string, std::string> canonical_headers(const SigningRequest& request) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    auto key = lowercase(name);
    auto it = headers.find(key);
    if (it == headers.end()) {
      headers.emplace(key, canonical_value(value));
    } else {
      it->second += "," + canonical_value(value);
    }
  }
  if (!headers.contains("host")) {
    throw Error(ErrorKind::internal, "unable to sign a request without a host header");
  }
  return headers;
}

std::string signed_header_names(const std::map<std::string, std::string>& headers) {
  std::string names;
  for (const auto& [name, value] : headers) {
    names += (names.empty() ? "" : ";") + name;
  }
  return names;
}

std::string credential_scope(const SigningScope& scope) {
  return scope.amz_date.substr(0, 8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

}  // namespace

std::string uri_encode(const std::string& text, bool keep_slash) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
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
  auto headers = canonical_headers(request);
  std::string header_lines;
  for (const auto& [name, value] : headers) {
    header_lines += name + ":" + value + "\n";
  }
  return request.method + "\n" + uri_encode(path, true) + "\n" + query_string + "\n" +
         header_lines + "\n" + signed_header_names(headers) + "\n" + request.payload_hash;
}

std::string string_to_sign(const std::string& canonical, const SigningScope& scope) {
  return "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + credential_scope(scope) + "\n" +
         to_hex(sha256(as_bytes(canonical)));
}

std::string signature(const std::string& to_sign, const SigningScope& scope,
                      const std::string& secret_access_key) {
  auto key = hmac_sha256(as_bytes("AWS4" + secret_access_key), as_bytes(scope.amz_date.substr(0, 8)));
  key = hmac_sha256(key, as_bytes(scope.region));
  key = hmac_sha256(key, as_bytes(scope.service));
  key = hmac_sha256(key, as_bytes("aws4_request"));
  return to_hex(hmac_sha256(key, as_bytes(to_sign)));
}

std::string authorization(const SigningRequest& request, const SigningScope& scope,
                          const Credentials& credentials, const PathRules& rules) {
  auto to_sign = string_to_sign(canonical_request(request, rules), scope);
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
         credential_scope(scope) + ", SignedHeaders=" +
         signed_header_names(canonical_headers(request)) +
         ", Signature=" + signature(to_sign, scope, credentials.secret_access_key);
}

}  // namespace lifeboat::http
