// `lifeboat restore` (restore.hpp).
#include "ops/restore.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>


#include "ops/backup.hpp"
#include "ops/catalog.hpp"
#include "snapshot/archive.hpp"
#include "snapshot/reader.hpp"
#include "stream/threaded.hpp"
#include "stream/zstd.hpp"
#include "util/crash.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::ops {

namespace fs = std::filesystem;

namespace {

void say(const RestoreOptions& options, const std::string& line) {
  if (options.log) {
    options.log(line);
  }
}

// One path to put back: where it goes, and where it is staged first (beside it, on the
// same file system, so the swap is one rename).
struct Root {
  std::string archive_path;  // in the archive: the absolute path without its leading '/'
  fs::path target;
  fs::path staging;
  bool staged = false;  // the archive held it
};

// The target with its parent made canonical: libarchive refuses to write under a
// symlink, and the parent of a data directory may well be one (/var/run).
fs::path canonical_target(const fs::path& path) {
  auto absolute = fs::absolute(path).lexically_normal();
  if (absolute.filename().empty()) {
    absolute = absolute.parent_path();
  }
  make_directories(absolute.parent_path());
  return fs::canonical(absolute.parent_path()) / absolute.filename();
}

void remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) {
    throw Error(ErrorKind::io, "unable to remove '" + path.string() + "': " + ec.message());
  }
}

