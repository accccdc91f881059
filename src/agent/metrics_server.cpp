// GET /metrics with libmicrohttpd (metrics_server.hpp).
#include "agent/metrics_server.hpp"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>

#include "agent/stats.hpp"
#include "util/error.hpp"

namespace lifeboat::agent {

namespace {

std::optional<std::uint16_t> parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  auto port = std::stoul(text);
  return port <= 65535 ? std::optional(static_cast<std::uint16_t>(port)) : std::nullopt;
}

MHD_Result answer(void* context, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**) {
  const auto* stats = static_cast<const Stats*>(context);
  bool found = std::strcmp(url, "/metrics") == 0 && std::strcmp(method, "GET") == 0;
  std::string body = found ? stats->prometheus(std::chrono::system_clock::now())
                           : "not found: the agent serves GET /metrics only\n";
  auto* response = MHD_create_response_from_buffer(body.size(), body.data(), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type",
                          found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
  auto result = MHD_queue_response(connection, found ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, response);
  MHD_destroy_response(response);
  return result;
}

}  // namespace

ListenAddress parse_listen_address(const std::string& listen) {
  auto bad = [&] {
    return Error(ErrorKind::usage, "metrics address '" + listen +
                                       "' is not HOST:PORT with a numeric host or localhost: "
                                       "use e.g. 127.0.0.1:9464 or [::1]:9464");
  };
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw bad();
  }
  auto port = parse_port(listen.substr(colon + 1));
  auto host = listen.substr(0, colon);
  if (!port) {
    throw bad();
  }
  ListenAddress address{.port = *port};
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr bytes{};
    address.host = host.substr(1, host.size() - 2);
    if (::inet_pton(AF_INET6, address.host.c_str(), &bytes) != 1) {
      throw bad();
    }
    address.ipv6 = true;
    address.loopback = IN6_IS_ADDR_LOOPBACK(&bytes);
    return address;
  }
  address.host = host == "localhost" ? "127.0.0.1" : host;
  in_addr bytes{};
  if (::inet_pton(AF_INET, address.host.c_str(), &bytes) != 1) {
    throw bad();
  }
  address.loopback = (ntohl(bytes.s_addr) >> 24) == 127;
  return address;
}

MetricsServer::MetricsServer(const ListenAddress& address, const Stats& stats,
                             std::function<void(const std::string&)> log)
    : m_address(address), m_stats(stats), m_log(std::move(log)) {
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  sockaddr* bind_to = nullptr;
  if (address.ipv6) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(address.port);
    ::inet_pton(AF_INET6, address.host.c_str(), &v6.sin6_addr);
    bind_to = reinterpret_cast<sockaddr*>(&v6);
  } else {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(address.port);
    ::inet_pton(AF_INET, address.host.c_str(), &v4.sin_addr);
    bind_to = reinterpret_cast<sockaddr*>(&v4);
  }
  unsigned flags =
      MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (address.ipv6 ? MHD_USE_IPv6 : 0);
  // The logger must be the first option, or messages about later ones go to stderr.
  m_daemon = MHD_start_daemon(flags, address.port, nullptr, nullptr, &answer,
                              const_cast<Stats*>(&m_stats), MHD_OPTION_EXTERNAL_LOGGER,
                              &MetricsServer::on_server_log, this, MHD_OPTION_SOCK_ADDR, bind_to,
                              MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
  if (m_daemon == nullptr) {
    auto reason = m_start_error.empty() ? std::string("the server did not start") : m_start_error;
    reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
    bool in_use = reason.find("in use") != std::string::npos;
    throw Error(ErrorKind::io,
                "unable to serve metrics on '" + host_port() + "': " + reason +
                    (in_use ? "; is another agent running? choose another port"
                            : "; give an address of this machine, e.g. 127.0.0.1:9464"));
  }
  const auto* info = MHD_get_daemon_info(m_daemon, MHD_DAEMON_INFO_BIND_PORT);
  m_port = info != nullptr ? info->port : address.port;
  m_started = true;
}

MetricsServer::~MetricsServer() {
  if (m_daemon != nullptr) {
    MHD_stop_daemon(m_daemon);
  }
}

std::string MetricsServer::host_port() const {
  auto host = m_address.ipv6 ? "[" + m_address.host + "]" : m_address.host;
  return host + ":" + std::to_string(m_port != 0 ? m_port : m_address.port);
}

std::string MetricsServer::url() const {
  return "http://" + host_port() + "/metrics";
}

void MetricsServer::on_server_log(void* self, const char* format, va_list args) {
  char buffer[512];
  (void)std::vsnprintf(buffer, sizeof buffer, format, args);
  std::string line(buffer);
  while (!line.empty() && (line.back() == '\n' || line.back() == '.')) {
    line.pop_back();
  }
  auto* server = static_cast<MetricsServer*>(self);
  // Until the constructor has seen the server start, messages explain a failure to
  // start (read by the constructor only when there is no server thread to write).
  if (!server->m_started) {
    server->m_start_error = line;
  } else if (server->m_log) {
    server->m_log("metrics server: " + line);
  }
}

}  // namespace lifeboat::agent
