// PAX tar writing and extraction over libarchive.
#include "snapshot/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <vector>

#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::snapshot {

namespace fs = std::filesystem;

namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveFree>;
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

constexpr std::size_t k_block = 1 << 20;

la_ssize_t on_write(struct archive*, void* user, const void* buffer, std::size_t length) {
  auto* sink = static_cast<stream::Sink*>(user);
  try {
    sink->write({static_cast<const std::uint8_t*>(buffer), length});
  } catch (...) {
    return -1;  // the sink's error is rethrown by the caller (see Writer::pending)
  }
  return static_cast<la_ssize_t>(length);
}

class Writer {
 public:
  Writer(stream::Sink& out, const ArchiveOptions& options, const std::function<void(const Entry&)>& on_entry)
      : m_options(options), m_on_entry(on_entry), m_archive(archive_write_new()) {
    archive_write_set_format_pax_restricted(m_archive.get());
    archive_write_set_bytes_per_block(m_archive.get(), 0);  // no padding to 10 KiB blocks
    m_sink = std::make_unique<CapturingSink>(out);
    if (archive_write_open(m_archive.get(), m_sink.get(), nullptr, on_write, nullptr) != ARCHIVE_OK) {
      fail("unable to start the archive");
    }
    m_buffer.resize(k_block);
  }

  void run() {
    for (const auto& root : m_options.paths) {
      struct stat st{};
      if (::lstat(root.c_str(), &st) != 0) {
        throw_errno("unable to archive '" + root.string() + "'", errno);
      }
      add(root, st);
      if (S_ISDIR(st.st_mode) && !excluded(root)) {
        walk(root);
      }
    }
    for (const auto& stream : m_options.streams) {
      add_stream(stream);
    }
    if (archive_write_close(m_archive.get()) != ARCHIVE_OK) {
      fail("unable to finish the archive");
    }
    m_closed = true;
  }