// Flushes the staged files, then swaps them in: after a crash either the old tree or
// the new one is in place, never a mixture.
void swap_in(const Root& root) {
  // The staged files were written without fsync: one syncfs(2) of their file system
  // makes them durable before the rename makes them current.
  UniqueFd parent(::open(root.target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent || ::syncfs(parent.get()) != 0) {
    throw_errno("unable to flush '" + root.staging.string() + "'", errno);
  }
  struct stat st{};
  bool exists = ::lstat(root.target.c_str(), &st) == 0;
  int flags = exists ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  if (::renameat2(AT_FDCWD, root.staging.c_str(), AT_FDCWD, root.target.c_str(), flags) != 0) {
    if (errno == EXDEV) {
      throw Error(ErrorKind::io, "unable to swap '" + root.target.string() +
                                     "' into place: it is a mount point; restore with --target "
                                     "into a directory on its file system instead");
    }
    throw_errno("unable to swap '" + root.target.string() + "' into place", errno);
  }
  sync_directory(root.target.parent_path());
  if (exists) {
    remove_tree(root.staging);  // the old tree, now under the staging name
  }
}

// Feeds a database restore from the archive's dump segments.
class RestoreSink final : public stream::Sink {
 public:
  explicit RestoreSink(db::Restore& restore) : m_restore(restore) {}
  void write(std::span<const std::uint8_t> data) override { m_restore.write(data); }
  void finish() override {}

 private:
  db::Restore& m_restore;
};

std::string display_name(const std::string& key, const std::string& prefix) {
  return key.starts_with(prefix) ? key.substr(prefix.size()) : key;
}

RestoreResult restore_one(const store::Store& store, kms::Kms& kms, const std::string& key,
                          const RestoreOptions& options) {
  RestoreResult result{.name = display_name(key, options.prefix)};
  // 1. Open: size, header, key slot and trailer checked before anything is touched.
  snapshot::SnapshotReader reader(store, key, kms);
  const auto& identity = reader.header().identity;
  say(options, "restoring snapshot '" + result.name + "' (release " + identity.release +
                   ", created " + identity.created + ")");
  // 2. The release gate: data migrations run forward only.
  if (options.release) {
    auto ours = parse_release(*options.release);
    auto theirs = parse_release(identity.release);
    if (ours && theirs && *theirs > *ours) {
      throw Error(ErrorKind::unsafe,
                  "refusing to restore snapshot '" + result.name + "' of release " +
                      identity.release + " on an installation of release " + *options.release +
                      ": that would be a downgrade; install release " + identity.release +
                      " or newer, or restore an older snapshot");
    }
  }
  // 3. The manifest, a first time: the backup's record (its last line) and the size.
  // It is read again below in step with the archive, so memory stays the same however
  // many files there are.
  nlohmann::json record;
  std::uint64_t total_bytes = 0;
  bool has_dump = false;
  bool has_totals = false;
  {
    auto manifest = reader.open_manifest();
    nlohmann::json line;
    while (manifest.next(line)) {
      if (line.contains("path")) {
        total_bytes += line.value("size", std::uint64_t{0});
        has_dump = has_dump ||
                   snapshot::stream_of_segment(line.value("path", "")) == k_database_stream;
      } else if (line.contains("totals")) {
        has_totals = true;
        record = line["totals"].value("record", nlohmann::json::object());
      }
    }
  }
  if (!has_totals) {
    throw Error(ErrorKind::corrupt, "unable to restore snapshot '" + result.name +
                                        "': its manifest has no totals");
  }
  result.record = record;
  if (options.on_estimate) {
    options.on_estimate(total_bytes);
  }

  // 4. The database: restore only into an empty one (or one this snapshot already is).
  std::optional<db::Database> database;
  if (has_dump && options.skip_database) {
    result.database = "skipped";
  } else if (has_dump) {
    if (!options.database) {
      throw Error(ErrorKind::usage, "snapshot '" + result.name +
                                        "' holds a database dump: pass --database URL, or "
                                        "--skip-database to restore only the files");
    }
    database.emplace(db::Database::open(*options.database));
    if (!options.force && database->read_canary(result.name)) {
      say(options, "database '" + database->display() + "' already holds snapshot '" +
                       result.name + "'; not restoring it again (--force would)");
      result.database = "already restored";
      database.reset();
    } else if (!options.force && !database->is_empty()) {
      throw Error(ErrorKind::unsafe, "refusing to restore into database '" + database->display() +
                                         "': it holds data; pass --force to replace it");
    }
  }

  // 5. Where each path goes, staged beside its target.
  std::vector<Root> roots;
  if (options.target) {
    auto target = canonical_target(*options.target);
    roots.push_back({"", target, restore_staging_path(target)});
  } else {
    if (!record.contains("paths")) {
      throw Error(ErrorKind::usage, "snapshot '" + result.name +
                                        "' does not record where its files came from; pass "
                                        "--target DIR");
    }
    for (const auto& path : record["paths"]) {
      auto target = canonical_target(path.get<std::string>());
      auto archive_path = fs::path(path.get<std::string>()).lexically_normal().relative_path();
      roots.push_back({archive_path.string(), target, restore_staging_path(target)});
    }
  }
  for (const auto& root : roots) {
    remove_tree(root.staging);  // left by an earlier run that was interrupted
  }
  if (options.target) {
    make_directories(roots.front().staging);
    roots.front().staged = true;
  }
  struct Cleanup {
    std::vector<Root>& roots;
    bool armed = true;
    ~Cleanup() {
      if (armed) {
        for (const auto& root : roots) {
          std::error_code ec;
          fs::remove_all(root.staging, ec);
        }
      }
    }
  } cleanup{roots};

  std::unique_ptr<db::Restore> db_restore;
  std::unique_ptr<RestoreSink> db_sink;
  auto route = [&](const snapshot::Entry& entry) -> snapshot::Placement {
    if (entry.path.starts_with(".lifeboat/")) {
      if (snapshot::stream_of_segment(entry.path) != k_database_stream || !database) {
        return {};
      }
      if (!db_restore) {
        say(options, "restoring the database dump into '" + database->display() + "'");
        db_restore = database->open_restore(options.force);
        db_sink = std::make_unique<RestoreSink>(*db_restore);
      }
      return {.kind = snapshot::Placement::Kind::sink, .sink = db_sink.get()};
    }
    for (auto& root : roots) {
      if (root.archive_path.empty()) {
        return {.kind = snapshot::Placement::Kind::disk, .target = root.staging / entry.path};
      }
      if (entry.path == root.archive_path) {
        root.staged = true;
        return {.kind = snapshot::Placement::Kind::disk, .target = root.staging};
      }
      if (entry.path.starts_with(root.archive_path + "/")) {
        return {.kind = snapshot::Placement::Kind::disk,
                .target = root.staging / entry.path.substr(root.archive_path.size() + 1)};
      }
    }
    throw Error(ErrorKind::corrupt, "unable to restore snapshot '" + result.name + "': '" +
                                        entry.path + "' is outside the paths it records");
  };

  // 6. Stream, verify and stage.
  auto body = reader.open_body();
  auto tar = stream::make_unzstd_source(*body, reader.name());
  // Fetching, decrypting and decompressing run on a thread of their own while this one
  // writes files: restore is bounded by the slower half, not by their sum.
  auto ahead = stream::make_threaded_source(*tar);
  std::uint64_t restored_bytes = 0;
  // The manifest lists the archive's entries in the archive's order: compare in step.
  auto manifest = reader.open_manifest();
  nlohmann::json want;
  snapshot::extract_archive(*ahead, route, [&](const snapshot::Entry& entry) {
    if (!manifest.next(want) || want.value("path", "") != entry.path ||
        want.value("type", "") != entry.type ||
        want.value("size", std::uint64_t{0}) != entry.size ||
        want.value("sha256", "") != entry.sha256) {
      throw Error(ErrorKind::corrupt, "unable to restore snapshot '" + result.name + "': '" +
                                          entry.path + "' differs from its manifest");
    }
    ++result.entries;
    result.data_bytes += entry.size;
    restored_bytes += entry.size;
    if (options.on_progress) {
      options.on_progress(entry.size);
    }
    if (restored_bytes >= (4u << 20)) {
      crash_point("restore.mid-extract");
    }
  });
  if (manifest.next(want) && want.contains("path")) {
    throw Error(ErrorKind::corrupt, "unable to restore snapshot '" + result.name + "': '" +
                                        want.value("path", "") + "' is missing from the archive");
  }

  // 7. Commit the database, then swap the files in.
  if (db_restore) {
    db_restore->finish();
    result.database = "restored";
    crash_point("restore.after-database");
  }
  bool first = true;
  for (const auto& root : roots) {
    if (!root.staged) {
      continue;  // backed up as missing or excluded
    }
    if (!first) {
      crash_point("restore.between-swaps");
    }
    crash_point("restore.before-swap");
    swap_in(root);
    result.restored.push_back(root.target);
    say(options, "restored '" + root.target.string() + "'");
    first = false;
  }
  cleanup.armed = false;
  if (options.database && result.database != "skipped" && result.database != "none") {
    result.canary_found = db::Database::open(*options.database).read_canary(result.name).has_value();
  }
  return result;
}

}  // namespace

