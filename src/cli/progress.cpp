// The terminal progress line.
#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <fmt/format.h>

namespace lifeboat::cli {

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* k_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, k_units[unit]);
}

Progress::Progress(std::string label, std::optional<std::uint64_t> total, bool enabled)
    : m_label(std::move(label)), m_total(total.value_or(0)), m_known_total(total.has_value()),
      m_enabled(enabled), m_tty(isatty(STDERR_FILENO) == 1),
      m_start(std::chrono::steady_clock::now()), m_last_draw(m_start) {}

Progress::~Progress() { finish(); }

void Progress::add(std::uint64_t bytes) {
  m_done += bytes;
  draw(false);
}

void Progress::add_total(std::uint64_t bytes) {
  m_total += bytes;
  m_known_total = true;
}

void Progress::draw(bool force) {
  if (!m_enabled) {
    return;
  }
  std::lock_guard lock(m_mutex);
  auto now = std::chrono::steady_clock::now();
  // A terminal gets a redrawn line ten times a second; a log (journald, a pipe) a plain
  // line every ten seconds, and nothing for work that ends sooner.
  if (!m_tty && (force || now - m_last_draw < std::chrono::seconds(10))) {
    return;
  }
  if (m_tty && !force && now - m_last_draw < std::chrono::milliseconds(100)) {
    return;
  }
  m_last_draw = now;
  double seconds = std::chrono::duration<double>(now - m_start).count();
  auto done = m_done.load();
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string line = fmt::format("{}{}  {}", m_tty ? "\r" : "", m_label, human_bytes(done));
  auto total = m_total.load();
  if (m_known_total && total > 0) {
    line += fmt::format(" / {} ({:.0f}%)", human_bytes(total),
                        100.0 * static_cast<double>(done) / static_cast<double>(total));
  }
  line += fmt::format("  {}/s", human_bytes(static_cast<std::uint64_t>(rate)));
  if (m_known_total && rate > 0 && total > done) {
    auto left = static_cast<int>(static_cast<double>(total - done) / rate);
    line += fmt::format("  ETA {}:{:02}", left / 60, left % 60);
  }
  if (!m_tty) {
    std::fprintf(stderr, "%s\n", line.c_str());
    return;
  }
  std::fprintf(stderr, "%s\x1b[K", line.c_str());
  m_drawn = true;
}

void Progress::finish() {
  std::lock_guard lock(m_mutex);
  if (m_drawn) {
    std::fprintf(stderr, "\r\x1b[K");
    m_drawn = false;
  }
}

}  // namespace lifeboat::cli
