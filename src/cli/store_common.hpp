// Helpers shared by the `store` subcommands: addresses, file transfers, parallelism.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/progress.hpp"
#include "store/registry.hpp"
#include "store/store.hpp"

namespace lifeboat::cli {

// A store and a key in it, from a command-line argument. An argument without a scheme
// is a key in the store named by --store or LIFEBOAT_STORE.
struct Target {
  store::Store store;
  std::string key;
  std::string address;  // as given, redacted
};
Target open_target(const std::string& argument, const std::string& default_store,
                   bool as_directory);

// Uploads a local file (or "-" for stdin) as one object.
store::ObjectInfo upload_file(store::Store& store, const std::string& key,
                              const std::filesystem::path& source, Progress& progress,
                              bool if_absent);

// Downloads one object into a local file, written beside it and renamed into place
// only when whole (or to stdout for "-"). With `sync`, the file is fsynced before the
// rename; a bulk download passes false and calls sync_filesystem() once at the end.
void download_file(const store::Store& store, const std::string& key,
                   const std::filesystem::path& destination, Progress& progress,
                   bool sync = true);

// Flushes the file system holding `path` to disk (syncfs).
void sync_filesystem(const std::filesystem::path& path);

// Runs `task(i)` for i in [0, count) on `jobs` threads; rethrows the first failure
// after stopping the others from starting new tasks.
void run_parallel(std::size_t count, int jobs, const std::function<void(std::size_t)>& task);

}  // namespace lifeboat::cli
