// Retention: which snapshots to keep (a pure plan) and removing the rest.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kms/kms.hpp"
#include "ops/catalog.hpp"
#include "store/store.hpp"

namespace lifeboat::ops {

// Counts of time buckets (UTC hours, days, ISO weeks) whose newest snapshot is kept.
// Counting runs from the newest snapshot back; buckets without a snapshot don't count.
struct RetentionPolicy {
  int hourly = 24;  // Default: 24
  int daily = 7;    // Default: 7
  int weekly = 4;   // Default: 4
};

struct PruneDecision {
  SnapshotListing snapshot;
  bool keep = false;
  std::string reason;  // why it is kept: "hourly", "daily, weekly", "newest valid"
};

// Decides for every snapshot (newest first, as list_snapshots returns them). The one at
// `newest_valid` is always kept, whatever the policy says.
std::vector<PruneDecision> plan_prune(const std::vector<SnapshotListing>& snapshots,
                                      const RetentionPolicy& policy,
                                      std::optional<std::size_t> newest_valid);

struct PruneOptions {
  std::string prefix = "tfe-backup/";  // Default: "tfe-backup/"
  RetentionPolicy policy;
  bool dry_run = false;  // decide and report, remove nothing. Default: false
  // Writes under the prefix left by dead writers (partial files, open multipart
  // uploads) older than this are removed too. Default: 1 h
  std::chrono::seconds incomplete_age{3600};
  std::function<void(const std::string&)> log;  // one line per removal. Default: none
};

struct PruneResult {
  std::vector<PruneDecision> decisions;
  std::optional<std::string> newest_valid;  // its name
  std::size_t removed = 0;
  std::size_t incomplete_removed = 0;  // dead writers' debris
};

// Applies the policy, holding the backup lease so that no backup runs meanwhile
// (Error(precondition_failed) if one does). The newest snapshot whose header, key slot and trailer check out
// with `kms` is never removed; if none does, nothing is removed and Error(unsafe) says
// so. Each pruned snapshot's canary blob goes with it. Safe to interrupt: each removal
// stands alone, and a rerun finishes the job.
PruneResult prune(store::Store& store, kms::Kms& kms, const PruneOptions& options);

}  // namespace lifeboat::ops
