// The agent's schedule, its shutdown run on a real SIGTERM, retries, status and metrics.
#include "agent/agent.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::agent {
namespace {

using namespace std::chrono;

TEST(AgentSchedule, JitterStaysWithinItsFraction) {
  AgentOptions options{.interval = seconds(3600), .jitter = 0.1};
  EXPECT_EQ(next_wait(options, 0, 0.0), milliseconds(3'600'000));
  EXPECT_EQ(next_wait(options, 0, 0.5), milliseconds(3'780'000));
  EXPECT_LE(next_wait(options, 0, 0.999999), milliseconds(3'960'000));
  options.jitter = 0;
  EXPECT_EQ(next_wait(options, 0, 0.9), milliseconds(3'600'000));
}

TEST(AgentSchedule, BackoffDoublesUpToItsCap) {
  AgentOptions options{.interval = seconds(3600), .retry_initial = seconds(60)};
  EXPECT_EQ(next_wait(options, 1, 0.5), milliseconds(60'000));
  EXPECT_EQ(next_wait(options, 2, 0.5), milliseconds(120'000));
  EXPECT_EQ(next_wait(options, 4, 0.5), milliseconds(480'000));
  EXPECT_EQ(next_wait(options, 20, 0.5), milliseconds(3'600'000));  // capped at the interval
  options.retry_max = seconds(300);
  EXPECT_EQ(next_wait(options, 20, 0.5), milliseconds(300'000));
}

// Runs the agent in this thread, with SIGTERM/SIGINT blocked first so that the helper
// thread's kill() reaches the agent's signalfd and not the default action.
struct Harness {
  std::atomic<int> runs{0};
  std::mutex mutex;
  std::vector<std::string> log;
  std::function<void(int)> after_run;  // on a helper thread: called with the run count
  int run(AgentOptions options, std::function<RunOutcome(int)> job) {
    block_shutdown_signals();
    Callbacks callbacks{.run = [&] {
                          int n = ++runs;
                          return job(n);
                        },
                        .log = [&](const std::string& line) {
                          std::lock_guard lock(mutex);
                          log.push_back(line);
                        }};
    std::thread helper([&] {
      int seen = 0;
      while (seen < 100) {
        std::this_thread::sleep_for(milliseconds(20));
        if (runs.load() > seen) {
          seen = runs.load();
          after_run(seen);
        }
      }
    });
    int status = run_agent(options, callbacks);
    runs = 1000;  // releases the helper
    helper.join();
    return status;
  }
  std::string joined() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& line : log) {
      out += line + "\n";
    }
    return out;
  }
};

TEST(Agent, SigtermTakesOneMoreSnapshotThenStops) {
  Harness harness;
  harness.after_run = [](int n) {
    if (n == 1) {
      ::kill(::getpid(), SIGTERM);
    }
  };
  test::TempDir dir;
  auto status = harness.run({.interval = hours(1), .status_file = dir.path() / "status.json"},
                            [](int n) { return RunOutcome{.ok = true, .snapshot = "s" + std::to_string(n)}; });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(harness.runs.load(), 1000);
  auto json = nlohmann::json::parse(read_file(dir.path() / "status.json"));
  EXPECT_EQ(json["runs_total"], 2);
  EXPECT_EQ(json["last_snapshot"], "s2");
  EXPECT_EQ(json["state"], "stopped");
  EXPECT_NE(harness.joined().find("SIGTERM received"), std::string::npos) << harness.joined();
}

TEST(Agent, SignalDuringASuccessfulRunIsItsShutdownRun) {
  Harness harness;
  harness.after_run = [](int) {};
  std::atomic<bool> signalled{false};
  auto status = harness.run({.interval = hours(1)}, [&](int) {
    ::kill(::getpid(), SIGTERM);  // arrives while this run is in progress
    std::this_thread::sleep_for(milliseconds(100));
    signalled = true;
    return RunOutcome{.ok = true, .snapshot = "only"};
  });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(signalled);
  EXPECT_NE(harness.joined().find("is the last one"), std::string::npos) << harness.joined();
  EXPECT_EQ(harness.joined().find("taking a last snapshot"), std::string::npos);
}

TEST(Agent, FailureIsRetriedSoonerAndMetricsShowIt) {
  Harness harness;
  std::string metrics_after_retry;
  harness.after_run = [&](int n) {
    if (n == 2) {
      std::smatch match;
      auto log = harness.joined();
      if (std::regex_search(log, match, std::regex("metrics on (http://[0-9.:]+/metrics)"))) {
        metrics_after_retry = test::run_shell("curl -s " + match[1].str()).out;
      }
      ::kill(::getpid(), SIGINT);
    }
  };
  auto started = steady_clock::now();
  auto status = harness.run(
      {.interval = hours(1), .retry_initial = seconds(1), .metrics_listen = "127.0.0.1:0"},
      [](int n) {
        if (n == 1) {
          throw std::runtime_error("the store is unreachable");
        }
        return RunOutcome{.ok = n != 3, .snapshot = "s", .bytes = 4096, .error = "failed at shutdown"};
      });
  EXPECT_EQ(status, 1);  // the shutdown run (the third) failed
  EXPECT_LT(steady_clock::now() - started, seconds(10));
  EXPECT_NE(harness.joined().find("snapshot failed: the store is unreachable"), std::string::npos);
  EXPECT_NE(metrics_after_retry.find("lifeboat_runs_total 2\n"), std::string::npos) << metrics_after_retry;
  EXPECT_NE(metrics_after_retry.find("lifeboat_failures_total 1\n"), std::string::npos);
  EXPECT_NE(metrics_after_retry.find("lifeboat_last_snapshot_bytes 4096\n"), std::string::npos);
  EXPECT_NE(metrics_after_retry.find("# TYPE lifeboat_last_snapshot_age_seconds gauge"),
            std::string::npos);
}

TEST(Agent, BadMetricsAddressIsAUsageError) {
  Callbacks callbacks{.run = [] { return RunOutcome{.ok = true}; }};
  EXPECT_THROW(run_agent({.metrics_listen = "localhost"}, callbacks), Error);
}

}  // namespace
}  // namespace lifeboat::agent
