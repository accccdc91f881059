// The agent's wait computation (schedule.hpp).
#include "agent/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "agent/agent.hpp"
#include "util/error.hpp"

namespace lifeboat::agent {

using namespace std::chrono;

milliseconds next_wait(const AgentOptions& options, int consecutive_failures, double random01) {
  if (consecutive_failures > 0) {
    auto cap = duration_cast<milliseconds>(options.retry_max.count() > 0 ? options.retry_max
                                                                         : options.interval);
    auto wait = duration_cast<milliseconds>(options.retry_initial);
    // Doubling stops at the cap, so a long run of failures cannot overflow.
    for (int i = 1; i < consecutive_failures && wait < cap; ++i) {
      wait *= 2;
    }
    return std::min(wait, cap);
  }
  auto base = duration_cast<milliseconds>(options.interval);
  double draw = std::isnan(random01) ? 0.0 : std::clamp(random01, 0.0, 1.0);
  double extra = static_cast<double>(base.count()) * options.jitter * draw;
  return base + milliseconds(static_cast<std::int64_t>(extra));
}

void check_schedule(const AgentOptions& options) {
  if (options.interval.count() <= 0) {
    throw Error(ErrorKind::usage, "agent interval '" + std::to_string(options.interval.count()) +
                                      " s' is too short: give one of at least 1 s, e.g. 1h");
  }
  if (options.retry_initial.count() <= 0) {
    throw Error(ErrorKind::usage, "agent retry wait '" +
                                      std::to_string(options.retry_initial.count()) +
                                      " s' is too short: give one of at least 1 s, e.g. 1m");
  }
  if (options.retry_max.count() < 0) {
    throw Error(ErrorKind::usage, "agent retry cap '" + std::to_string(options.retry_max.count()) +
                                      " s' is negative: give 0 (the interval) or a wait");
  }
  if (!std::isfinite(options.jitter) || options.jitter < 0) {
    throw Error(ErrorKind::usage, "agent jitter '" + std::to_string(options.jitter) +
                                      "' is not a fraction of the interval: give e.g. 0.1");
  }
}

}  // namespace lifeboat::agent
