// Settings to stores, keys and databases for the installation commands.
#include "cli/installation.hpp"

#include <iostream>

#include "ops/catalog.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::cli {

settings::Settings load_settings(const std::string& command, const settings::Flags& flags) {
  auto resolved = settings::resolve(command, flags);
  // A secret in a flag is visible to every user of the machine through ps(1).
  for (const auto& key : {"store", "kms", "database.url"}) {
    if (resolved.has(key) && resolved.origin(key).starts_with("flag") &&
        redact(resolved.string(key)) != resolved.string(key)) {
      std::cerr << "lifeboat: warning: the " << key
                << " address on the command line holds a secret that other users can see; "
                   "set it in the environment or the config file instead\n";
    }
  }
  if (resolved.has("release")) {
    ops::check_release(resolved.string("release"), "the installation");
  }
  return resolved;
}

std::string snapshot_prefix(const settings::Settings& settings) {
  auto prefix = settings.string("prefix");
  if (!prefix.empty() && !prefix.ends_with('/')) {
    prefix += '/';
  }
  store::Store::check_key(prefix + "x");
  return prefix;
}

store::Store open_store(const settings::Settings& settings) {
  return store::Store::open(settings.required("store"));
}

kms::Kms open_kms(const settings::Settings& settings) {
  return kms::Kms::open(settings.required("kms"));
}

std::optional<db::DatabaseOptions> database_options(const settings::Settings& settings) {
  if (!settings.has("database.url")) {
    return std::nullopt;
  }
  return db::DatabaseOptions{.url = settings.string("database.url"),
                             .password = settings.string("database.password"),
                             .bin_dir = settings.string("database.bin_dir")};
}

ops::RetentionPolicy retention_policy(const settings::Settings& settings) {
  return {.hourly = static_cast<int>(settings.integer("retention.hourly")),
          .daily = static_cast<int>(settings.integer("retention.daily")),
          .weekly = static_cast<int>(settings.integer("retention.weekly"))};
}

ops::BackupOptions backup_options(const settings::Settings& settings) {
  ops::BackupOptions options{
      .installation = settings.string("installation"),
      .release = settings.has("release") ? settings.string("release") : "000000-0",
      .region = settings.string("region"),
      .prefix = snapshot_prefix(settings),
      .database = database_options(settings),
      .pre_hooks = settings.list("hooks.pre"),
      .post_hooks = settings.list("hooks.post"),
      .hook_timeout = settings.duration("hooks.timeout"),
      .lease_duration = settings.duration("backup.lease")};
  auto paths = settings.list("backup.paths");
  if (paths.empty()) {
    throw Error(ErrorKind::usage, "nothing to back up: pass --path DIR, set LIFEBOAT_PATHS or "
                                  "'backup.paths' in the config file");
  }
  for (const auto& path : paths) {
    auto absolute = std::filesystem::absolute(path).lexically_normal();
    if (absolute.relative_path().empty() || absolute.string().starts_with("/.lifeboat")) {
      throw Error(ErrorKind::usage, "refusing to back up '" + path +
                                        "': name the installation's data directories, not /");
    }
    for (const auto& other : options.archive.paths) {
      auto inside = [](const std::filesystem::path& a, const std::filesystem::path& b) {
        auto rel = a.lexically_relative(b);
        return !rel.empty() && *rel.begin() != "..";
      };
      if (inside(absolute, other) || inside(other, absolute)) {
        throw Error(ErrorKind::usage, "backup paths '" + other.string() + "' and '" +
                                          absolute.string() +
                                          "' overlap; name each directory once");
      }
    }
    options.archive.paths.push_back(absolute);
  }
  options.archive.excludes = settings.list("backup.exclude");
  return options;
}

std::string human_age(std::chrono::system_clock::duration age) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age).count();
  if (seconds < 0) {
    return "in the future";
  }
  if (seconds < 120) {
    return std::to_string(seconds) + " s";
  }
  if (seconds < 7200) {
    return std::to_string(seconds / 60) + " min";
  }
  if (seconds < 2 * 86400) {
    return std::to_string(seconds / 3600) + " h";
  }
  return std::to_string(seconds / 86400) + " d";
}

}  // namespace lifeboat::cli
