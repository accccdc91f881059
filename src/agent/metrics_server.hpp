// The agent's Prometheus endpoint: GET /metrics over HTTP on one address, served by
// libmicrohttpd on a thread of its own.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <functional>
#include <string>

struct MHD_Daemon;

namespace lifeboat::agent {

class Stats;

// Where to listen, parsed from "HOST:PORT".
struct ListenAddress {
  std::string host;        // numeric: "127.0.0.1", "::1" (without brackets)
  std::uint16_t port = 0;  // 0: the kernel picks a free port
  bool ipv6 = false;
  bool loopback = false;  // 127.0.0.0/8 or ::1: reachable from this machine only
};

// Accepts "A.B.C.D:PORT", "[IPv6]:PORT" and "localhost:PORT" (as 127.0.0.1), with a
// decimal port from 0 to 65535. Names other than localhost are refused rather than
// resolved, so that what is bound is exactly what was written. Throws Error(usage)
// with a message that quotes `listen`.
ListenAddress parse_listen_address(const std::string& listen);

// Serves `stats` as Prometheus text at GET /metrics and 404 at any other path or
// method, on exactly `address` (no other interface), until destroyed. The server's
// own errors (a refused connection, a failed send) go to `log`, from the server's
// thread. `stats` and `log` must outlive the server.
class MetricsServer {
 public:
  // Binds and starts serving. Throws Error(io) if the address cannot be bound (in use,
  // not this machine's), with the server's reason.
  MetricsServer(const ListenAddress& address, const Stats& stats,
                std::function<void(const std::string&)> log);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  MetricsServer(MetricsServer&&) = delete;  // the server thread holds `this`
  MetricsServer& operator=(MetricsServer&&) = delete;

  // The bound port: the chosen one when the address asked for port 0.
  std::uint16_t port() const { return m_port; }
  // "http://127.0.0.1:PORT/metrics" ("http://[::1]:PORT/metrics" for IPv6).
  std::string url() const;

 private:
  std::string host_port() const;
  static void on_server_log(void* self, const char* format, va_list args);

  ListenAddress m_address;
  const Stats& m_stats;
  std::function<void(const std::string&)> m_log;
  std::atomic<bool> m_started{false};
  std::string m_start_error;  // the server's last complaint before it started
  MHD_Daemon* m_daemon = nullptr;
  std::uint16_t m_port = 0;
};

}  // namespace lifeboat::agent
