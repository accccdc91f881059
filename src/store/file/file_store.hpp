// The file:// driver: a store kept as plain files under one local directory.
//
// The embedded default store. Each object is one regular file at DIR/KEY, so an
// operator can read a snapshot with ordinary tools. Writes go to a hidden partial file
// beside the target, are fsynced, renamed into place, and the directory is fsynced.
// The object's ETag (half of its SHA-256) and user metadata are kept in the extended
// attribute "user.lifeboat" of the file.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace lifeboat::store {

struct FileStoreOptions {
  std::string root;  // the directory; created on first write. Required
};

// Parses "file:///abs/dir" or "file://relative/dir". Throws Error(usage) otherwise.
FileStoreOptions parse_file_address(const std::string& address);

std::unique_ptr<StoreDriver> make_file_store(const FileStoreOptions& options);

}  // namespace lifeboat::store
