// `lifeboat backup`: one snapshot of an installation's internal data (and its database)
// pushed to the store under the snapshot prefix.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "kms/kms.hpp"
#include "snapshot/archive.hpp"
#include "store/store.hpp"

namespace lifeboat::ops {

// The archive path of the database dump's segments inside a snapshot.
inline constexpr const char* k_database_stream = ".lifeboat/database.pgdump";

struct BackupOptions {
  std::string installation = "default";  // Default: "default"
  std::string release = "000000-0";      // YYYYMM-N. Default: "000000-0" (unknown)
  std::string region = "local";          // Default: "local"
  std::string prefix = "tfe-backup/";    // Default: "tfe-backup/"
  snapshot::ArchiveOptions archive;      // paths and excludes. Required
  // Dumped into the snapshot, with canaries planted first. Default: none
  std::optional<db::DatabaseOptions> database;
  std::vector<std::string> pre_hooks;    // sh -c commands before the snapshot. Default: none
  std::vector<std::string> post_hooks;   // after it, even after a failure. Default: none
  std::chrono::seconds hook_timeout{300};      // Default: 5 min
  std::chrono::seconds lease_duration{900};    // Default: 15 min
  // Progress: the file bytes expected, then bytes as they are read. Default: none
  std::function<void(std::uint64_t)> on_estimate;
  std::function<void(std::uint64_t)> on_progress;
  std::function<void(const std::string&)> log;  // one line per step. Default: none
};

// What a backup made: printed by `backup --json` and kept in the snapshot's manifest.
struct BackupRecord {
  std::string name;  // the snapshot's name under the prefix
  std::string key;   // its full key
  nlohmann::json record;  // the manifest's record (see doc/configuration.md)
  std::uint64_t size = 0;
  std::uint64_t entries = 0;         // archive entries, the dump's segments included
  std::uint64_t data_bytes = 0;      // file bytes
  std::uint64_t database_bytes = 0;  // dump bytes; 0 without a database
  std::chrono::duration<double> duration{};
};

// Takes one snapshot. Steps: take the lease (Error(precondition_failed) if another
// backup holds it) → run the pre hooks → plant the canaries (a blob beside the
// application's, a row in the database) → archive the paths and stream the database
// dump into the snapshot → make it visible → run the post hooks → release the lease.
// After a crash at any step no partial snapshot is visible, the lease expires by itself
// and the next backup works.
BackupRecord backup(store::Store& store, kms::Kms& kms, const BackupOptions& options);

}  // namespace lifeboat::ops
