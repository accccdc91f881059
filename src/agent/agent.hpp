// The agent's engine: runs a job every interval (with jitter), retries failures with
// growing waits, runs it once more on SIGTERM/SIGINT before returning, and reports its
// state in a status file and as Prometheus metrics. It knows nothing of snapshots or
// stores: the job is a callback (the CLI's `agent` command passes a backup).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace lifeboat::agent {

struct AgentOptions {
  std::chrono::seconds interval{3600};  // between runs. Default: 1 h
  double jitter = 0.1;                  // each wait is interval × (1 + U[0, jitter)). Default: 0.1
  std::chrono::seconds retry_initial{60};  // first wait after a failure, doubling. Default: 60 s
  std::chrono::seconds retry_max{0};       // cap on the retry wait; 0: the interval. Default: 0
  bool run_at_start = true;                // take the first snapshot at once. Default: true
  bool snapshot_on_shutdown = true;        // one more run on SIGTERM/SIGINT. Default: true
  // JSON status (stats.hpp), rewritten atomically with mode 0644 when a run starts and
  // ends and when the agent stops. A failed write is logged. Default: empty, none
  std::filesystem::path status_file;
  // "HOST:PORT" (metrics_server.hpp) for GET /metrics; port 0 picks a free port, logged
  // as "metrics on http://HOST:PORT/metrics". Meant for loopback; any other address is
  // served as asked (the operator's call) with a warning in the log. Default: empty, none
  std::string metrics_listen;
};

// What one run did, as the job reports it.
struct RunOutcome {
  bool ok = false;
  std::string snapshot;  // its name, when ok
  std::uint64_t bytes = 0;
  // How long it took; when left at 0 the agent's own measure of the call is used.
  std::chrono::duration<double> duration{};
  std::string error;  // one line, when not ok
};

// The agent calls these on its own thread, one at a time, except `log`, which the
// signal and metrics threads call too — never two calls to `log` at once.
struct Callbacks {
  std::function<RunOutcome()> run;      // required; a throw is a failure with what()
  std::function<void()> after_success;  // e.g. prune; a throw is logged, not fatal
  // One line per event: started, finished, failed (with the error), next run at,
  // signal received, shutting down, stopped. May be empty.
  std::function<void(const std::string&)> log;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and so in every thread it
// starts afterwards. A process-directed signal goes to any thread that does not block
// it, and its default action would end the process without a shutdown run: call this
// first in main's thread, before any other thread exists, when run_agent comes later.
// Child processes started with util/process.hpp get the default mask back.
void block_shutdown_signals();

// Asks the running agent to stop as SIGTERM would, shutdown run included. Safe from any
// thread; repeating it does nothing more (unlike a second signal). A request made while
// no agent runs is dropped when the next one starts.
void request_shutdown();

// Runs until SIGTERM, SIGINT or request_shutdown():
// - a run at once (run_at_start), then one per next_wait() (schedule.hpp); after_success
//   follows each successful run;
// - a signal while waiting wakes the agent at once; a signal during a run lets the run
//   finish, and if it succeeds it is the shutdown run, else one more is made;
// - a second SIGTERM/SIGINT after the first ends the process at once with status 1: the
//   run it cuts short leaves nothing visible in the store. SIGHUP is logged, ignored.
// Returns 0 if the shutdown run succeeded, or none was wanted (snapshot_on_shutdown
// false); 1 if it failed. Throws Error(usage) for options check_schedule() refuses or
// an unparsable metrics address, Error(io) if the metrics address cannot be bound.
// One agent per process at a time.
int run_agent(const AgentOptions& options, const Callbacks& callbacks);

}  // namespace lifeboat::agent
