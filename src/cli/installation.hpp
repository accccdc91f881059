// What the installation commands (backup, restore, list, prune, agent) share: their
// settings resolved, and the store, KMS and database those settings name.
#pragma once

#include <optional>
#include <string>

#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "db/database.hpp"
#include "kms/kms.hpp"
#include "ops/backup.hpp"
#include "ops/prune.hpp"
#include "settings/settings.hpp"
#include "store/store.hpp"

namespace lifeboat::cli {

// Resolves `command`'s settings from its flags, the environment and the config file.
settings::Settings load_settings(const std::string& command, const settings::Flags& flags);

// The snapshot prefix, ending in '/'.
std::string snapshot_prefix(const settings::Settings& settings);

store::Store open_store(const settings::Settings& settings);
kms::Kms open_kms(const settings::Settings& settings);
// nullopt when no database is configured.
std::optional<db::DatabaseOptions> database_options(const settings::Settings& settings);

// The retention counts the settings give (retention.hourly, .daily, .weekly).
ops::RetentionPolicy retention_policy(const settings::Settings& settings);

// The backup options the settings describe (paths, hooks, database, lease, …).
ops::BackupOptions backup_options(const settings::Settings& settings);

// Points a long operation's progress and log callbacks (on_estimate, on_progress, log:
// BackupOptions, RestoreOptions) at `progress` and at info lines on stderr.
template <typename Options>
void report_to(Progress& progress, const Globals& globals, Options& options) {
  options.on_estimate = [&progress](std::uint64_t bytes) { progress.add_total(bytes); };
  options.on_progress = [&progress](std::uint64_t bytes) { progress.add(bytes); };
  options.log = [&progress, &globals](const std::string& line) {
    progress.finish();
    info(globals, line);
  };
}

// "3 min", "2 h", "5 d": how long ago, for people.
std::string human_age(std::chrono::system_clock::duration age);

void add_backup_command(CLI::App& app, Globals& globals);
void add_restore_command(CLI::App& app, Globals& globals);
void add_list_command(CLI::App& app, Globals& globals);
void add_prune_command(CLI::App& app, Globals& globals);
void add_agent_command(CLI::App& app, Globals& globals);
void add_init_command(CLI::App& app, Globals& globals);
void add_boot_command(CLI::App& app, Globals& globals);
void add_verify_command(CLI::App& app, Globals& globals);

}  // namespace lifeboat::cli
