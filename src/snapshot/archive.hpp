// The archive inside a snapshot's body: a PAX tar (libarchive) of files, directories
// and symbolic links, with a SHA-256 of every file for the manifest.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "stream/stage.hpp"

namespace lifeboat::snapshot {

// One archived entry, as the manifest records it.
struct Entry {
  std::string path;  // in the archive: absolute path without its leading '/'
  std::string type;  // "file", "dir", "symlink"
  std::uint64_t size = 0;
  std::string sha256;  // files only
  std::uint32_t mode = 0;
  std::int64_t mtime = 0;
  std::string target;  // symlinks only
};

// A stream of unknown length (a database dump), archived as regular files
// "<name>.000000", "<name>.000001", … of at most ArchiveOptions::segment_size bytes
// each: a tar entry's size must be known before its data, a stream's only at its end.
struct StreamEntry {
  std::string name;  // archive path of the segments, e.g. ".lifeboat/database.pgdump"
  // Fills the buffer's front; returns how many bytes, 0 only at the end. May throw.
  std::function<std::size_t(std::span<std::uint8_t>)> read;
};

// The name of segment `index` of a stream.
std::string segment_name(const std::string& stream, std::size_t index);
// The stream a segment belongs to ("" if `path` is not a segment name).
std::string stream_of_segment(const std::string& path);

struct ArchiveOptions {
  std::vector<std::filesystem::path> paths;  // directories or files, absolute. Required
  // fnmatch(3) patterns matched against each entry's absolute path; a match is left out
  // (with everything below it). Default: none
  std::vector<std::string> excludes;
  // Streams archived after the paths, in order. Default: none
  std::vector<StreamEntry> streams;
  // The largest segment of a stream; one segment is held in memory. Default: 8 MiB
  std::size_t segment_size = 8 << 20;
};

// Writes the tar stream to `out` (not finished), calling `on_entry` for each entry in
// archive order. Throws Error(not_found) for a missing path.
void write_archive(const ArchiveOptions& options, stream::Sink& out,
                   const std::function<void(const Entry&)>& on_entry);

// Where extract_archive puts one entry.
struct Placement {
  enum class Kind { skip, disk, sink };
  Kind kind = Kind::skip;       // skip: read and hash only
  std::filesystem::path target;  // disk: the path to create (its parent must exist)
  stream::Sink* sink = nullptr;  // sink: receives a file's bytes (finish() is not called)
};
// Decides each entry's placement from its header (path, type, mode, mtime; no size or
// digest yet). The path is already checked: relative, without "..".
using Router = std::function<Placement(const Entry&)>;

// Extracts the tar stream from `in` entry by entry as `route` says, refusing writes
// through symlinks; calls `on_entry` after each with its size and the SHA-256 of its
// bytes. Targets on disk must not lie under a symlink (pass canonical paths).
void extract_archive(stream::Source& in, const Router& route,
                     const std::function<void(const Entry&)>& on_entry);

// Extracts the tar stream from `in` under `destination` (which must exist; empty:
// read and hash only, writing nothing), refusing
// absolute paths, ".." and writing through symlinks; calls `on_entry` with what was
// written (sha256 computed from the bytes written). Owners are restored when running
// as root.
void extract_archive(stream::Source& in, const std::filesystem::path& destination,
                     const std::function<void(const Entry&)>& on_entry);

}  // namespace lifeboat::snapshot
