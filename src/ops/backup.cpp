// `lifeboat backup` (backup.hpp).
#include "ops/backup.hpp"

#include <chrono>

#include "ops/catalog.hpp"
#include "ops/hooks.hpp"
#include "ops/lease.hpp"
#include "ops/snapshot_ops.hpp"
#include "util/bytes.hpp"
#include "util/crash.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::ops {

namespace {

void say(const BackupOptions& options, const std::string& line) {
  if (options.log) {
    options.log(line);
  }
}

// Plants the canaries: the blob first, so a row never names a blob that is missing.
nlohmann::json plant_canaries(store::Store& store, db::Database& database,
                              const std::string& name) {
  db::Canary canary{.snapshot = name, .token = random_hex(16), .blob_key = canary_blob_key(name)};
  auto blob = nlohmann::json{{"snapshot", name}, {"token", canary.token}}.dump();
  canary.blob_sha256 = to_hex(sha256(as_bytes(blob)));
  store::put_all(store, canary.blob_key, blob);
  database.plant_canary(canary);
  return {{"snapshot", name}, {"blob_key", canary.blob_key}, {"blob_sha256", canary.blob_sha256}};
}

}  // namespace

BackupRecord backup(store::Store& store, kms::Kms& kms, const BackupOptions& options) {
  auto started = std::chrono::steady_clock::now();
  // 1. One backup at a time: the lease.
  auto lease = Lease::acquire(store, {.prefix = options.prefix + "lease/",
                                      .duration = options.lease_duration});
  crash_point("backup.lease-taken");
  // 2. The operator's pre hooks; the post hooks run whatever happens from here on.
  struct PostHooks {
    const BackupOptions& options;
    bool done = false;
    void run() {
      done = true;
      run_hooks("post", options.post_hooks, options.hook_timeout, options.log);
    }
    ~PostHooks() {
      if (!done) {
        try {
          run();
        } catch (const Error& e) {
          if (options.log) {
            options.log(std::string("post hook failed after the backup failed: ") + e.what());
          }
        }
      }
    }
  } post_hooks{options};
  run_hooks("pre", options.pre_hooks, options.hook_timeout, options.log);

  // 3. The snapshot's name: when, which release, part of its id.
  auto identity = snapshot::new_identity(options.installation, options.release, options.region);
  BackupRecord result;
  result.name = format_snapshot_name({.time = std::chrono::system_clock::now(),
                                      .release = options.release,
                                      .id = identity.snapshot_id.substr(0, 8)});
  result.key = options.prefix + result.name;
  nlohmann::json record = {{"name", result.name},
                           {"installation", options.installation},
                           {"release", options.release},
                           {"region", options.region},
                           {"created", identity.created},
                           {"paths", nlohmann::json::array()},
                           {"excludes", options.archive.excludes}};
  for (const auto& path : options.archive.paths) {
    record["paths"].push_back(path.string());
  }

  // 4. The database: canaries, then a dump streamed into the snapshot.
  CreateOptions create{.archive = options.archive, .identity = identity,
                       .on_estimate = options.on_estimate, .on_progress = options.on_progress};
  std::optional<db::Database> database;
  std::unique_ptr<db::Dump> dump;
  bool canary_planted = false;
  try {
    if (options.database) {
      database.emplace(db::Database::open(*options.database));
      say(options, "planting canaries in '" + database->display() + "' and the store");
      record["canary"] = plant_canaries(store, *database, result.name);
      canary_planted = true;
      dump = database->open_dump();
      nlohmann::json counts = nlohmann::json::object();
      for (const auto& [table, rows] : dump->row_counts()) {
        counts[table] = rows;
      }
      record["database"] = {{"url", database->display()}, {"row_counts", counts}};
      create.archive.streams.push_back(
          {k_database_stream, [&](std::span<std::uint8_t> out) {
             auto n = dump->read(out);
             result.database_bytes += n;
             if (options.on_progress) {
               options.on_progress(n);
             }
             return n;
           }});
    }
    crash_point("backup.before-archive");
    // 5. The snapshot itself; nothing is visible under its key until it is whole.
    say(options, "writing snapshot '" + result.key + "'");
    std::uint64_t archived = 0;
    create.on_progress = [&](std::uint64_t n) {
      archived += n;
      if (archived >= (4u << 20)) {
        crash_point("backup.mid-archive");
      }
      if (options.on_progress) {
        options.on_progress(n);
      }
    };
    create.before_commit = [&] {
      crash_point("backup.before-commit");
      lease->check_held();
      if (database) {
        record["database"]["dump_bytes"] = result.database_bytes;
      }
      return record;
    };
    auto created = create_snapshot(store, result.key, create, {&kms});
    crash_point("backup.after-commit");
    result.size = created.size;
    result.entries = created.entries;
    result.data_bytes = created.data_bytes - result.database_bytes;  // files only
  } catch (...) {
    if (canary_planted) {
      try {
        store.remove(canary_blob_key(result.name));  // its snapshot never appeared
      } catch (const Error&) {
        // An orphaned canary blob is harmless.
      }
    }
    throw;
  }
  dump.reset();
  // 6. Post hooks, then the lease goes.
  post_hooks.run();
  lease->release();
  result.record = std::move(record);
  result.duration = std::chrono::steady_clock::now() - started;
  return result;
}

}  // namespace lifeboat::ops