fs::path restore_staging_path(const fs::path& target) {
  return target.parent_path() / ("." + target.filename().string() + ".lifeboat-staging");
}

RestoreResult restore(const store::Store& store, kms::Kms& kms, const RestoreOptions& options) {
  std::vector<std::string> candidates;
  bool latest = options.snapshot == "latest";
  if (latest) {
    for (const auto& listing : list_snapshots(store, options.prefix)) {
      candidates.push_back(listing.key);
    }
    if (candidates.empty()) {
      throw Error(ErrorKind::not_found, "no snapshot in '" + store.describe() + "' under '" +
                                            options.prefix + "'; take one with 'lifeboat backup'");
    }
  } else {
    candidates.push_back(options.snapshot.starts_with(options.prefix)
                             ? options.snapshot
                             : options.prefix + options.snapshot);
  }
  std::vector<std::string> skipped;
  for (const auto& key : candidates) {
    try {
      auto result = restore_one(store, kms, key, options);
      result.skipped = skipped;
      return result;
    } catch (const Error& e) {
      if (!latest || e.kind() != ErrorKind::corrupt) {
        throw;
      }
      if (!options.fallback) {
        throw Error(e.kind(), std::string(e.what()) +
                                  "; 'restore latest --fallback' restores the newest intact "
                                  "snapshot instead");
      }
      auto name = display_name(key, options.prefix);
      say(options, "skipping damaged snapshot '" + name + "': " + e.what());
      skipped.push_back(name);
    }
  }
  throw Error(ErrorKind::corrupt, "no intact snapshot in '" + store.describe() + "' under '" +
                                      options.prefix + "': all " +
                                      std::to_string(candidates.size()) +
                                      " are damaged or none opens with this KMS key");
}

}  // namespace lifeboat::ops
