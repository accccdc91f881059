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

struct ArchiveOptions {
  std::vector<std::filesystem::path> paths;  // directories or files, absolute. Required
  // fnmatch(3) patterns matched against each entry's absolute path; a match is left out
  // (with everything below it). Default: none
  std::vector<std::string> excludes;
};

// Writes the tar stream to `out` (not finished), calling `on_entry` for each entry in
// archive order. Throws Error(not_found) for a missing path.
void write_archive(const ArchiveOptions& options, stream::Sink& out,
                   const std::function<void(const Entry&)>& on_entry);

// Extracts the tar stream from `in` under `destination` (which must exist; empty:
// read and hash only, writing nothing), refusing
// absolute paths, ".." and writing through symlinks; calls `on_entry` with what was
// written (sha256 computed from the bytes written). Owners are restored when running
// as root.
void extract_archive(stream::Source& in, const std::filesystem::path& destination,
                     const std::function<void(const Entry&)>& on_entry);

}  // namespace lifeboat::snapshot
