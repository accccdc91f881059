// The S3 REST calls lifeboat makes, signed and retried; shared by the s3 driver's
// reader, writer and listing code. Internal to src/store/s3.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/s3/s3_store.hpp"

namespace lifeboat::store::s3 {

using Query = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Call {
  std::string method;
  std::string key;  // the object key within the bucket (prefix included); "" for the bucket
  Query query;
  Headers headers;
  std::span<const std::uint8_t> body;
  std::string operation;      // "PutObject", "UploadPart 3", ...; for messages and faults
  bool safe_to_repeat = true;
  std::size_t expected_body_size = 0;  // see http::Request
  std::string* body_into = nullptr;    // see http::Request
};

// What an error response said.
struct ErrorInfo {
  std::string code;     // "NoSuchKey", ...; "" if the body had none
  std::string message;
};

class Client {
 public:
  explicit Client(S3Options options);

  const S3Options& options() const { return m_options; }

  // Signs and performs the call with retries; returns whatever complete answer came.
  http::Response send(const Call& call) const;

  // Throws the Error an unsuccessful answer means. `what` names the object or
  // operation for the message ("object 's3://b/k'").
  [[noreturn]] void fail(const http::Response& response, const std::string& what) const;

  // Parses <Error><Code/><Message/></Error> (also inside a 200 answer, as
  // CompleteMultipartUpload and CopyObject may send).
  static std::optional<ErrorInfo> parse_error(const std::string& body);

  // "s3://bucket/prefix" with the endpoint, for messages; no secret in it.
  std::string describe() const;
  // "s3://bucket/key" for messages about one object (`key` includes the prefix).
  std::string name_of(const std::string& full_key) const;

 private:
  std::string url_for(const std::string& key, const Query& query, std::string& host,
                      std::string& path) const;

  S3Options m_options;
  http::Credentials m_credentials;
  bool m_tls = false;
};

// Parses an HTTP date (RFC 7231) or an ISO 8601 time ("2024-01-02T03:04:05.000Z").
std::chrono::system_clock::time_point parse_time(const std::string& text);

// Strips the quotes around an ETag.
std::string unquote(const std::string& etag);

}  // namespace lifeboat::store::s3
