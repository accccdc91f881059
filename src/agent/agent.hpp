// The agent's engine: runs a job every interval (with jitter), retries failures with
// growing waits, runs it once more on SIGTERM/SIGINT before returning, and reports its
// state in a status file and as Prometheus metrics. It knows nothing of snapshots: the
// job is a callback (the CLI's `agent` command passes a backup).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace lifeboat::agent {

struct AgentOptions {
  std::chrono::seconds interval{3600};   // between runs. Default: 1 h
  double jitter = 0.1;                   // each wait is interval × (1 + U[0, jitter)). Default: 0.1
  std::chrono::seconds retry_initial{60};  // first wait after a failure, doubling. Default: 60 s
  std::chrono::seconds retry_max{0};     // cap on the retry wait; 0: the interval. Default: 0
  bool run_at_start = true;              // run once at once. Default: true
  bool run_on_shutdown = true;           // run once more on SIGTERM/SIGINT. Default: true
  std::filesystem::path status_file;     // JSON, rewritten atomically; empty: none
  // "HOST:PORT" for GET /metrics; port 0 picks a free one (logged). Empty: no server.
  std::string metrics_listen;
};

// What one run did.
struct RunOutcome {
  bool ok = false;
  std::string snapshot;
  std::uint64_t bytes = 0;
  std::chrono::duration<double> duration{};
  std::string error;
};

struct Callbacks {
  std::function<RunOutcome()> run;             // may throw: a failure with e.what()
  std::function<void()> after_success;         // e.g. prune; a throw is logged, not fatal
  std::function<void(const std::string&)> log;  // one line per event
};

// The wait before the next run: the interval plus jitter after a success (`random01`
// in [0, 1) scales the jitter), retry_initial × 2^(failures-1) capped after failures.
std::chrono::milliseconds next_wait(const AgentOptions& options, int consecutive_failures,
                                    double random01);

// Blocks SIGTERM and SIGINT in the calling thread, and so in every thread it starts
// afterwards: call it before any other thread exists, so that run_agent receives them.
void block_shutdown_signals();

// Runs until SIGTERM or SIGINT (both are blocked in the calling thread and handled on
// a thread of the agent's own). A signal during a run lets it finish; if that run
// succeeded it is the shutdown run, else one more is made. A second signal ends the
// process at once with status 1 (a run cut short leaves nothing visible in the store).
// Returns 0 if the shutdown run succeeded (or none was wanted), else 1. Throws
// Error(usage) for a metrics address it cannot parse or bind.
int run_agent(const AgentOptions& options, const Callbacks& callbacks);

}  // namespace lifeboat::agent
