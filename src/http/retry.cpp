// Retries with exponential backoff and full jitter.
#include <random>
#include <thread>

#include "http/transport.hpp"
#include "util/error.hpp"

namespace lifeboat::http {

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

Response perform_with_retry(Transport& transport, const Request& request, bool safe_to_repeat,
                            const RetryPolicy& policy) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  for (int attempt = 1;; ++attempt) {
    bool last = attempt >= policy.attempts;
    try {
      auto response = transport.perform(request);
      bool retry = safe_to_repeat ? retryable_status(response.status)
                                  : (response.status == 429 || response.status == 503);
      if (!retry || last) {
        return response;
      }
    } catch (const Error& error) {
      if (!error.transient() || !safe_to_repeat || last) {
        throw;
      }
    }
    // Full jitter: a random wait up to the capped exponential delay, so many clients
    // failing together do not come back together.
    auto cap = std::min<std::int64_t>(policy.max_delay.count(),
                                      policy.base_delay.count() << std::min(attempt - 1, 20));
    std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(cap, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(random)));
  }
}

}  // namespace lifeboat::http
