// The file:// driver.
#include "store/file/file_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_xattr = "user.lifeboat";
// Partial files are named ".<name><k_partial_tag><random>"; list() hides them and no
// key may contain the tag, so a partial file is never mistaken for an object.
constexpr std::string_view k_partial_tag = ".lifeboat-partial-";

std::chrono::system_clock::time_point to_time_point(const struct timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// The ETag and metadata kept beside the data; absent on files lifeboat did not write.
struct Sidecar {
  std::string etag;
  std::map<std::string, std::string> metadata;
};

std::optional<Sidecar> read_sidecar(int fd) {
  char buffer[16 * 1024];
  auto n = fgetxattr(fd, k_xattr, buffer, sizeof buffer);
  if (n < 0) {
    return std::nullopt;
  }
  auto json = nlohmann::json::parse(std::string_view(buffer, static_cast<std::size_t>(n)), nullptr,
                                    false);
  if (json.is_discarded() || !json.is_object()) {
    return std::nullopt;
  }
  Sidecar sidecar;
  sidecar.etag = json.value("etag", "");
  sidecar.metadata = json.value("metadata", std::map<std::string, std::string>{});
  return sidecar;
}

ObjectInfo info_from(int fd, const std::string& key, const struct stat& st) {
  ObjectInfo info{.key = key, .size = static_cast<std::uint64_t>(st.st_size),
                  .mtime = to_time_point(st.st_mtim)};
  if (auto sidecar = read_sidecar(fd)) {
    info.etag = sidecar->etag;
    info.metadata = std::move(sidecar->metadata);
  }
  if (info.etag.empty()) {
    // Not written by lifeboat: a weak tag from size and mtime, which also changes with it.
    info.etag = "w-" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) +
                "." + std::to_string(st.st_mtim.tv_nsec);
  }
  return info;
}

class FileStore;

class FileReadStream final : public ReadStream {
 public:
  FileReadStream(UniqueFd fd, ObjectInfo info, std::uint64_t offset, std::uint64_t remaining,
                 std::string name)
      : m_fd(std::move(fd)), m_info(std::move(info)), m_offset(offset), m_remaining(remaining),
        m_name(std::move(name)) {}

  std::size_t read(std::span<std::uint8_t> out) override {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), m_remaining));
    if (want == 0) {
      return 0;
    }
    ssize_t n;
    do {
      n = pread(m_fd.get(), out.data(), want, static_cast<off_t>(m_offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      throw_errno("unable to read '" + m_name + "'", errno);
    }
    if (n == 0) {
      throw Error(ErrorKind::corrupt, "unable to read '" + m_name +
                                          "': the file ended early; it was truncated while read");
    }
    m_offset += static_cast<std::uint64_t>(n);
    m_remaining -= static_cast<std::uint64_t>(n);
    return static_cast<std::size_t>(n);
  }

  const ObjectInfo& info() const override { return m_info; }

 private:
  UniqueFd m_fd;
  ObjectInfo m_info;
  std::uint64_t m_offset;
  std::uint64_t m_remaining;
  std::string m_name;
};

class FileWriteStream final : public WriteStream {
 public:
  FileWriteStream(fs::path target, std::string key, WriteOptions options, std::string name)
      : m_target(std::move(target)), m_key(std::move(key)), m_options(std::move(options)),
        m_name(std::move(name)) {
    auto dir = m_target.parent_path();
    m_partial = dir / ("." + m_target.filename().string() + std::string(k_partial_tag) +
                       random_hex(8));
    // A concurrent remove() may delete an emptied directory between our mkdir and open.
    for (int attempt = 0;; ++attempt) {
      make_directories(dir);
      int fd = ::open(m_partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) {
        m_fd = UniqueFd(fd);
        break;
      }
      if (errno != ENOENT || attempt == 3) {
        throw_errno("unable to create '" + m_name + "'", errno);
      }
    }
  }

  ~FileWriteStream() override { abort(); }

