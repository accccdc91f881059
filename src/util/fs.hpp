// Local file helpers: an owned descriptor, full writes, durable directory changes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace lifeboat {

// Owns a file descriptor; closes it on destruction. A negative value means none.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : m_fd(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return m_fd; }
  explicit operator bool() const { return m_fd >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int m_fd = -1;
};

// Writes all of `data`, retrying short writes and EINTR. Throws Error naming `what`.
void write_all(int fd, std::span<const std::uint8_t> data, const std::string& what);

// mkdir -p, each new directory 0700 unless it exists. Throws Error.
void make_directories(const std::filesystem::path& dir);

// fsync() a directory so that names created or removed in it survive a crash.
void sync_directory(const std::filesystem::path& dir);
void sync_directory_if_exists(const std::filesystem::path& dir);

// Reads a whole (small) file. Throws Error(not_found) if it does not exist.
std::string read_file(const std::filesystem::path& path);

// Writes a whole file atomically: beside it, fsync, rename, fsync the directory.
void write_file_atomic(const std::filesystem::path& path, std::string_view data, int mode = 0600);

}  // namespace lifeboat
