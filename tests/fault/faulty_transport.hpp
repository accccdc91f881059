// A Transport that wraps the real one (libcurl to the real S3 server) and injects
// faults into chosen requests: an error status, a cut connection, a lost answer.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/transport.hpp"

namespace lifeboat::test {

struct Fault {
  enum class Action {
    status_503,         // answer 503 SlowDown without sending the request
    status_500,         // answer 500 InternalError without sending the request
    cut_before,         // fail as a reset connection without sending the request
    cut_after_bytes,    // perform it, then fail as if the connection dropped after N body bytes
    lose_answer,        // perform it, then fail as if the answer never came
  };
  std::string operation;  // matches Request::operation by prefix ("UploadPart 3", "GetObject")
  Action action;
  int times = 1;          // how many matching requests to hit; -1 for all
  std::size_t bytes = 0;  // for cut_after_bytes
};

class FaultyTransport final : public http::Transport {
 public:
  explicit FaultyTransport(std::shared_ptr<http::Transport> inner) : m_inner(std::move(inner)) {}

  void add(Fault fault);
  http::Response perform(const http::Request& request) override;

  // How many requests whose operation starts with `operation` were attempted.
  int attempts(const std::string& operation) const;
  int faults_injected() const { return m_injected; }

 private:
  std::shared_ptr<http::Transport> m_inner;
  mutable std::mutex m_mutex;
  std::vector<Fault> m_faults;
  std::vector<std::string> m_seen;
  std::atomic<int> m_injected{0};
};

}  // namespace lifeboat::test
