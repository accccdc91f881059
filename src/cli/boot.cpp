// `lifeboat boot`: the instance's boot sequence, run by lifeboat-boot.service.
#include <fmt/format.h>

#include <cstdio>

#include "cli/installation.hpp"
#include "cli/progress.hpp"
#include "ops/boot.hpp"
#include "util/error.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_boot_help =
    R"(Brings this instance up from nothing, or back after a reboot, by itself. Each step
is one line (in 'journalctl -u lifeboat-boot' under systemd) and is recorded in the
boot journal (STATE/boot-journal.json), so a boot killed at any step and run again
converges:
  1/7 read the user data (--user-data FILE, or an http(s) URL read with the EC2
      IMDSv2 flow: PUT a token, then GET the document with it);
  2/7 fetch the bootstrap bundle and open it with the region's KMS key;
  3/7 look at the local state (empty, present, half restored), the store (the newest
      intact snapshot) and the database (empty or holding data);
  4/7 decide: install (no snapshot, empty database: a new keyring), recover (no local
      state, a snapshot: restore it), reboot (local state present: nothing to do);
  5/7 release gate: the installation's release must be the snapshot's (or the local
      state's) or newer; a newer one runs boot.upgrade_hooks once each, in order;
  6/7 unseal the keyring into the runtime directory (0700, files 0600);
  7/7 run boot.start_hooks and wait for boot.health_check to pass.
A boot with nothing changed restores nothing and is over in well under a second
(plus the start hooks). Internal data paths, the keyring's path and the hooks come from
the config file; the store, KMS, database and release come from the user data.

EXAMPLES
  lifeboat boot --config /etc/lifeboat/lifeboat.toml \
      --user-data http://169.254.169.254/latest/user-data
  lifeboat boot --config /etc/lifeboat/lifeboat.toml --user-data /etc/lifeboat/user-data.json

EXIT STATUS
  0 started and healthy, 1 failure (run it again: it resumes), 2 usage error,
  3 refused as unsafe: a snapshot newer than the installation's release (downgrade),
  no snapshot but a database holding data (a fresh keyring would make its secrets
  unreadable), local data without a keyring, or a keyring the KMS key cannot unseal)";

void run_boot(const settings::Flags& flags, const Globals& globals) {
  auto settings = load_settings("boot", flags);
  ops::BootOptions options{
      .user_data = settings.required("boot.user_data"),
      .prefix = snapshot_prefix(settings),
      .keyring = std::filesystem::absolute(settings.required("keyring.path")),
      .state_dir = std::filesystem::absolute(settings.string("boot.state_dir")),
      .runtime_dir = std::filesystem::absolute(settings.string("boot.runtime_dir")),
      .database_bin_dir = settings.string("database.bin_dir"),
      .upgrade_hooks = settings.list("boot.upgrade_hooks"),
      .start_hooks = settings.list("boot.start_hooks"),
      .health_check = settings.string("boot.health_check"),
      .hook_timeout = settings.duration("hooks.timeout"),
      .health_timeout = settings.duration("boot.health_timeout")};
  for (const auto& path : settings.list("backup.paths")) {
    options.paths.push_back(std::filesystem::absolute(path).lexically_normal());
  }
  if (options.paths.empty()) {
    throw Error(ErrorKind::usage,
                "boot needs the internal data paths: set 'backup.paths' in "
                "the config file (or LIFEBOAT_PATHS)");
  }
  Progress progress("restore", std::nullopt, !globals.quiet && !globals.json);
  report_to(progress, globals, options);
  // The step lines are the boot's log (journalctl -u lifeboat-boot): on stderr even with
  // --json, whose document goes to stdout; only --quiet silences them.
  options.log = [&progress, &globals](const std::string& line) {
    progress.finish();
    if (!globals.quiet) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  };
  auto result = ops::boot(options);
  progress.finish();
  if (globals.json) {
    print_json({{"decision", result.decision},
                {"snapshot", result.snapshot},
                {"from_release", result.from_release},
                {"release", result.release},
                {"upgrades_run", result.upgrades_run},
                {"database", result.database},
                {"resumed", result.resumed},
                {"duration_seconds", result.duration.count()}});
    return;
  }
  info(globals, fmt::format("booted ({}{}) in {:.2f} s", result.decision,
                            result.snapshot.empty() ? "" : " from '" + result.snapshot + "'",
                            result.duration.count()));
}

}  // namespace

void add_boot_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<settings::Flags>();
  auto* command = app.add_subcommand(
      "boot", "Boot this instance: install, recover from the newest snapshot, or reboot");
  settings::add_flags(*command, "boot", *flags);
  command->footer(k_boot_help);
  command->callback([flags, &globals] { run_boot(*flags, globals); });
}

}  // namespace lifeboat::cli
