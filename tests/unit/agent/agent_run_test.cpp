// run_agent in this process (src/agent/agent.cpp), stopped with request_shutdown(): a
// real schedule of 1 s, retries with backoff, the status file, metrics over HTTP.
#include "agent/agent.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "agent_test_support.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::agent {
namespace {

using namespace std::chrono;

// Runs the agent on this thread; `job(n)` is the n-th run (from 1), `on_log` sees
// each line as it is logged. Records when each run started.
struct AgentRun {
  test::LogRecorder log;
  std::vector<steady_clock::time_point> starts;
  int status = -1;

  void go(const AgentOptions& options, const std::function<RunOutcome(int)>& job,
          const std::function<void(const std::string&)>& on_log = nullptr) {
    Callbacks callbacks{.run =
                            [&] {
                              starts.push_back(steady_clock::now());
                              return job(static_cast<int>(starts.size()));
                            },
                        .log =
                            [&](const std::string& line) {
                              log.add(line);
                              if (on_log) {
                                on_log(line);
                              }
                            }};
    status = run_agent(options, callbacks);
  }
  double gap(std::size_t i) const { return duration<double>(starts[i] - starts[i - 1]).count(); }
};

bool starts_with(const std::string& line, const std::string& prefix) {
  return line.rfind(prefix, 0) == 0;
}

TEST(Agent, RunsEveryIntervalAndOnceMoreAtShutdownWithItsStatusFile) {
  test::TempDir dir;
  auto status_path = dir.path() / "status.json";
  auto status = [&] { return nlohmann::json::parse(read_file(status_path)); };
  AgentRun run;
  run.go(
      {.interval = seconds(1), .jitter = 0, .status_file = status_path},
      [&](int n) {
        auto now = status();
        EXPECT_EQ(now["state"], n <= 3 ? "running" : "shutting-down") << n;
        EXPECT_TRUE(now["next_run_time"].is_null()) << n;
        EXPECT_EQ(now["runs_total"], n - 1);
        return RunOutcome{.ok = true, .snapshot = "s" + std::to_string(n), .bytes = 100u * n};
      },
      [&](const std::string& line) {
        if (starts_with(line, "next snapshot at") && run.starts.size() == 3) {
          auto waiting = status();
          EXPECT_EQ(waiting["state"], "idle");
          EXPECT_TRUE(waiting["next_run_time"].is_string());
          request_shutdown();
        }
      });
  EXPECT_EQ(run.status, 0);
  ASSERT_EQ(run.starts.size(), 4u) << run.log.all();  // three on schedule, one at shutdown
  for (std::size_t i = 1; i < 3; ++i) {
    EXPECT_GE(run.gap(i), 1.0);
    EXPECT_LT(run.gap(i), 1.5);
  }
  EXPECT_LT(run.gap(3), 0.5);  // the shutdown run does not wait for the schedule
  auto last = status();
  EXPECT_EQ(last["state"], "stopped");
  EXPECT_EQ(last["runs_total"], 4);
  EXPECT_EQ(last["failures_total"], 0);
  EXPECT_EQ(last["last_snapshot"], "s4");
  EXPECT_EQ(last["last_bytes"], 400);
  EXPECT_EQ(last["last_error"], "");
  EXPECT_EQ(last["pid"], ::getpid());
  EXPECT_TRUE(std::regex_match(last["last_success_time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_TRUE(last["next_run_time"].is_null());
  struct stat info {};
  ASSERT_EQ(::stat(status_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u);
  EXPECT_EQ(run.log.count("shutting down: taking a last snapshot"), 1) << run.log.all();
  EXPECT_EQ(run.log.count("a shutdown request received"), 1) << run.log.all();
}

TEST(Agent, FailuresAreRetriedWithDoublingWaitsUntilASuccess) {
  AgentRun run;
  test::TempDir dir;
  std::vector<std::string> next_runs;
  run.go(
      {.interval = hours(1),
       .jitter = 0,
       .retry_initial = seconds(1),
       .status_file = dir.path() / "status.json"},
      [&](int n) {
        if (n == 1) {
          throw std::runtime_error("unable to reach the store");
        }
        return RunOutcome{.ok = n != 2, .snapshot = "s", .error = "the disk is full"};
      },
      [&](const std::string& line) {
        if (starts_with(line, "next snapshot at")) {
          next_runs.push_back(line);
          if (run.starts.size() == 3) {
            auto status = nlohmann::json::parse(read_file(dir.path() / "status.json"));
            EXPECT_EQ(status["consecutive_failures"], 0);
            EXPECT_EQ(status["failures_total"], 2);
            request_shutdown();
          }
        }
      });
  EXPECT_EQ(run.status, 0);
  ASSERT_EQ(run.starts.size(), 4u) << run.log.all();
  EXPECT_GE(run.gap(1), 1.0);  // retry_initial
  EXPECT_LT(run.gap(1), 1.5);
  EXPECT_GE(run.gap(2), 2.0);  // doubled
  EXPECT_LT(run.gap(2), 2.5);
  EXPECT_EQ(run.log.count("snapshot failed: unable to reach the store"), 1) << run.log.all();
  EXPECT_EQ(run.log.count("snapshot failed: the disk is full"), 1) << run.log.all();
  ASSERT_EQ(next_runs.size(), 3u);
}

TEST(Agent, MetricsChangeAsRunsFinish) {
  std::uint16_t port = 0;
  std::vector<std::map<std::string, double>> scrapes;
  auto scrape = [&] {
    auto reply = test::http_get(port, "/metrics");
    EXPECT_EQ(reply.status, 200);
    scrapes.push_back(test::parse_metrics(reply.body));
  };
  AgentRun run;
  run.go(
      {.interval = seconds(1), .jitter = 0, .run_at_start = false, .metrics_listen = "127.0.0.1:0"},
      [&](int n) {
        if (n == 2) {
          scrape();  // after one success
          EXPECT_EQ(test::http_get(port, "/status").status, 404);
          return RunOutcome{.ok = false, .error = "the disk is full"};
        }
        return RunOutcome{
            .ok = true, .snapshot = "s", .bytes = 4096, .duration = milliseconds(250)};
      },
      [&](const std::string& line) {
        std::smatch match;
        if (std::regex_search(line, match,
                              std::regex("^metrics on http://127.0.0.1:(\\d+)/metrics$"))) {
          port = static_cast<std::uint16_t>(std::stoi(match[1]));
        } else if (starts_with(line, "next snapshot at") && run.starts.size() != 1) {
          scrape();  // before any run, then after the failure
          if (run.starts.size() == 2) {
            request_shutdown();
          }
        }
      });
  EXPECT_EQ(run.status, 0);
  ASSERT_NE(port, 0) << run.log.all();
  ASSERT_EQ(scrapes.size(), 3u);
  EXPECT_EQ(scrapes[0]["lifeboat_agent_up"], 1);
  EXPECT_EQ(scrapes[0]["lifeboat_runs_total"], 0);
  EXPECT_TRUE(std::isnan(scrapes[0]["lifeboat_last_snapshot_age_seconds"]));
  EXPECT_EQ(scrapes[1]["lifeboat_runs_total"], 1);
  EXPECT_EQ(scrapes[1]["lifeboat_last_snapshot_bytes"], 4096);
  EXPECT_EQ(scrapes[1]["lifeboat_last_run_duration_seconds"], 0.25);  // the job's own measure
  EXPECT_GE(scrapes[1]["lifeboat_last_snapshot_age_seconds"], 0.9);   // one interval ago
  EXPECT_LT(scrapes[1]["lifeboat_last_snapshot_age_seconds"], 2);
  EXPECT_EQ(scrapes[2]["lifeboat_runs_total"], 2);
  EXPECT_EQ(scrapes[2]["lifeboat_failures_total"], 1);
  EXPECT_EQ(scrapes[2]["lifeboat_consecutive_failures"], 1);
  EXPECT_EQ(scrapes[2]["lifeboat_last_success_timestamp_seconds"],
            scrapes[1]["lifeboat_last_success_timestamp_seconds"]);
}

TEST(Agent, AfterSuccessFailuresAreLoggedNotFatal) {
  int pruned = 0;
  test::LogRecorder log;
  Callbacks callbacks{.run = [] { return RunOutcome{.ok = true, .snapshot = "s"}; },
                      .after_success =
                          [&] {
                            if (++pruned == 1) {
                              request_shutdown();
                              throw std::runtime_error("unable to prune: the store is read-only");
                            }
                          },
                      .log = [&](const std::string& line) { log.add(line); }};
  EXPECT_EQ(run_agent({}, callbacks), 0);
  EXPECT_EQ(pruned, 2);  // the shutdown run's too: the first ran before the request
  EXPECT_EQ(log.count("after the snapshot: unable to prune: the store is read-only"), 1);
}

TEST(Agent, RefusesABadMetricsAddressOrScheduleBeforeRunning) {
  int runs = 0;
  Callbacks callbacks{.run = [&] { return RunOutcome{.ok = ++runs > 0}; }};
  EXPECT_THROW(run_agent({.metrics_listen = "localhost"}, callbacks), Error);
  EXPECT_THROW(run_agent({.interval = seconds(0)}, callbacks), Error);
  EXPECT_EQ(runs, 0);
}

TEST(Agent, WarnsWhenMetricsCanBeReadFromOtherMachines) {
  test::LogRecorder log;
  Callbacks callbacks{.run =
                          [] {
                            request_shutdown();  // reaches the agent on another thread
                            std::this_thread::sleep_for(milliseconds(200));
                            return RunOutcome{.ok = true};
                          },
                      .log = [&](const std::string& line) { log.add(line); }};
  EXPECT_EQ(run_agent({.metrics_listen = "0.0.0.0:0"}, callbacks), 0);
  EXPECT_EQ(log.count("warning: metrics on '0.0.0.0:0' can be read from other machines"), 1)
      << log.all();
  EXPECT_EQ(log.count("is the last one"), 1) << log.all();
}

}  // namespace
}  // namespace lifeboat::agent
