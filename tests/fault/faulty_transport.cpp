// Fault injection around the real transport.
#include "fault/faulty_transport.hpp"

#include <optional>

#include "util/error.hpp"

namespace lifeboat::test {

void FaultyTransport::add(Fault fault) {
  std::lock_guard lock(m_mutex);
  m_faults.push_back(std::move(fault));
}

int FaultyTransport::attempts(const std::string& operation) const {
  std::lock_guard lock(m_mutex);
  int n = 0;
  for (const auto& seen : m_seen) {
    n += seen.starts_with(operation) ? 1 : 0;
  }
  return n;
}

http::Response FaultyTransport::perform(const http::Request& request) {
  std::optional<Fault> fault;
  {
    std::lock_guard lock(m_mutex);
    m_seen.push_back(request.operation);
    for (auto& candidate : m_faults) {
      if (candidate.times != 0 && request.operation.starts_with(candidate.operation)) {
        if (candidate.times > 0) {
          --candidate.times;
        }
        fault = candidate;
        break;
      }
    }
  }
  if (!fault) {
    return m_inner->perform(request);
  }
  ++m_injected;
  auto fake_status = [](long status, const char* code) {
    http::Response response;
    response.status = status;
    response.body = std::string("<?xml version=\"1.0\"?><Error><Code>") + code +
                    "</Code><Message>injected</Message></Error>";
    return response;
  };
  switch (fault->action) {
    case Fault::Action::status_503: return fake_status(503, "SlowDown");
    case Fault::Action::status_500: return fake_status(500, "InternalError");
    case Fault::Action::cut_before:
      throw Error(ErrorKind::transient, "injected: connection reset before sending");
    case Fault::Action::cut_after_bytes: {
      auto response = m_inner->perform(request);
      throw Error(ErrorKind::transient, "injected: connection reset after " +
                                            std::to_string(std::min(fault->bytes, response.body.size())) +
                                            " bytes");
    }
    case Fault::Action::lose_answer:
      m_inner->perform(request);
      throw Error(ErrorKind::transient, "injected: the answer was lost");
  }
  return m_inner->perform(request);
}

}  // namespace lifeboat::test
