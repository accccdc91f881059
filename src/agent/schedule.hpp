// The agent's schedule as pure functions: how long to wait before the next run, and
// whether a set of options can make a schedule at all.
#pragma once

#include <chrono>

namespace lifeboat::agent {

struct AgentOptions;

// The wait before the next run, from the options, the number of runs that have failed
// in a row since the last success, and a draw `random01` from U[0, 1) (clamped to
// [0, 1]; tests pass fixed values, the agent a seeded generator's):
// - after a success (consecutive_failures == 0): interval × (1 + jitter × random01);
// - after n ≥ 1 failures in a row: retry_initial × 2^(n-1), capped at retry_max, or at
//   the interval when retry_max is 0. Retries get no jitter: they are already rare.
// Pure and thread-safe. Never overflows, however large n is.
std::chrono::milliseconds next_wait(const AgentOptions& options, int consecutive_failures,
                                    double random01);

// Throws Error(usage) naming the option when `options` cannot make a schedule: an
// interval or retry_initial of 0 or less, a negative retry_max, a jitter that is
// negative or not a finite number.
void check_schedule(const AgentOptions& options);

}  // namespace lifeboat::agent
