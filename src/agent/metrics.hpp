// The agent's state, as a status file and as Prometheus text on a loopback HTTP port.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

struct MHD_Daemon;

namespace lifeboat::agent {

// What the agent has done so far. Guarded by its own mutex: the HTTP server reads it
// from its thread while the agent writes it from its own.
class Stats {
 public:
  void set_state(const std::string& state);
  void set_next_run(std::chrono::system_clock::time_point next);
  void record(bool ok, const std::string& snapshot, std::uint64_t bytes, double seconds,
              const std::string& error);
  int consecutive_failures() const;

  // The status file's JSON and the metrics' text, as of now.
  std::string status_json() const;
  std::string prometheus() const;

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

// Serves GET /metrics from `stats` on HOST:PORT until destroyed.
class MetricsServer {
 public:
  // Throws Error(usage) if `listen` is not HOST:PORT with a numeric IPv4 host, or if it
  // cannot be bound (the port is taken).
  MetricsServer(const std::string& listen, const Stats& stats);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  std::uint16_t port() const { return m_port; }

 private:
  const Stats& m_stats;
  MHD_Daemon* m_daemon = nullptr;
  std::uint16_t m_port = 0;
};

}  // namespace lifeboat::agent
