// Helpers shared by the `store` subcommands.
#include "cli/store_common.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <exception>
#include <mutex>
#include <thread>

#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/redact.hpp"

namespace lifeboat::cli {

namespace {
constexpr std::size_t k_buffer_size = 1 << 20;
}  // namespace

Target open_target(const std::string& argument, const std::string& default_store,
                   bool as_directory) {
  if (argument.find("://") == std::string::npos) {
    if (default_store.empty()) {
      throw Error(ErrorKind::usage, "'" + argument +
                                        "' is not a store address; give file:///DIR/KEY or "
                                        "s3://BUCKET/KEY, or set --store / LIFEBOAT_STORE");
    }
    return Target{store::Store::open(default_store), argument, redact(argument)};
  }
  auto location = store::locate(argument, as_directory);
  return Target{store::Store::open(location.store), location.key, redact(argument)};
}

store::ObjectInfo upload_file(store::Store& store, const std::string& key,
                              const std::filesystem::path& source, Progress& progress,
                              bool if_absent) {
  bool from_stdin = source == "-";
  UniqueFd fd(from_stdin ? ::dup(STDIN_FILENO) : ::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    throw_errno("unable to open '" + source.string() + "'", errno);
  }
  store::WriteOptions options{.if_absent = if_absent};
  struct stat st{};
  if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode)) {
    options.size = static_cast<std::uint64_t>(st.st_size);
  }
  auto sink = store.open_write(key, options);
  std::vector<std::uint8_t> buffer(k_buffer_size);
  for (;;) {
    auto n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw_errno("unable to read '" + source.string() + "'", errno);
    }
    if (n == 0) {
      break;
    }
    sink->write(std::span(buffer).first(static_cast<std::size_t>(n)));
    progress.add(static_cast<std::uint64_t>(n));
  }
  return sink->commit();
}

void download_file(const store::Store& store, const std::string& key,
                   const std::filesystem::path& destination, Progress& progress, bool sync) {
  auto source = store.open_read(key);
  std::vector<std::uint8_t> buffer(k_buffer_size);
  if (destination == "-") {
    while (auto n = source->read(buffer)) {
      write_all(STDOUT_FILENO, std::span(buffer).first(n), "standard output");
      progress.add(n);
    }
    return;
  }
  auto dir = destination.has_parent_path() ? destination.parent_path() : ".";
  make_directories(dir);
  auto partial = dir / ("." + destination.filename().string() + ".lifeboat-partial-" +
                        random_hex(6));
  UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    throw_errno("unable to create '" + partial.string() + "'", errno);
  }
  try {
    while (auto n = source->read(buffer)) {
      write_all(fd.get(), std::span(buffer).first(n), destination.string());
      progress.add(n);
    }
    if (sync && ::fsync(fd.get()) != 0) {
      throw_errno("unable to sync '" + destination.string() + "'", errno);
    }
    if (::rename(partial.c_str(), destination.c_str()) != 0) {
      throw_errno("unable to write '" + destination.string() + "'", errno);
    }
  } catch (...) {
    ::unlink(partial.c_str());
    throw;
  }
}

void sync_filesystem(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::syncfs(fd.get()) != 0) {
    throw_errno("unable to sync '" + path.string() + "' to disk", errno);
  }
}

void run_parallel(std::size_t count, int jobs, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex mutex;
  auto worker = [&] {
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (failure) {
          return;
        }
      }
      auto i = next++;
      if (i >= count) {
        return;
      }
      try {
        task(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) {
          failure = std::current_exception();
        }
      }
    }
  };
  std::vector<std::thread> threads;
  auto n = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, jobs)));
  for (std::size_t t = 0; t < n; ++t) {
    threads.emplace_back(worker);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
}

}  // namespace lifeboat::cli
