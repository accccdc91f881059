// What the agent has done so far, and its two renderings: the status file's JSON and
// the Prometheus text served at /metrics.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace lifeboat::agent {

// The agent's state and counters since it started. Thread-safe: every member takes
// the object's own mutex, because the metrics server reads it from its thread while
// the agent writes it from its own.
class Stats {
 public:
  // "idle" (waiting for the next run), "running", "shutting-down" (the shutdown run),
  // "stopped" (run_agent has returned; the file outlives the process).
  void set_state(const std::string& state);
  // When the next run is due; nullopt while a run is in progress.
  void set_next_run(std::optional<std::chrono::system_clock::time_point> next);
  // Counts one finished run. A success sets the last snapshot, its size and its time,
  // and clears the last error and the failures in a row.
  void record(bool ok, const std::string& snapshot, std::uint64_t bytes, double seconds,
              const std::string& error);
  int consecutive_failures() const;

  // The status file: one JSON object with state, pid, last_success_time (RFC 3339 UTC
  // or null), last_snapshot, last_duration_seconds, last_bytes, last_error,
  // consecutive_failures, failures_total, runs_total, next_run_time (RFC 3339 or null).
  std::string status_json() const;

  // Prometheus text exposition format 0.0.4, each metric with HELP and TYPE lines.
  // Before the first success, lifeboat_last_success_timestamp_seconds and
  // lifeboat_last_snapshot_age_seconds are NaN rather than absent: the series exist
  // from the start, so `absent()` keeps meaning "the agent is down". NaN matches no
  // comparison, so an age alert needs lifeboat_consecutive_failures beside it to catch
  // an agent that never succeeds. The age is computed at `now`, i.e. at scrape time.
  std::string prometheus(std::chrono::system_clock::time_point now) const;

 private:
  mutable std::mutex m_mutex;
  std::string m_state = "idle";
  std::optional<std::chrono::system_clock::time_point> m_last_success, m_next_run;
  std::string m_last_snapshot, m_last_error;
  double m_last_duration = 0;
  std::uint64_t m_last_bytes = 0;
  std::uint64_t m_runs = 0, m_failures = 0;
  int m_consecutive_failures = 0;
};

}  // namespace lifeboat::agent
