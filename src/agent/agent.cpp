// The agent's loop, signals and schedule (agent.hpp).
#include "agent/agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "agent/metrics.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

namespace lifeboat::agent {

using namespace std::chrono;

milliseconds next_wait(const AgentOptions& options, int consecutive_failures, double random01) {
  if (consecutive_failures > 0) {
    auto cap = options.retry_max.count() > 0 ? options.retry_max : options.interval;
    auto wait = duration_cast<milliseconds>(options.retry_initial);
    for (int i = 1; i < consecutive_failures && wait < cap; ++i) {
      wait *= 2;
    }
    return std::min<milliseconds>(wait, cap);
  }
  auto base = duration_cast<milliseconds>(options.interval);
  auto extra = static_cast<double>(base.count()) * options.jitter * std::clamp(random01, 0.0, 1.0);
  return base + milliseconds(static_cast<std::int64_t>(extra));
}

void block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

// SIGTERM and SIGINT, read from a signalfd on a thread of their own.
class Signals {
 public:
  Signals(std::function<void(int)> on_signal) : m_on_signal(std::move(on_signal)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    // Blocked in this thread, so in every thread it starts from now on (the backup's).
    pthread_sigmask(SIG_BLOCK, &set, &m_old);
    m_fd = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC));
    int fds[2];
    if (!m_fd || ::pipe2(fds, O_CLOEXEC) != 0) {
      throw_errno("unable to watch for signals", errno);
    }
    m_stop_read = UniqueFd(fds[0]);
    m_stop_write = UniqueFd(fds[1]);
    m_thread = std::thread([this] { loop(); });
  }
  ~Signals() {
    char byte = 0;
    (void)!::write(m_stop_write.get(), &byte, 1);
    m_thread.join();
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }

 private:
  void loop() {
    for (;;) {
      pollfd fds[2] = {{m_fd.get(), POLLIN, 0}, {m_stop_read.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        continue;
      }
      if (fds[1].revents != 0) {
        return;
      }
      signalfd_siginfo info{};
      if (::read(m_fd.get(), &info, sizeof info) == sizeof info) {
        m_on_signal(static_cast<int>(info.ssi_signo));
      }
    }
  }

  std::function<void(int)> m_on_signal;
  sigset_t m_old{};
  UniqueFd m_fd, m_stop_read, m_stop_write;
  std::thread m_thread;
};

class Agent {
 public:
  Agent(const AgentOptions& options, const Callbacks& callbacks)
      : m_options(options), m_callbacks(callbacks) {}

  int run() {
    Signals signals([this](int signo) { on_signal(signo); });
    std::optional<MetricsServer> metrics;
    if (!m_options.metrics_listen.empty()) {
      metrics.emplace(m_options.metrics_listen, m_stats);
      log("metrics on http://" +
          m_options.metrics_listen.substr(0, m_options.metrics_listen.rfind(':')) + ":" +
          std::to_string(metrics->port()) + "/metrics");
    }
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    bool last_ok = true;
    bool ran_after_signal = false;
    if (m_options.run_at_start && !shutting_down()) {
      std::tie(last_ok, ran_after_signal) = run_once();
    }
    while (!shutting_down()) {
      auto wait = next_wait(m_options, m_stats.consecutive_failures(), uniform(random));
      auto next = system_clock::now() + wait;
      m_stats.set_next_run(next);
      m_stats.set_state("idle");
      write_status();
      log("next snapshot at " + format_utc(time_point_cast<system_clock::duration>(next)));
      std::unique_lock lock(m_mutex);
      if (m_wake.wait_for(lock, wait, [&] { return m_shutdown; })) {
        break;
      }
      lock.unlock();
      std::tie(last_ok, ran_after_signal) = run_once();
    }
    if (ran_after_signal && last_ok) {
      log("shutting down: the snapshot that was running when the signal came is the last one");
    } else if (m_options.run_on_shutdown) {
      log("shutting down: taking a last snapshot");
      m_stats.set_state("shutting-down");
      std::tie(last_ok, ran_after_signal) = run_once();
    } else {
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

  void on_signal(int signo) {
    std::lock_guard lock(m_mutex);
    if (m_shutdown) {
      log(std::string("second ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
          ": exiting now; the snapshot in progress is abandoned and nothing of it is kept");
      std::_Exit(1);
    }
    log(std::string(signo == SIGINT ? "SIGINT" : "SIGTERM") + " received");
    m_shutdown = true;
    m_wake.notify_all();
  }

  // One run: returns whether it succeeded and whether a signal had arrived by its end.
  std::pair<bool, bool> run_once() {
    m_stats.set_state(shutting_down() ? "shutting-down" : "running");
    write_status();
    log("snapshot started");
    auto started = steady_clock::now();
    RunOutcome outcome;
    try {
      outcome = m_callbacks.run();
    } catch (const std::exception& e) {
      outcome = RunOutcome{.ok = false, .error = e.what()};
    }
    double seconds = duration<double>(steady_clock::now() - started).count();
    m_stats.record(outcome.ok, outcome.snapshot, outcome.bytes, seconds, outcome.error);
    if (outcome.ok) {
      log("snapshot " + outcome.snapshot + " finished in " + std::to_string(std::lround(seconds)) +
          " s");
      if (m_callbacks.after_success) {
        try {
          m_callbacks.after_success();
        } catch (const std::exception& e) {
          log(std::string("prune after the snapshot failed: ") + e.what());
        }
      }
    } else {
      log("snapshot failed: " + outcome.error);
    }
    write_status();
    return {outcome.ok, shutting_down()};
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

  void log(const std::string& line) const {
    if (m_callbacks.log) {
      m_callbacks.log(line);
    }
  }

  const AgentOptions& m_options;
  const Callbacks& m_callbacks;
  Stats m_stats;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_shutdown = false;
};

}  // namespace

int run_agent(const AgentOptions& options, const Callbacks& callbacks) {
  if (options.interval.count() <= 0) {
    throw Error(ErrorKind::usage, "the agent's interval must be longer than 0 s");
  }
  return Agent(options, callbacks).run();
}

}  // namespace lifeboat::agent
