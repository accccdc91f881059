// Status file and Prometheus metrics (metrics.hpp), served with libmicrohttpd.
#include "agent/metrics.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::agent {

namespace {

double epoch_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

}  // namespace

void Stats::set_state(const std::string& state) {
  std::lock_guard lock(m_mutex);
  m_state = state;
}

void Stats::set_next_run(std::chrono::system_clock::time_point next) {
  std::lock_guard lock(m_mutex);
  m_next_run = next;
}

void Stats::record(bool ok, const std::string& snapshot, std::uint64_t bytes, double seconds,
                   const std::string& error) {
  std::lock_guard lock(m_mutex);
  ++m_runs;
  m_last_duration = seconds;
  if (ok) {
    m_last_success = std::chrono::system_clock::now();
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
  auto when = [](const std::optional<std::chrono::system_clock::time_point>& time) {
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

std::string Stats::prometheus() const {
  std::lock_guard lock(m_mutex);
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name,
                       std::isnan(value) ? "NaN" : fmt::format("{}", value));
  };
  double nan = std::nan("");
  metric("lifeboat_agent_up", "gauge", "1 while the agent runs.", 1);
  metric("lifeboat_last_success_timestamp_seconds", "gauge",
         "Unix time of the last successful snapshot (NaN before the first).",
         m_last_success ? epoch_seconds(*m_last_success) : nan);
  metric("lifeboat_last_snapshot_age_seconds", "gauge",
         "Seconds since the last successful snapshot (NaN before the first).",
         m_last_success
             ? std::chrono::duration<double>(std::chrono::system_clock::now() - *m_last_success).count()
             : nan);
  metric("lifeboat_last_run_duration_seconds", "gauge", "How long the last run took.", m_last_duration);
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

namespace {

MHD_Result answer(void* context, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**) {
  const auto* stats = static_cast<const Stats*>(context);
  bool found = std::strcmp(url, "/metrics") == 0 && std::strcmp(method, "GET") == 0;
  std::string body = found ? stats->prometheus() : "not found: try /metrics\n";
  auto* response = MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type",
                          found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
  auto result = MHD_queue_response(connection, found ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, response);
  MHD_destroy_response(response);
  return result;
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listen, const Stats& stats) : m_stats(stats) {
  auto colon = listen.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  int port = -1;
  if (colon != std::string::npos) {
    try {
      std::size_t used = 0;
      port = std::stoi(listen.substr(colon + 1), &used);
      if (used != listen.size() - colon - 1) {
        port = -1;
      }
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (port < 0 || port > 65535 ||
      ::inet_pton(AF_INET, listen.substr(0, colon).c_str(), &address.sin_addr) != 1) {
    throw Error(ErrorKind::usage, "metrics address '" + listen +
                                      "' is not HOST:PORT with an IPv4 host, e.g. 127.0.0.1:9464");
  }
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  m_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, nullptr,
                              nullptr, &answer, const_cast<Stats*>(&m_stats),
                              MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address),
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (m_daemon == nullptr) {
    throw Error(ErrorKind::usage, "unable to serve metrics on '" + listen +
                                      "': the address is in use or not this machine's");
  }
  const auto* info = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_BIND_PORT);
  m_port = info != nullptr ? info->port : static_cast<std::uint16_t>(port);
}

MetricsServer::~MetricsServer() {
  if (m_daemon != nullptr) {
    MHD_stop_daemon(m_daemon);
  }
}

}  // namespace lifeboat::agent
