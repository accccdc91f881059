// The agent's loop (agent.hpp).
#include "agent/agent.hpp"

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>

#include "agent/metrics_server.hpp"
#include "agent/schedule.hpp"
#include "agent/signals.hpp"
#include "agent/stats.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

namespace lifeboat::agent {

using namespace std::chrono;

namespace {

const char* signal_name(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a shutdown request";
  }
}

class Agent {
 public:
  Agent(const AgentOptions& options, const Callbacks& callbacks)
      : m_options(options), m_callbacks(callbacks) {}

  int run() {
    std::optional<ListenAddress> listen;
    if (!m_options.metrics_listen.empty()) {
      listen = parse_listen_address(m_options.metrics_listen);
    }
    // Signals first: the metrics thread inherits the blocked mask.
    SignalWatcher signals([this](int signo) { on_signal(signo); });
    std::optional<MetricsServer> metrics;
    if (listen) {
      metrics.emplace(*listen, m_stats, [this](const std::string& line) { log(line); });
      log("metrics on " + metrics->url());
      if (!listen->loopback) {
        log("warning: metrics on '" + m_options.metrics_listen +
            "' can be read from other machines; listen on 127.0.0.1 unless that is meant");
      }
    }
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    bool last_ok = false;
    bool after_signal = false;  // the last run ended after the shutdown signal
    if (m_options.run_at_start && !shutting_down()) {
      std::tie(last_ok, after_signal) = run_once();
    }
    while (!shutting_down()) {
      auto wait = next_wait(m_options, m_stats.consecutive_failures(), uniform(random));
      auto next = system_clock::now() + wait;
      m_stats.set_next_run(time_point_cast<system_clock::duration>(next));
      m_stats.set_state("idle");
      write_status();
      log("next snapshot at " + format_utc(time_point_cast<system_clock::duration>(next)));
      std::unique_lock lock(m_mutex);
      if (m_wake.wait_for(lock, wait, [&] { return m_shutdown; })) {
        break;
      }
      lock.unlock();
      std::tie(last_ok, after_signal) = run_once();
    }
    m_stats.set_next_run(std::nullopt);
    if (after_signal && last_ok) {
      log("shutting down: the snapshot that was running when the signal came is the last one");
    } else if (m_options.snapshot_on_shutdown) {
      log("shutting down: taking a last snapshot");
      m_stats.set_state("shutting-down");
      last_ok = run_once().first;
    } else {
      log("shutting down without a last snapshot");
      last_ok = true;
    }
    m_stats.set_state("stopped");
    write_status();
    log(last_ok ? "stopped" : "stopped; the last snapshot failed");
    return last_ok ? 0 : 1;
  }

 private:
  bool shutting_down() {
    std::lock_guard lock(m_mutex);
    return m_shutdown;
  }

  // On the signal thread.
  void on_signal(int signo) {
    std::lock_guard lock(m_mutex);
    if (signo == SIGHUP) {
      log("SIGHUP ignored: the agent has nothing to reload; restart it to read new settings");
      return;
    }
    if (m_shutdown && signo != 0) {
      log(std::string("second ") + signal_name(signo) +
          ": exiting now; the snapshot in progress is abandoned and nothing of it is kept");
      // Not exit(): destructors would wait for the run this thread cannot stop.
      std::_Exit(1);
    }
    if (!m_shutdown) {
      log(std::string(signal_name(signo)) + " received: stopping after " +
          (m_options.snapshot_on_shutdown ? "a last snapshot" : "the current run"));
    }
    m_shutdown = true;
    m_wake.notify_all();
  }

  // One run: whether it succeeded, and whether the shutdown signal had come by the time
  // the job returned (so that a run finished before the signal is not taken as the
  // last one, even if the signal comes during after_success).
  std::pair<bool, bool> run_once() {
    m_stats.set_state(shutting_down() ? "shutting-down" : "running");
    m_stats.set_next_run(std::nullopt);
    write_status();
    log("snapshot started");
    auto started = steady_clock::now();
    RunOutcome outcome;
    try {
      outcome = m_callbacks.run();
    } catch (const std::exception& e) {
      outcome = RunOutcome{.ok = false, .error = e.what()};
    }
    bool after_signal = shutting_down();
    double seconds = outcome.duration.count() > 0
                         ? outcome.duration.count()
                         : duration<double>(steady_clock::now() - started).count();
    m_stats.record(outcome.ok, outcome.snapshot, outcome.bytes, seconds, outcome.error);
    write_status();
    if (!outcome.ok) {
      log("snapshot failed: " + (outcome.error.empty() ? "no reason given" : outcome.error));
      return {false, after_signal};
    }
    log("snapshot " + outcome.snapshot + " finished in " + fmt_seconds(seconds) + ", " +
        std::to_string(outcome.bytes) + " bytes");
    if (m_callbacks.after_success) {
      try {
        m_callbacks.after_success();
      } catch (const std::exception& e) {
        log(std::string("after the snapshot: ") + e.what());
      }
    }
    return {true, after_signal};
  }

  static std::string fmt_seconds(double seconds) {
    char buffer[32];
    (void)std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
    return buffer;
  }

  void write_status() {
    if (m_options.status_file.empty()) {
      return;
    }
    try {
      write_file_atomic(m_options.status_file, m_stats.status_json(), 0644);
    } catch (const Error& e) {
      log(std::string("unable to write the status file: ") + e.what());
    }
  }

  void log(const std::string& line) {
    std::lock_guard lock(m_log_mutex);
    if (m_callbacks.log) {
      m_callbacks.log(line);
    }
  }

  const AgentOptions& m_options;
  const Callbacks& m_callbacks;
  Stats m_stats;
  std::mutex m_mutex;  // guards m_shutdown; taken before m_log_mutex, never after
  std::condition_variable m_wake;
  bool m_shutdown = false;
  std::mutex m_log_mutex;
};

}  // namespace

int run_agent(const AgentOptions& options, const Callbacks& callbacks) {
  check_schedule(options);
  if (!callbacks.run) {
    throw Error(ErrorKind::internal, "the agent was started without a job to run");
  }
  return Agent(options, callbacks).run();
}

}  // namespace lifeboat::agent
