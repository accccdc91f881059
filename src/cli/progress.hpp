// A progress line on a terminal for long transfers: bytes, rate and time left.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace lifeboat::cli {

// Unless the caller asked for quiet output: on a terminal, redraws one line on stderr at
// most 10 times a second; otherwise writes a plain line every 10 seconds. Thread-safe: add() may be called from
// several threads.
class Progress {
 public:
  Progress(std::string label, std::optional<std::uint64_t> total, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t bytes);
  void add_total(std::uint64_t bytes);
  // Clears the line (call before printing a result).
  void finish();

 private:
  void draw(bool force);

  std::string m_label;
  std::atomic<std::uint64_t> m_total;
  bool m_known_total;
  bool m_enabled;
  bool m_tty;
  std::atomic<std::uint64_t> m_done{0};
  std::chrono::steady_clock::time_point m_start;
  std::chrono::steady_clock::time_point m_last_draw;
  std::mutex m_mutex;
  bool m_drawn = false;
};

// "1.5 GiB", "12.0 KiB", "512 B".
std::string human_bytes(std::uint64_t bytes);

}  // namespace lifeboat::cli
