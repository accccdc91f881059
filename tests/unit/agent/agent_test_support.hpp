// What the agent's tests share: a GET over a raw loopback socket, Prometheus text
// parsed into values, and a log that can be waited on.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace lifeboat::test {

struct HttpReply {
  int status = 0;
  std::string head, body;
};

// GET `path` from 127.0.0.1:`port` with HTTP/1.0 (the server closes after the reply).
inline HttpReply http_get(std::uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  HttpReply reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return reply;
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!::write(fd, request.data(), request.size());
  std::string raw;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) {
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto split = raw.find("\r\n\r\n");
  reply.head = raw.substr(0, split);
  reply.body = split == std::string::npos ? "" : raw.substr(split + 4);
  if (raw.rfind("HTTP/1.", 0) == 0 && raw.size() > 12) {
    reply.status = std::stoi(raw.substr(9, 3));
  }
  return reply;
}

// Prometheus text: sample name → value ("NaN" parses to NaN). Every sample must follow
// its own "# HELP" and "# TYPE" lines, else it is left out, so a test sees the gap.
inline std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> values;
  std::istringstream lines(text);
  std::string line, help, type;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      help = line.substr(7, line.find(' ', 7) - 7);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      type = line.substr(7, line.find(' ', 7) - 7);
    } else if (auto space = line.find(' '); space != std::string::npos) {
      auto name = line.substr(0, space);
      if (name == help && name == type) {
        values[name] = std::stod(line.substr(space + 1));
      }
    }
  }
  return values;
}

// Log lines kept in order; waiters wake on each new one. Thread-safe.
class LogRecorder {
 public:
  void add(const std::string& line) {
    std::lock_guard lock(m_mutex);
    m_lines.push_back(line);
    m_changed.notify_all();
  }
  // True once a line containing `text` has been added, false after `timeout`.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, timeout, [&] { return count_locked(text) > 0; });
  }
  int count(const std::string& text) const {
    std::lock_guard lock(m_mutex);
    return count_locked(text);
  }
  std::string all() const {
    std::lock_guard lock(m_mutex);
    std::string out;
    for (const auto& line : m_lines) {
      out += line + "\n";
    }
    return out;
  }

 private:
  int count_locked(const std::string& text) const {
    int n = 0;
    for (const auto& line : m_lines) {
      n += line.find(text) != std::string::npos ? 1 : 0;
    }
    return n;
  }
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<std::string> m_lines;
};

}  // namespace lifeboat::test