  // Stopped by an error: libarchive must not write its end-of-archive blocks into the
  // sink while the stack unwinds (the sink goes first, and the output is abandoned).
  ~Writer() {
    if (!m_closed) {
      archive_write_fail(m_archive.get());
    }
    m_archive.reset();
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

 private:
  // Forwards to the real sink and remembers its exception, which libarchive cannot carry.
  class CapturingSink final : public stream::Sink {
   public:
    explicit CapturingSink(stream::Sink& next) : m_next(next) {}
    void write(std::span<const std::uint8_t> data) override {
      try {
        m_next.write(data);
      } catch (...) {
        m_error = std::current_exception();
        throw;
      }
    }
    void finish() override {}
    std::exception_ptr error() const { return m_error; }

   private:
    stream::Sink& m_next;
    std::exception_ptr m_error;
  };

  [[noreturn]] void fail(const std::string& what) {
    if (m_sink && m_sink->error()) {
      std::rethrow_exception(m_sink->error());
    }
    throw Error(ErrorKind::io, what + ": " + (archive_error_string(m_archive.get()) != nullptr
                                                   ? archive_error_string(m_archive.get())
                                                   : "libarchive failed"));
  }

  bool excluded(const fs::path& path) const {
    for (const auto& pattern : m_options.excludes) {
      if (fnmatch(pattern.c_str(), path.c_str(), 0) == 0) {
        return true;
      }
    }
    return false;
  }

  void walk(const fs::path& dir) {
    std::vector<fs::path> children;
    std::error_code ec;
    for (const auto& child : fs::directory_iterator(dir, ec)) {
      children.push_back(child.path());
    }
    if (ec) {
      throw Error(ErrorKind::io, "unable to archive '" + dir.string() + "': " + ec.message());
    }
    std::sort(children.begin(), children.end());
    for (const auto& child : children) {
      if (excluded(child)) {
        continue;
      }
      struct stat st{};
      if (::lstat(child.c_str(), &st) != 0) {
        if (errno == ENOENT) {
          continue;  // removed while we walked
        }
        throw_errno("unable to archive '" + child.string() + "'", errno);
      }
      add(child, st);
      if (S_ISDIR(st.st_mode)) {
        walk(child);
      }
    }
  }

  void add(const fs::path& path, const struct stat& st) {
    if (excluded(path) || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
      return;  // sockets, fifos and devices are not internal data
    }
    auto name = path.relative_path().string();
    if (name.empty()) {
      name = ".";
    }
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry_copy_stat(entry.get(), &st);
    archive_entry_copy_pathname(entry.get(), name.c_str());
    Entry record{.path = name, .mode = static_cast<std::uint32_t>(st.st_mode & 07777),
                 .mtime = st.st_mtim.tv_sec};
    UniqueFd fd;
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      record.type = "symlink";
      record.target = fs::read_symlink(path, ec).string();
      archive_entry_copy_symlink(entry.get(), record.target.c_str());
    } else if (S_ISDIR(st.st_mode)) {
      record.type = "dir";
    } else {
      record.type = "file";
      fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
      if (!fd) {
        throw_errno("unable to archive '" + path.string() + "'", errno);
      }
    }
    if (archive_write_header(m_archive.get(), entry.get()) != ARCHIVE_OK) {
      fail("unable to archive '" + path.string() + "'");
    }
    if (fd) {
      // The header promised st_size bytes: write exactly that many, even if the file
      // changes while it is read, so the tar stream stays well-formed.
      Digest digest(Digest::Algorithm::sha256);
      std::uint64_t left = static_cast<std::uint64_t>(st.st_size);
      while (left > 0) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, m_buffer.size()));
        auto n = ::read(fd.get(), m_buffer.data(), want);
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n < 0) {
          throw_errno("unable to read '" + path.string() + "'", errno);
        }
        if (n == 0) {  // shrank while read: pad with zeros
          std::fill_n(m_buffer.begin(), want, 0);
          n = static_cast<ssize_t>(want);
        }
        auto chunk = std::span(m_buffer).first(static_cast<std::size_t>(n));
        digest.update(chunk);
        if (archive_write_data(m_archive.get(), chunk.data(), chunk.size()) < 0) {
          fail("unable to archive '" + path.string() + "'");
        }
        left -= static_cast<std::uint64_t>(n);
      }
      record.size = static_cast<std::uint64_t>(st.st_size);
      record.sha256 = digest.finish_hex();
    }
    m_on_entry(record);
  }

  // Archives a stream as segments, each filled in memory first so its size is known.
  void add_stream(const StreamEntry& stream) {
    std::vector<std::uint8_t> segment(m_options.segment_size);
    for (std::size_t index = 0;; ++index) {
      std::size_t filled = 0;
      bool ended = false;
      while (filled < segment.size()) {
        auto n = stream.read(std::span(segment).subspan(filled));
        if (n == 0) {
          ended = true;
          break;
        }
        filled += n;
      }
      auto name = segment_name(stream.name, index);
      std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
      archive_entry_copy_pathname(entry.get(), name.c_str());
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0600);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(filled));
      auto now = std::time(nullptr);
      archive_entry_set_mtime(entry.get(), now, 0);
      if (archive_write_header(m_archive.get(), entry.get()) != ARCHIVE_OK ||
          (filled > 0 && archive_write_data(m_archive.get(), segment.data(), filled) < 0)) {
        fail("unable to archive '" + name + "'");
      }
      Digest digest(Digest::Algorithm::sha256);
      digest.update(std::span(segment).first(filled));
      m_on_entry(Entry{.path = name, .type = "file", .size = filled, .sha256 = digest.finish_hex(),
                       .mode = 0600, .mtime = now});
      if (ended) {
        return;
      }
    }
  }

  const ArchiveOptions& m_options;
  const std::function<void(const Entry&)>& m_on_entry;
  ArchivePtr m_archive;
  std::unique_ptr<CapturingSink> m_sink;
  std::vector<std::uint8_t> m_buffer;
  bool m_closed = false;
};

struct ReadState {
  stream::Source* source;
  std::vector<std::uint8_t> buffer;
  std::exception_ptr error;
};

la_ssize_t on_read(struct archive*, void* user, const void** out) {
  auto* state = static_cast<ReadState*>(user);
  try {
    auto n = state->source->read(state->buffer);
    *out = state->buffer.data();
    return static_cast<la_ssize_t>(n);
  } catch (...) {
    state->error = std::current_exception();
    return -1;
  }
}

}  // namespace

void write_archive(const ArchiveOptions& options, stream::Sink& out,
                   const std::function<void(const Entry&)>& on_entry) {
  Writer(out, options, on_entry).run();
}

std::string segment_name(const std::string& stream, std::size_t index) {
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, ".%06zu", index);
  return stream + suffix;
}

std::string stream_of_segment(const std::string& path) {
  auto dot = path.rfind('.');
  if (dot == std::string::npos || path.size() - dot != 7) {
    return {};
  }
  for (auto c : std::string_view(path).substr(dot + 1)) {
    if (c < '0' || c > '9') {
      return {};
    }
  }
  return path.substr(0, dot);
}

