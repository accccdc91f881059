// Retention (prune.hpp).
#include "ops/prune.hpp"

#include "ops/lease.hpp"
#include "snapshot/reader.hpp"
#include "util/error.hpp"

namespace lifeboat::ops {

namespace {

std::int64_t seconds_of(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// Floor division, for times before 1970 too.
std::int64_t bucket(std::int64_t seconds, std::int64_t width, std::int64_t offset = 0) {
  auto shifted = seconds + offset;
  return shifted >= 0 ? shifted / width : -((-shifted + width - 1) / width);
}

}  // namespace

std::vector<PruneDecision> plan_prune(const std::vector<SnapshotListing>& snapshots,
                                      const RetentionPolicy& policy,
                                      std::optional<std::size_t> newest_valid) {
  struct Rule {
    const char* name;
    int count;
    std::int64_t width;
    std::int64_t offset;  // weeks start on Monday: 1970-01-01 was a Thursday
    std::optional<std::int64_t> last;
    int kept = 0;
  };
  Rule rules[] = {{"hourly", policy.hourly, 3600, 0, {}, 0},
                  {"daily", policy.daily, 86400, 0, {}, 0},
                  {"weekly", policy.weekly, 7 * 86400, 3 * 86400, {}, 0}};
  std::vector<PruneDecision> decisions;
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    PruneDecision decision{.snapshot = snapshots[i]};
    auto seconds = seconds_of(snapshots[i].parsed.time);
    for (auto& rule : rules) {
      auto b = bucket(seconds, rule.width, rule.offset);
      if (rule.kept < rule.count && rule.last != b) {
        rule.last = b;
        ++rule.kept;
        decision.keep = true;
        decision.reason += std::string(decision.reason.empty() ? "" : ", ") + rule.name;
      }
    }
    if (newest_valid == i && !decision.keep) {
      decision.keep = true;
      decision.reason = "newest valid";
    }
    decisions.push_back(std::move(decision));
  }
  return decisions;
}

PruneResult prune(store::Store& store, kms::Kms& kms, const PruneOptions& options) {
  std::unique_ptr<Lease> lease;
  if (!options.dry_run) {
    lease = Lease::acquire(store, {.prefix = options.prefix + "lease/"});
  }
  auto snapshots = list_snapshots(store, options.prefix);
  PruneResult result;
  auto newest_valid = find_newest_intact(store, snapshots, kms, options.log);
  if (newest_valid) {
    result.newest_valid = snapshots[*newest_valid].name;
  }
  if (!snapshots.empty() && !newest_valid) {
    throw Error(ErrorKind::unsafe, "refusing to prune '" + store.describe() + "/" + options.prefix +
                                       "': none of its " + std::to_string(snapshots.size()) +
                                       " snapshots opens with this KMS key; nothing removed");
  }
  result.decisions = plan_prune(snapshots, options.policy, newest_valid);
  for (const auto& decision : result.decisions) {
    if (decision.keep || options.dry_run) {
      continue;
    }
    // The canary blob first: interrupted after it, the snapshot is still listed and a
    // rerun removes it; the other way round, the blob would be orphaned for good.
    store.remove(canary_blob_key(decision.snapshot.name));
    store.remove(decision.snapshot.key);
    ++result.removed;
    if (options.log) {
      options.log("removed snapshot '" + decision.snapshot.name + "'");
    }
  }
  if (!options.dry_run) {
    // What backups killed mid-write left: with the lease held, none is still writing.
    result.incomplete_removed = store.remove_incomplete(
        options.prefix, std::chrono::system_clock::now() - options.incomplete_age);
    if (result.incomplete_removed > 0 && options.log) {
      options.log("removed " + std::to_string(result.incomplete_removed) +
                  " incomplete uploads left by interrupted backups");
    }
  }
  return result;
}

}  // namespace lifeboat::ops