  void write(std::span<const std::uint8_t> data) override {
    if (!m_fd) {
      throw Error(ErrorKind::internal, "write to '" + m_name + "' after commit or abort");
    }
    write_all(m_fd.get(), data, m_partial.string());
    m_sha256.update(data);
    m_size += data.size();
  }

  ObjectInfo commit() override {
    if (!m_fd) {
      throw Error(ErrorKind::internal, "commit of '" + m_name + "' after commit or abort");
    }
    try {
      return commit_or_throw();
    } catch (...) {
      abort();
      throw;
    }
  }

  void abort() override {
    if (m_fd) {
      m_fd.reset();
      ::unlink(m_partial.c_str());
    }
  }

 private:
  ObjectInfo commit_or_throw() {
    if (m_options.size && *m_options.size != m_size) {
      throw Error(ErrorKind::corrupt, "unable to store '" + m_name + "': expected " +
                                          std::to_string(*m_options.size) + " bytes, got " +
                                          std::to_string(m_size));
    }
    auto digest = m_sha256.finish_hex();
    if (m_options.sha256 && digest != *m_options.sha256) {
      throw Error(ErrorKind::corrupt,
                  "unable to store '" + m_name + "': the data does not match its SHA-256");
    }
    // The ETag is the first half of the SHA-256: with the CPU's SHA instructions it
    // costs half of an MD5, and snapshot writes hash every byte they store.
    auto etag = digest.substr(0, 32);
    nlohmann::json sidecar = {{"etag", etag}, {"metadata", m_options.metadata}};
    auto text = sidecar.dump();
    if (fsetxattr(m_fd.get(), k_xattr, text.data(), text.size(), 0) != 0 &&
        !m_options.metadata.empty()) {
      throw_errno("unable to store metadata of '" + m_name + "' (extended attributes)", errno);
    }
    // Data must be durable before the name points at it.
    if (::fsync(m_fd.get()) != 0) {
      throw_errno("unable to sync '" + m_name + "'", errno);
    }
    if (m_options.if_absent) {
      // link() fails with EEXIST atomically where rename() would replace.
      if (::link(m_partial.c_str(), m_target.c_str()) != 0) {
        if (errno == EEXIST) {
          throw Error(ErrorKind::already_exists, "object '" + m_name + "' already exists");
        }
        throw_errno("unable to store '" + m_name + "'", errno);
      }
      ::unlink(m_partial.c_str());
    } else if (::rename(m_partial.c_str(), m_target.c_str()) != 0) {
      throw_errno("unable to store '" + m_name + "'", errno);
    }
    struct stat st{};
    ::fstat(m_fd.get(), &st);
    m_fd.reset();
    // The rename must be durable too before we report success.
    sync_directory(m_target.parent_path());
    ObjectInfo info{.key = m_key, .size = m_size, .etag = etag, .mtime = to_time_point(st.st_mtim),
                    .metadata = m_options.metadata};
    return info;
  }

  fs::path m_target;
  fs::path m_partial;
  std::string m_key;
  WriteOptions m_options;
  std::string m_name;
  UniqueFd m_fd;
  Digest m_sha256{Digest::Algorithm::sha256};
  std::uint64_t m_size = 0;
};

class FileStore final : public StoreDriver {
 public:
  explicit FileStore(FileStoreOptions options) : m_root(fs::absolute(options.root)) {}

  Properties properties() const override {
    return Properties{.server_side_copy = true, .conditional_put = true, .atomic_replace = true,
                      .user_metadata = true, .connections = 4};
  }

  std::string describe() const override { return "file://" + m_root.string(); }

