// `lifeboat restore`: a snapshot's internal data back into place, and its database dump
// into an empty database, verified as it streams and swapped in only when whole.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "kms/kms.hpp"
#include "store/store.hpp"

namespace lifeboat::ops {

struct RestoreOptions {
  std::string prefix = "tfe-backup/";  // Default: "tfe-backup/"
  std::string snapshot = "latest";     // a name (or full key), or "latest". Default: latest
  // With "latest": pass over damaged snapshots to the newest intact one. Default: false
  bool fallback = false;
  // Restore the whole tree under this directory instead of each path where it was
  // backed up from (TARGET/var/lib/…). Default: the original places
  std::optional<std::filesystem::path> target;
  // The installation's release; a snapshot of a newer one is refused. Default: no check
  std::optional<std::string> release;
  // Where the snapshot's database dump goes. Required if it has one (unless skipped)
  std::optional<db::DatabaseOptions> database;
  bool skip_database = false;  // restore files only. Default: false
  // Replace a database that holds data, or that already holds this snapshot.
  // Default: false (refused with Error(unsafe), or skipped as already restored)
  bool force = false;
  std::function<void(std::uint64_t)> on_estimate;  // bytes to restore, once
  std::function<void(std::uint64_t)> on_progress;  // bytes as they are restored
  std::function<void(const std::string&)> log;     // one line per step
};

struct RestoreResult {
  std::string name;                  // the snapshot restored
  std::vector<std::string> skipped;  // damaged snapshots passed over (--fallback)
  std::vector<std::filesystem::path> restored;  // paths swapped in
  std::uint64_t entries = 0;
  std::uint64_t data_bytes = 0;
  // "restored", "already restored", "skipped", or "none" (the snapshot has no dump).
  std::string database = "none";
  bool canary_found = false;  // the snapshot's canary row is in the database now
  nlohmann::json record;      // the backup's record from the manifest (row counts, paths)
};

// Where restore stages `target` before swapping it in: beside it, same file system. A
// staging path that exists means a restore was interrupted there.
std::filesystem::path restore_staging_path(const std::filesystem::path& target);

// Restores one snapshot. Steps: open it (header, key slot, trailer) → refuse a newer
// release (Error(unsafe), exit 3) → check the database is empty (Error(unsafe) unless
// force) → stream the archive into a staging path beside each target, checking every
// file against the manifest, and the dump into pg_restore in one transaction → commit
// the database → swap each staged path in with one rename(2) exchange and delete the
// old one. A damaged snapshot fails with Error(corrupt) before anything is swapped;
// killed at any point, the old state is whole or the new one is, and a rerun converges.
RestoreResult restore(const store::Store& store, kms::Kms& kms, const RestoreOptions& options);

}  // namespace lifeboat::ops
