// Local file helpers.
#include "util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset(other.release());
  }
  return *this;
}

int UniqueFd::release() {
  int fd = m_fd;
  m_fd = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  m_fd = fd;
}

void write_all(int fd, std::span<const std::uint8_t> data, const std::string& what) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw_errno("unable to write '" + what + "'", errno);
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

void make_directories(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return;
  }
  if (dir.has_parent_path() && dir.parent_path() != dir) {
    make_directories(dir.parent_path());
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw_errno("unable to create directory '" + dir.string() + "'", errno);
  }
}

void sync_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    throw_errno("unable to open directory '" + dir.string() + "'", errno);
  }
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    throw_errno("unable to sync directory '" + dir.string() + "'", errno);
  }
}

void sync_directory_if_exists(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    sync_directory(dir);
  }
}

std::string read_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("unable to open '" + path.string() + "'", errno);
  }
  std::string out;
  char buffer[64 * 1024];
  for (;;) {
    auto n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_errno("unable to read '" + path.string() + "'", errno);
    }
    if (n == 0) {
      return out;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view data, int mode) {
  auto partial = path.parent_path() / ("." + path.filename().string() + ".partial-" + random_hex(6));
  UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd) {
    throw_errno("unable to create '" + partial.string() + "'", errno);
  }
  try {
    write_all(fd.get(), as_bytes(data), partial.string());
    if (::fsync(fd.get()) != 0) {
      throw_errno("unable to sync '" + partial.string() + "'", errno);
    }
    if (::rename(partial.c_str(), path.c_str()) != 0) {
      throw_errno("unable to rename '" + partial.string() + "' to '" + path.string() + "'", errno);
    }
  } catch (...) {
    ::unlink(partial.c_str());
    throw;
  }
  sync_directory(path.has_parent_path() ? path.parent_path() : ".");
}

}  // namespace lifeboat
