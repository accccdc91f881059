// The agent's counters as a status file and as Prometheus text (stats.hpp).
#include "agent/stats.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <cmath>
#include <nlohmann/json.hpp>

#include "util/text.hpp"

namespace lifeboat::agent {

using std::chrono::system_clock;

void Stats::set_state(const std::string& state) {
  std::lock_guard lock(m_mutex);
  m_state = state;
}

void Stats::set_next_run(std::optional<system_clock::time_point> next) {
  std::lock_guard lock(m_mutex);
  m_next_run = next;
}

void Stats::record(bool ok, const std::string& snapshot, std::uint64_t bytes, double seconds,
                   const std::string& error) {
  std::lock_guard lock(m_mutex);
  ++m_runs;
  m_last_duration = seconds;
  if (ok) {
    m_last_success = system_clock::now();
    m_last_snapshot = snapshot;
    m_last_bytes = bytes;
    m_last_error.clear();
    m_consecutive_failures = 0;
  } else {
    ++m_failures;
    ++m_consecutive_failures;
    m_last_error = error;
  }
}

int Stats::consecutive_failures() const {
  std::lock_guard lock(m_mutex);
  return m_consecutive_failures;
}

std::string Stats::status_json() const {
  std::lock_guard lock(m_mutex);
  auto when = [](const std::optional<system_clock::time_point>& time) {
    return time ? nlohmann::json(format_utc(*time)) : nlohmann::json(nullptr);
  };
  nlohmann::json status = {{"state", m_state},
                           {"pid", ::getpid()},
                           {"last_success_time", when(m_last_success)},
                           {"last_snapshot", m_last_snapshot},
                           {"last_duration_seconds", m_last_duration},
                           {"last_bytes", m_last_bytes},
                           {"last_error", m_last_error},
                           {"consecutive_failures", m_consecutive_failures},
                           {"failures_total", m_failures},
                           {"runs_total", m_runs},
                           {"next_run_time", when(m_next_run)}};
  return status.dump(2) + "\n";
}

std::string Stats::prometheus(system_clock::time_point now) const {
  std::lock_guard lock(m_mutex);
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    // Prometheus spells not-a-number "NaN"; fmt would write "nan".
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type,
                       std::isnan(value) ? std::string("NaN") : fmt::format("{}", value));
  };
  auto seconds = [](system_clock::duration d) { return std::chrono::duration<double>(d).count(); };
  double nan = std::nan("");
  metric("lifeboat_agent_up", "gauge", "1 while the agent runs.", 1);
  metric("lifeboat_last_success_timestamp_seconds", "gauge",
         "Unix time of the last successful snapshot (NaN before the first).",
         m_last_success ? seconds(m_last_success->time_since_epoch()) : nan);
  metric("lifeboat_last_snapshot_age_seconds", "gauge",
         "Seconds since the last successful snapshot, at scrape time (NaN before the first).",
         m_last_success ? seconds(now - *m_last_success) : nan);
  metric("lifeboat_last_run_duration_seconds", "gauge", "How long the last run took.",
         m_last_duration);
  metric("lifeboat_last_snapshot_bytes", "gauge", "Size of the last successful snapshot.",
         static_cast<double>(m_last_bytes));
  metric("lifeboat_runs_total", "counter", "Snapshot runs since the agent started.",
         static_cast<double>(m_runs));
  metric("lifeboat_failures_total", "counter", "Failed snapshot runs since the agent started.",
         static_cast<double>(m_failures));
  metric("lifeboat_consecutive_failures", "gauge", "Failed runs since the last success.",
         m_consecutive_failures);
  return out;
}

}  // namespace lifeboat::agent
