// The agent's schedule (src/agent/schedule.cpp): jitter, backoff, its cap, the reset
// after a success, and the options it refuses.
#include "agent/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "agent/agent.hpp"
#include "util/error.hpp"

namespace lifeboat::agent {
namespace {

using namespace std::chrono;

TEST(AgentSchedule, JitterStaysWithinItsFraction) {
  AgentOptions options{.interval = seconds(3600), .jitter = 0.1};
  EXPECT_EQ(next_wait(options, 0, 0.0), milliseconds(3'600'000));
  EXPECT_EQ(next_wait(options, 0, 0.5), milliseconds(3'780'000));
  EXPECT_LT(next_wait(options, 0, std::nextafter(1.0, 0.0)), milliseconds(3'960'000));
  EXPECT_EQ(next_wait(options, 0, 1.0), milliseconds(3'960'000));  // the closed bound
  options.jitter = 0;
  EXPECT_EQ(next_wait(options, 0, 0.9), milliseconds(3'600'000));
}

TEST(AgentSchedule, DrawsOutsideTheUnitIntervalAreClamped) {
  AgentOptions options{.interval = seconds(100), .jitter = 0.5};
  EXPECT_EQ(next_wait(options, 0, -3.0), milliseconds(100'000));
  EXPECT_EQ(next_wait(options, 0, 7.0), milliseconds(150'000));
  EXPECT_EQ(next_wait(options, 0, std::nan("")), milliseconds(100'000));
}

TEST(AgentSchedule, BackoffDoublesFromTheFirstRetry) {
  AgentOptions options{.interval = seconds(3600), .retry_initial = seconds(60)};
  EXPECT_EQ(next_wait(options, 1, 0.5), milliseconds(60'000));
  EXPECT_EQ(next_wait(options, 2, 0.5), milliseconds(120'000));
  EXPECT_EQ(next_wait(options, 3, 0.5), milliseconds(240'000));
  EXPECT_EQ(next_wait(options, 4, 0.99), milliseconds(480'000));  // no jitter on retries
}

TEST(AgentSchedule, BackoffIsCappedAtTheIntervalOrRetryMax) {
  AgentOptions options{.interval = seconds(3600), .retry_initial = seconds(60)};
  EXPECT_EQ(next_wait(options, 6, 0.5), milliseconds(1'920'000));
  EXPECT_EQ(next_wait(options, 7, 0.5), milliseconds(3'600'000));
  EXPECT_EQ(next_wait(options, std::numeric_limits<int>::max(), 0.5), milliseconds(3'600'000));
  options.retry_max = seconds(300);
  EXPECT_EQ(next_wait(options, 3, 0.5), milliseconds(240'000));
  EXPECT_EQ(next_wait(options, 4, 0.5), milliseconds(300'000));
  EXPECT_EQ(next_wait(options, 1000, 0.5), milliseconds(300'000));
  options.retry_initial = seconds(900);  // a first retry beyond the cap is cut to it
  EXPECT_EQ(next_wait(options, 1, 0.5), milliseconds(300'000));
}

TEST(AgentSchedule, SuccessResetsToTheIntervalWithJitter) {
  AgentOptions options{.interval = seconds(600), .jitter = 0.2, .retry_initial = seconds(10)};
  EXPECT_EQ(next_wait(options, 5, 0.5), milliseconds(160'000));
  EXPECT_EQ(next_wait(options, 0, 0.5), milliseconds(660'000));
  EXPECT_EQ(next_wait(options, 1, 0.5), milliseconds(10'000));  // a new failure starts over
}

TEST(AgentSchedule, RefusesOptionsThatMakeNoSchedule) {
  auto refused = [](AgentOptions options) {
    try {
      check_schedule(options);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refused({}), "accepted");
  EXPECT_EQ(refused({.interval = seconds(1), .jitter = 0, .retry_initial = seconds(1)}),
            "accepted");
  EXPECT_EQ(refused({.interval = seconds(0)}),
            "agent interval '0 s' is too short: give one of at least 1 s, e.g. 1h");
  EXPECT_EQ(refused({.retry_initial = seconds(0)}).rfind("agent retry wait '0 s'", 0), 0u);
  EXPECT_EQ(refused({.retry_max = seconds(-1)}).rfind("agent retry cap '-1 s'", 0), 0u);
  EXPECT_EQ(refused({.jitter = -0.1}).rfind("agent jitter '", 0), 0u);
  EXPECT_EQ(refused({.jitter = std::nan("")}).rfind("agent jitter '", 0), 0u);
}

}  // namespace
}  // namespace lifeboat::agent
