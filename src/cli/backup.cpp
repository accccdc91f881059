// `lifeboat backup`: take a snapshot now and push it to the store.
#include <fmt/format.h>

#include "cli/installation.hpp"
#include "cli/progress.hpp"
#include "ops/backup.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_backup_help = R"(Snapshots the installation's internal data (the paths the config names, less the
excludes) and, with a database, a pg_dump of it streamed into the same archive, then
pushes it to the store under the prefix (default tfe-backup/) with a name that sorts by
time. Pre hooks run first (to quiesce the application), post hooks last. With a
database, canaries are planted first (a row in lifeboat.canary and a blob under
lifeboat-canary/) for 'verify' to read back after a restore. Two backups of one
installation never overlap: a lease in the store, which expires if a backup dies.

Prints the snapshot's name on stdout; --json prints its record.

EXAMPLES
  lifeboat backup --store file:///var/lib/lifeboat/store \
      --kms 'local:///etc/lifeboat/keyring?key=tfe' --path /var/lib/tfe
  LIFEBOAT_DATABASE_PASSWORD=... lifeboat backup --config /etc/lifeboat/lifeboat.toml \
      --database postgres://tfe@127.0.0.1:5432/tfe

EXIT STATUS
  0 the snapshot is stored, 1 failure (nothing partial is left visible; another backup
  holding the lease is one), 2 usage error)";

void run_backup(const settings::Flags& flags, const Globals& globals) {
  auto settings = load_settings("backup", flags);
  auto options = backup_options(settings);
  auto store = open_store(settings);
  auto kms = open_kms(settings);
  Progress progress("backup", std::nullopt, !globals.quiet && !globals.json);
  report_to(progress, globals, options);
  auto result = ops::backup(store, kms, options);
  progress.finish();
  if (globals.json) {
    auto record = result.record;
    record["key"] = result.key;
    record["size"] = result.size;
    record["entries"] = result.entries;
    record["data_bytes"] = result.data_bytes;
    record["database_bytes"] = result.database_bytes;
    record["duration_seconds"] = result.duration.count();
    record["key_ids"] = {kms.describe().key_id};
    print_json(record);
    return;
  }
  info(globals, "stored " + std::to_string(result.entries) + " entries, " +
                    human_bytes(result.data_bytes) + " of files" +
                    (options.database ? " and " + human_bytes(result.database_bytes) + " of database dump" : "") +
                    " in " + human_bytes(result.size) +
                    fmt::format(" ({:.1f} s)", result.duration.count()));
  std::printf("%s\n", result.name.c_str());
}

}  // namespace

void add_backup_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<settings::Flags>();
  auto* command = app.add_subcommand("backup", "Take a snapshot now and push it to the store");
  settings::add_flags(*command, "backup", *flags);
  command->footer(k_backup_help);
  command->callback([flags, &globals] { run_backup(*flags, globals); });
}

}  // namespace lifeboat::cli