void extract_archive(stream::Source& in, const fs::path& destination,
                     const std::function<void(const Entry&)>& on_entry) {
  extract_archive(
      in,
      [&](const Entry& entry) {
        if (destination.empty()) {
          return Placement{};
        }
        return Placement{.kind = Placement::Kind::disk, .target = destination / entry.path};
      },
      on_entry);
}

void extract_archive(stream::Source& in, const Router& route,
                     const std::function<void(const Entry&)>& on_entry) {
  ReadState state{&in, std::vector<std::uint8_t>(k_block), nullptr};
  ArchivePtr reader(archive_read_new());
  archive_read_support_format_tar(reader.get());
  ArchivePtr disk(archive_write_disk_new());
  // Targets are absolute paths the router computed from checked names; libarchive still
  // refuses ".." and any write through a symlink.
  int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
              ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_UNLINK;
  if (::geteuid() == 0) {
    flags |= ARCHIVE_EXTRACT_OWNER;
  }
  archive_write_disk_set_options(disk.get(), flags);
  archive_write_disk_set_standard_lookup(disk.get());
  auto fail = [&](struct archive* a, const std::string& what) {
    if (state.error) {
      std::rethrow_exception(state.error);
    }
    int errnum = archive_errno(a);
    if (a == disk.get() && errnum != 0) {
      throw_errno(what, errnum);  // a full disk says so
    }
    throw Error(ErrorKind::corrupt, what + ": " + (archive_error_string(a) != nullptr
                                                        ? archive_error_string(a)
                                                        : "libarchive failed"));
  };
  if (archive_read_open(reader.get(), &state, nullptr, on_read, nullptr) != ARCHIVE_OK) {
    fail(reader.get(), "unable to read the archive");
  }
  std::vector<std::uint8_t> data(k_block);
  for (;;) {
    archive_entry* entry = nullptr;
    auto status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) {
      break;
    }
    if (status != ARCHIVE_OK) {
      fail(reader.get(), "unable to read the archive");
    }
    std::string name = archive_entry_pathname(entry);
    while (name.size() > 1 && name.back() == '/') {
      name.pop_back();  // directories are stored as "dir/"
    }
    auto relative = fs::path(name).lexically_normal();
    if (relative.is_absolute() || relative.empty() || *relative.begin() == "..") {
      throw Error(ErrorKind::unsafe,
                  "refusing to extract '" + name + "': it leads outside the restore target");
    }
    Entry record{.path = name, .mode = static_cast<std::uint32_t>(archive_entry_perm(entry)),
                 .mtime = archive_entry_mtime(entry)};
    auto type = archive_entry_filetype(entry);
    record.type = type == AE_IFDIR ? "dir" : type == AE_IFLNK ? "symlink" : "file";
    if (type == AE_IFLNK) {
      record.target = archive_entry_symlink(entry);
    }
    auto placement = route(record);
    bool to_disk = placement.kind == Placement::Kind::disk;
    stream::Sink* sink = placement.kind == Placement::Kind::sink ? placement.sink : nullptr;
    if (to_disk) {
      archive_entry_copy_pathname(entry, placement.target.c_str());
      if (archive_write_header(disk.get(), entry) != ARCHIVE_OK) {
        fail(disk.get(), "unable to extract '" + placement.target.string() + "'");
      }
    }
    Digest digest(Digest::Algorithm::sha256);
    for (;;) {
      auto n = archive_read_data(reader.get(), data.data(), data.size());
      if (n < 0) {
        fail(reader.get(), "unable to read '" + name + "' from the archive");
      }
      if (n == 0) {
        break;
      }
      auto chunk = std::span(data).first(static_cast<std::size_t>(n));
      digest.update(chunk);
      record.size += chunk.size();
      if (to_disk && archive_write_data(disk.get(), chunk.data(), chunk.size()) < 0) {
        fail(disk.get(), "unable to write '" + placement.target.string() + "'");
      }
      if (sink != nullptr) {
        sink->write(chunk);
      }
    }
    if (to_disk && archive_write_finish_entry(disk.get()) != ARCHIVE_OK) {
      fail(disk.get(), "unable to finish '" + placement.target.string() + "'");
    }
    if (record.type == "file") {
      record.sha256 = digest.finish_hex();
    }
    on_entry(record);
  }
}

}  // namespace lifeboat::snapshot