  std::optional<ObjectInfo> stat(const std::string& key) override {
    auto path = path_of(key);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
      if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
        return std::nullopt;
      }
      throw_errno("unable to open '" + name_of(key) + "'", errno);
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) {
      throw_errno("unable to stat '" + name_of(key) + "'", errno);
    }
    if (!S_ISREG(st.st_mode)) {
      return std::nullopt;
    }
    return info_from(fd.get(), key, st);
  }

  std::unique_ptr<ReadStream> open_read(const std::string& key, const ByteRange& range) override {
    auto path = path_of(key);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st{};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      if (!fd && errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
        throw_errno("unable to open '" + name_of(key) + "'", errno);
      }
      throw Error(ErrorKind::not_found, "object '" + name_of(key) + "' not found");
    }
    auto info = info_from(fd.get(), key, st);
    if (range.offset >= info.size && !(range.offset == 0 && info.size == 0)) {
      throw Error(ErrorKind::invalid_range,
                  "unable to read '" + name_of(key) + "' from byte " +
                      std::to_string(range.offset) + ": the object has only " +
                      std::to_string(info.size) + " bytes");
    }
    auto remaining = std::min(range.length.value_or(info.size), info.size - range.offset);
    return std::make_unique<FileReadStream>(std::move(fd), std::move(info), range.offset,
                                            remaining, name_of(key));
  }

  std::unique_ptr<WriteStream> open_write(const std::string& key,
                                          const WriteOptions& options) override {
    return std::make_unique<FileWriteStream>(path_of(key), key, options, name_of(key));
  }

  void list(const ListOptions& options,
            const std::function<bool(const ListEntry&)>& row) override {
    // Start at the deepest directory the prefix names, and walk in key order.
    auto slash = options.prefix.rfind('/');
    std::string base = slash == std::string::npos ? "" : options.prefix.substr(0, slash + 1);
    std::string last_prefix;
    walk(base, options, last_prefix, row);
  }

  void remove(std::span<const std::string> keys) override {
    for (const auto& key : keys) {
      auto path = path_of(key);
      if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
        throw_errno("unable to delete '" + name_of(key) + "'", errno);
      }
      // Drop directories the delete left empty, so listings match an object store's.
      for (auto dir = path.parent_path(); dir != m_root && dir.string().size() > m_root.string().size();
           dir = dir.parent_path()) {
        if (::rmdir(dir.c_str()) != 0) {
          break;
        }
      }
    }
    sync_directory_if_exists(m_root);
  }

  std::size_t remove_incomplete(const std::string& prefix,
                                std::chrono::system_clock::time_point before) override {
    // Partial files live beside their targets: walk the directory the prefix names.
    auto slash = prefix.rfind('/');
    auto dir = slash == std::string::npos ? m_root : m_root / prefix.substr(0, slash + 1);
    std::size_t removed = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      auto name = it->path().filename().string();
      struct stat st{};
      if (name.find(k_partial_tag) == std::string::npos ||
          ::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
          std::chrono::system_clock::from_time_t(st.st_mtime) >= before) {
        continue;
      }
      if (::unlink(it->path().c_str()) == 0) {
        ++removed;
      }
    }
    return removed;
  }

  ObjectInfo copy(const std::string& from, const std::string& to) override {
    auto source_path = path_of(from);
    UniqueFd source(::open(source_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    struct stat st{};
    if (!source || ::fstat(source.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      throw Error(ErrorKind::not_found, "object '" + name_of(from) + "' not found");
    }
    auto info = info_from(source.get(), from, st);
    FileWriteStream sink(path_of(to), to, WriteOptions{.metadata = info.metadata}, name_of(to));
    std::vector<std::uint8_t> buffer(1 << 20);
    std::uint64_t offset = 0;
    while (offset < info.size) {
      auto n = ::pread(source.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw_errno("unable to read '" + name_of(from) + "'", n == 0 ? EIO : errno);
      }
      sink.write(std::span(buffer).first(static_cast<std::size_t>(n)));
      offset += static_cast<std::uint64_t>(n);
    }
    return sink.commit();
  }

 private:
  fs::path path_of(const std::string& key) const {
    if (key.find(k_partial_tag) != std::string::npos || key.find("//") != std::string::npos ||
        key.back() == '/') {
      throw Error(ErrorKind::usage, "invalid object key '" + key +
                                        "' for a file:// store: empty segments, a trailing "
                                        "'/' and '" + std::string(k_partial_tag) +
                                        "' are not allowed");
    }
    auto path = m_root / key;
    // Store::check_key already refuses '.' and '..'; refuse a symlinked directory that
    // would lead outside the root too.
    auto parent = path.parent_path();
    std::error_code ec;
    auto real_parent = fs::weakly_canonical(parent, ec);
    auto real_root = fs::weakly_canonical(m_root, ec);
    auto rel = real_parent.lexically_relative(real_root);
    if (!ec && (rel.empty() || *rel.begin() == "..")) {
      throw Error(ErrorKind::usage,
                  "invalid object key '" + key + "': it leads outside '" + describe() + "'");
    }
    return path;
  }

  std::string name_of(const std::string& key) const { return describe() + "/" + key; }

  // Visits the directory for key prefix `base` ("" or ending in '/'), in key order.
  // Returns false once `row` asked to stop.
  bool walk(const std::string& base, const ListOptions& options, std::string& last_prefix,
            const std::function<bool(const ListEntry&)>& row) {
    auto dir = base.empty() ? m_root : m_root / base;
    std::vector<std::pair<std::string, bool>> entries;  // (name, is_directory)
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      auto name = entry.path().filename().string();
      if (name.find(k_partial_tag) != std::string::npos) {
        continue;
      }
      std::error_code type_ec;
      auto status = entry.symlink_status(type_ec);
      if (fs::is_directory(status)) {
        entries.emplace_back(name, true);
      } else if (fs::is_regular_file(status)) {
        entries.emplace_back(name, false);
      }
    }
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
      throw Error(ErrorKind::io, "unable to list '" + dir.string() + "': " + ec.message());
    }
    // A directory sorts as its name plus '/', which is where its keys fall in byte order.
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return (a.second ? a.first + "/" : a.first) < (b.second ? b.first + "/" : b.first);
    });
    for (const auto& [name, is_directory] : entries) {
      auto key = base + name;
      if (is_directory) {
        auto dir_key = key + "/";
        // Skip subtrees the prefix or start_after rule out entirely.
        if (!dir_key.starts_with(options.prefix) && !options.prefix.starts_with(dir_key)) {
          continue;
        }
        if (!options.start_after.empty() && dir_key < options.start_after &&
            !options.start_after.starts_with(dir_key)) {
          continue;
        }
        if (!walk(dir_key, options, last_prefix, row)) {
          return false;
        }
        continue;
      }
      if (!key.starts_with(options.prefix) ||
          (!options.start_after.empty() && key <= options.start_after)) {
        continue;
      }
      if (!options.delimiter.empty()) {
        auto at = key.find(options.delimiter, options.prefix.size());
        if (at != std::string::npos) {
          auto common = key.substr(0, at + options.delimiter.size());
          if (common != last_prefix) {
            last_prefix = common;
            if (!row(ListEntry{.info = ObjectInfo{.key = common}, .is_prefix = true})) {
              return false;
            }
          }
          continue;
        }
      }
      UniqueFd fd(::open((dir / name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
      struct stat st{};
      if (!fd || ::fstat(fd.get(), &st) != 0) {
        continue;  // deleted while we listed
      }
      auto info = info_from(fd.get(), key, st);
      info.metadata.clear();
      if (!row(ListEntry{.info = std::move(info)})) {
        return false;
      }
    }
    return true;
  }

  fs::path m_root;
};

}  // namespace

FileStoreOptions parse_file_address(const std::string& address) {
  constexpr std::string_view k_scheme = "file://";
  if (!address.starts_with(k_scheme) || address.size() == k_scheme.size()) {
    throw Error(ErrorKind::usage, "invalid file store address '" + address +
                                      "': expected file:///ABSOLUTE/DIR or file://RELATIVE/DIR");
  }
  auto path = address.substr(k_scheme.size());
  if (path.find('?') != std::string::npos) {
    throw Error(ErrorKind::usage,
                "invalid file store address '" + address + "': file:// takes no options");
  }
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return FileStoreOptions{.root = path};
}

std::unique_ptr<StoreDriver> make_file_store(const FileStoreOptions& options) {
  return std::make_unique<FileStore>(options);
}

}  // namespace lifeboat::store
