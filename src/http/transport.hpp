// HTTP requests as values, a Transport that performs them, and retries.
//
// The S3 driver (and later the AWS KMS driver) build Requests and hand them to a
// Transport. The real one is libcurl (curl_transport.cpp); tests wrap it to inject
// faults (tests/fault/) so every retry path runs against the real server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace lifeboat::http {

struct Request {
  std::string method;  // "GET", "PUT", "POST", "DELETE", "HEAD"
  std::string url;     // absolute, already percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::span<const std::uint8_t> body;  // must stay valid until perform() returns
  // A label for progress and fault injection ("UploadPart 3"); never sent.
  std::string operation;
  // The answer body's expected size, reserved up front so a large body is not
  // reallocated as it grows. Default: 0 (grow as needed)
  std::size_t expected_body_size = 0;
  // If set, the answer body is written into *body_into (cleared first, its capacity
  // reused) and Response::body stays empty: large transfers recycle their buffers.
  std::string* body_into = nullptr;
};

struct Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; last value wins
  std::string body;

  // The header's value, or "" if absent. `name` must be lowercase.
  const std::string& header(const std::string& name) const;
};

// Performs one request. Throws Error(transient) if no complete response arrived
// (refused, reset, timed out, body cut short); any complete response, whatever its
// status, is returned. Thread-safe: one Transport serves all threads, reusing
// connections.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Response perform(const Request& request) = 0;
};

struct TransportOptions {
  std::chrono::seconds connect_timeout{10};  // Default: 10 s
  // A transfer slower than 1 KiB/s for this long is abandoned (and retried). Default: 60 s
  std::chrono::seconds stall_timeout{60};
  std::string ca_file;  // PEM bundle to trust instead of the system's. Default: system store
  // "HOST:PORT:ADDRESS" entries that bypass DNS, as curl --resolve does (a virtual-hosted
  // bucket name on a private endpoint). Default: none
  std::vector<std::string> resolve;
};

std::shared_ptr<Transport> make_curl_transport(const TransportOptions& options = {});

// Exponential backoff with full jitter.
struct RetryPolicy {
  int attempts = 6;                              // total tries. Default: 6
  std::chrono::milliseconds base_delay{100};     // Default: 100 ms
  std::chrono::milliseconds max_delay{10'000};   // Default: 10 s
};

// True for answers a retry may cure: 500, 502, 503, 504 and 429.
bool retryable_status(long status);

// Performs `request`, retrying transport failures and retryable statuses when
// `safe_to_repeat` (the request has the same effect done twice). When not safe, only
// answers that prove the server did nothing (429, 503) are retried. Returns the last
// response; throws the last Error(transient) if every attempt failed in transport.
Response perform_with_retry(Transport& transport, const Request& request, bool safe_to_repeat,
                            const RetryPolicy& policy = {});

}  // namespace lifeboat::http
