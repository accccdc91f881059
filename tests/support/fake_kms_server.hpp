// A loopback stand-in for the AWS KMS JSON API, for the awskms driver's tests (no real
// KMS runs here). It checks each request's SigV4 signature, target and content type as
// the KMS API reference describes them, and answers GenerateDataKey, Encrypt and
// Decrypt and ReEncrypt from keys it holds in memory, with the service's error shapes.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/sigv4.hpp"

namespace lifeboat::test {

// Destroy it before the process exits (not as a static): its thread uses OpenSSL,
// whose own exit handler would otherwise run first and leave that thread's state behind.
class FakeKmsServer {
 public:
  // Serves on 127.0.0.1 (an ephemeral port), accepting requests signed with `credentials`.
  explicit FakeKmsServer(http::Credentials credentials, std::string region = "eu-west-1");
  ~FakeKmsServer();
  FakeKmsServer(const FakeKmsServer&) = delete;
  FakeKmsServer& operator=(const FakeKmsServer&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  // Makes a key and returns its ARN.
  std::string add_key(const std::string& id);
  // The next `count` requests are answered 500 KMSInternalException.
  void fail_next(int count) { m_fail_next = count; }
  // Requests seen, by target ("TrentService.Encrypt"), and signature failures.
  int requests(const std::string& target) const;
  int bad_signatures() const { return m_bad_signatures; }

 private:
  void serve();
  std::string reencrypt(const nlohmann::json& request, int& status);
  std::string handle(const std::string& method, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body, int& status);

  http::Credentials m_credentials;
  std::string m_region;
  int m_listen = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_fail_next{0};
  std::atomic<int> m_bad_signatures{0};
  mutable std::mutex m_mutex;
  std::map<std::string, std::vector<std::uint8_t>> m_keys;  // ARN -> 32-byte key
  std::map<std::string, int> m_requests;
  std::thread m_thread;
};

}  // namespace lifeboat::test
