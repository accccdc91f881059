// `lifeboat restore [NAME|latest]`: put a snapshot's data (and database) back.
#include "cli/installation.hpp"
#include "cli/progress.hpp"
#include "ops/restore.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_restore_help = R"(Restores a snapshot: every file is checked against the snapshot's manifest as it
streams into a staging path beside its target, and only a whole, verified tree is
swapped in (one rename each); the old one is then deleted. The database dump goes into
pg_restore in one transaction, and only into an empty database unless --force. A
snapshot of a newer release than this installation's is refused (exit 3): migrations
run forward only. Run it twice and the second run changes nothing; kill it at any
point and run it again, and it finishes the job.

SNAPSHOT is a name from 'lifeboat list', or 'latest' (the default). With 'latest', a
damaged newest snapshot is an error unless --fallback, which restores the newest
intact one and says which it skipped.

EXAMPLES
  lifeboat restore --config /etc/lifeboat/lifeboat.toml latest
  lifeboat restore --store file:///backups --kms 'local:///etc/lifeboat/keyring?key=tfe' \
      20261125T031500.123Z_201705-1_1a2b3c4d.lifeboat --target /tmp/inspect --skip-database

EXIT STATUS
  0 restored, 1 failure (a damaged snapshot; nothing was swapped in), 2 usage error,
  3 refused as unsafe (a downgrade, or a database that holds data without --force))";

struct RestoreFlags {
  settings::Flags settings;
  std::string snapshot = "latest";
  std::string target;
  bool fallback = false;
  bool force = false;
  bool skip_database = false;
};

void run_restore(const RestoreFlags& flags, const Globals& globals) {
  auto settings = load_settings("restore", flags.settings);
  auto store = open_store(settings);
  auto kms = open_kms(settings);
  ops::RestoreOptions options{.prefix = snapshot_prefix(settings),
                              .snapshot = flags.snapshot,
                              .fallback = flags.fallback,
                              .database = database_options(settings),
                              .skip_database = flags.skip_database,
                              .force = flags.force};
  if (!flags.target.empty()) {
    options.target = flags.target;
  }
  if (settings.has("release")) {
    options.release = settings.string("release");
  } else {
    info(globals, "no installation release set (--release, LIFEBOAT_RELEASE or 'release'): "
                  "the downgrade check is off");
  }
  Progress progress("restore", std::nullopt, !globals.quiet && !globals.json);
  report_to(progress, globals, options);
  auto result = ops::restore(store, kms, options);
  progress.finish();
  if (globals.json) {
    nlohmann::json restored = nlohmann::json::array();
    for (const auto& path : result.restored) {
      restored.push_back(path.string());
    }
    print_json({{"snapshot", result.name}, {"skipped", result.skipped}, {"restored", restored},
                {"entries", result.entries}, {"data_bytes", result.data_bytes},
                {"database", result.database}, {"canary_found", result.canary_found}});
    return;
  }
  info(globals, "restored snapshot '" + result.name + "': " + std::to_string(result.entries) +
                    " entries, " + human_bytes(result.data_bytes) + "; database: " +
                    result.database +
                    (result.database == "restored" || result.database == "already restored"
                         ? (result.canary_found ? " (canary row present)" : " (canary row MISSING)")
                         : ""));
}

}  // namespace

void add_restore_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<RestoreFlags>();
  auto* command = app.add_subcommand("restore", "Restore a snapshot's data and database");
  settings::add_flags(*command, "restore", flags->settings);
  command->add_option("snapshot", flags->snapshot, "A snapshot name, or 'latest'")
      ->capture_default_str();
  command->add_option("--target", flags->target,
                      "Restore the whole tree under DIR instead of to its original paths");
  command->add_flag("--fallback", flags->fallback,
                    "With 'latest': skip damaged snapshots to the newest intact one");
  command->add_flag("--force", flags->force,
                    "Replace a database that holds data (or already holds this snapshot)");
  command->add_flag("--skip-database", flags->skip_database, "Restore only the files");
  command->footer(k_restore_help);
  command->callback([flags, &globals] { run_restore(*flags, globals); });
}

}  // namespace lifeboat::cli
