// The snapshots of one installation in a store: their names, and finding them.
//
// A snapshot lives at PREFIX + NAME with NAME = "20261125T031500.123Z_201705-1_1a2b3c4d.lifeboat":
// the UTC time it was started (to the millisecond), the installation's release and the
// first 8 hex digits of its snapshot id. Names sort by time, so the newest is the last one listed and one
// listing finds it. Other objects under the prefix (the lease) do not match and are
// skipped.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <functional>

#include "kms/kms.hpp"
#include "store/store.hpp"

namespace lifeboat::ops {

struct SnapshotName {
  std::chrono::system_clock::time_point time;
  std::string release;  // YYYYMM-N
  std::string id;       // 8 hex digits
};

std::string format_snapshot_name(const SnapshotName& name);
// nullopt if `name` (without the prefix) is not a snapshot's name.
std::optional<SnapshotName> parse_snapshot_name(const std::string& name);

// A release "YYYYMM-N" as a comparable pair; nullopt if malformed. "000000-0" stands
// for an unknown release and sorts before every other.
std::optional<std::pair<int, int>> parse_release(const std::string& release);
// Throws Error(usage) naming `what` unless `release` is "YYYYMM-N".
void check_release(const std::string& release, const std::string& what);

struct SnapshotListing {
  std::string key;   // the full key in the store
  std::string name;  // the key without the prefix
  SnapshotName parsed;
  std::uint64_t size = 0;
};

// Every snapshot under `prefix`, newest first: one listing, paged by the driver.
std::vector<SnapshotListing> list_snapshots(const store::Store& store, const std::string& prefix);

// The index in `snapshots` (newest first, as list_snapshots gives them) of the newest
// one whose header, key slot and trailer authenticate with `kms`; nullopt if none does.
// Each one passed over is reported through `log` with why. An unreachable store or
// KMS throws: it says nothing about the snapshots.
std::optional<std::size_t> find_newest_intact(const store::Store& store,
                                              const std::vector<SnapshotListing>& snapshots,
                                              kms::Kms& kms,
                                              const std::function<void(const std::string&)>& log);

// Where canary blobs live: outside the snapshot prefix, beside the application's blobs,
// one per snapshot taken with a database ("lifeboat-canary/NAME").
std::string canary_blob_key(const std::string& snapshot_name);

}  // namespace lifeboat::ops
