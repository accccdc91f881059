// Signing, sending and error mapping for S3 calls.
#include "store/s3/s3_client.hpp"

#include <ctime>
#include <pugixml.hpp>

#include "http/credentials.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::store::s3 {

namespace {

}  // namespace

std::chrono::system_clock::time_point parse_time(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (end == nullptr) {
    end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  }
  if (end == nullptr) {
    return {};
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string unquote(const std::string& etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

Client::Client(S3Options options) : m_options(std::move(options)) {
  m_credentials = m_options.credentials ? *m_options.credentials : http::resolve_credentials();
  if (!m_options.transport) {
    m_options.transport = http::make_curl_transport();
  }
  m_tls = m_options.endpoint.starts_with("https://");
}

std::string Client::describe() const {
  auto text = "s3://" + m_options.bucket;
  if (!m_options.prefix.empty()) {
    text += "/" + m_options.prefix.substr(0, m_options.prefix.size() - 1);
  }
  return text + "?endpoint=" + m_options.endpoint;
}

std::string Client::name_of(const std::string& full_key) const {
  return "s3://" + m_options.bucket + "/" + full_key;
}

std::string Client::url_for(const std::string& key, const Query& query, std::string& host,
                            std::string& path) const {
  auto scheme_end = m_options.endpoint.find("://") + 3;
  auto scheme = m_options.endpoint.substr(0, scheme_end);
  host = m_options.endpoint.substr(scheme_end);
  if (m_options.path_style) {
    path = "/" + m_options.bucket + "/" + key;
  } else {
    host = m_options.bucket + "." + host;
    path = "/" + key;
  }
  auto url = scheme + host + http::uri_encode(path, true);
  char separator = '?';
  for (const auto& [name, value] : query) {
    url += separator + http::uri_encode(name, false);
    if (!value.empty()) {
      url += "=" + http::uri_encode(value, false);
    }
    separator = '&';
  }
  return url;
}

http::Response Client::send(const Call& call) const {
  std::string host;
  std::string path;
  http::Request request{.method = call.method, .url = url_for(call.key, call.query, host, path),
                        .headers = call.headers, .body = call.body, .operation = call.operation,
                        .expected_body_size = call.expected_body_size,
                        .body_into = call.body_into};
  // Over HTTPS, TLS already protects the body and Content-MD5 covers every upload, so
  // the payload is not hashed a second time for the signature; over plain HTTP it is.
  auto payload_hash = m_tls ? std::string("UNSIGNED-PAYLOAD") : to_hex(sha256(call.body));
  auto date = format_utc(std::chrono::system_clock::now(), "%Y%m%dT%H%M%SZ");
  request.headers.emplace_back("host", host);
  request.headers.emplace_back("x-amz-date", date);
  request.headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!m_credentials.session_token.empty()) {
    request.headers.emplace_back("x-amz-security-token", m_credentials.session_token);
  }
  http::SigningRequest signing{.method = call.method, .path = path, .query = call.query,
                               .headers = request.headers, .payload_hash = payload_hash};
  http::SigningScope scope{.amz_date = date, .region = m_options.region, .service = "s3"};
  request.headers.emplace_back(
      "authorization", http::authorization(signing, scope, m_credentials, http::PathRules{}));
  return http::perform_with_retry(*m_options.transport, request, call.safe_to_repeat,
                                  m_options.retry);
}

std::optional<ErrorInfo> Client::parse_error(const std::string& body) {
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) {
    return std::nullopt;
  }
  auto root = doc.child("Error");
  if (!root) {
    return std::nullopt;
  }
  return ErrorInfo{root.child_value("Code"), root.child_value("Message")};
}

void Client::fail(const http::Response& response, const std::string& what) const {
  auto info = parse_error(response.body).value_or(ErrorInfo{});
  auto code = info.code;
  auto status = response.status;
  auto detail = code.empty() ? "HTTP " + std::to_string(status) : code;
  if (!info.message.empty()) {
    detail += " (" + info.message + ")";
  }
  auto where = "'" + m_options.endpoint + "'";
  if (code == "NoSuchBucket") {
    throw Error(ErrorKind::not_found, "bucket '" + m_options.bucket + "' does not exist at " +
                                          where + "; create it or correct the store address");
  }
  if (code == "NoSuchKey" || (status == 404 && code.empty())) {
    throw Error(ErrorKind::not_found, what + " not found");
  }
  if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" ||
      code == "InvalidToken" || code == "ExpiredToken" || code == "AuthorizationHeaderMalformed" ||
      (status == 403 && code.empty())) {
    throw Error(ErrorKind::auth, "unable to access " + what + ": " + where +
                                     " rejected the credentials: " + detail +
                                     "; check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (code == "RequestTimeTooSkewed") {
    throw Error(ErrorKind::auth, "unable to access " + what + ": " + where +
                                     " says this machine's clock is wrong; set the time");
  }
  if (code == "AccessDenied" || status == 403) {
    throw Error(ErrorKind::permission,
                "unable to access " + what + ": access denied by " + where + ": " + detail);
  }
  if (code == "PreconditionFailed" || status == 412) {
    throw Error(ErrorKind::precondition_failed, "unable to access " + what +
                                                    ": a condition did not hold: " + detail);
  }
  if (code == "InvalidRange" || status == 416) {
    throw Error(ErrorKind::invalid_range, "unable to read " + what + ": " + detail);
  }
  if (code == "BadDigest" || code == "InvalidDigest" || code == "IncompleteBody" ||
      code == "XAmzContentSHA256Mismatch" || code == "InvalidPart") {
    throw Error(ErrorKind::corrupt,
                "unable to store " + what + ": the server found the data damaged: " + detail);
  }
  if (http::retryable_status(status) || code == "SlowDown" || code == "InternalError" ||
      code == "RequestTimeout") {
    throw Error(ErrorKind::transient,
                "unable to access " + what + ": " + where + " kept failing: " + detail);
  }
  throw Error(ErrorKind::io, "unable to access " + what + ": " + where + " answered " + detail);
}

}  // namespace lifeboat::store::s3
