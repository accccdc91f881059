// `lifeboat verify`: prove the instance whole after a boot.
#include <cstdio>

#include "cli/installation.hpp"
#include "ops/verify.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_verify_help = R"(Checks, one line each, that this instance came back whole:
  booted    the boot journal records a completed boot
  database  the restored snapshot's canary row is in the database, and (when boot
            restored the dump) every table holds as many rows as the snapshot recorded
  keyring   the unsealed keyring decrypts the secret canary stored in the database
  blobs     the canary blob is read from the store and its SHA-256 matches
  release   the local state is at the installation's release, not older than the
            snapshot's
It reads what boot recorded (STATE/boot-journal.json) and the keyring boot unsealed
(RUNTIME/keyring.json); nothing is changed.

EXAMPLES
  lifeboat verify --config /etc/lifeboat/lifeboat.toml
  lifeboat verify --json --state-dir /var/lib/lifeboat --runtime-dir /run/lifeboat

EXIT STATUS
  0 every check passed, 1 a check failed (each failure says what it saw), 2 usage error)";

void run_verify(const settings::Flags& flags, const Globals& globals) {
  auto settings = load_settings("verify", flags);
  ops::VerifyOptions options{
      .state_dir = std::filesystem::absolute(settings.string("boot.state_dir")),
      .runtime_dir = std::filesystem::absolute(settings.string("boot.runtime_dir")),
      .database_password = settings.string("database.password"),
      .release = settings.string("release")};
  auto checks = ops::verify_installation(options);
  bool ok = true;
  auto rows = nlohmann::json::array();
  for (const auto& check : checks) {
    ok = ok && check.ok;
    rows.push_back({{"check", check.name}, {"ok", check.ok}, {"detail", check.detail}});
    if (!globals.json) {
      std::printf("%-4s %-9s %s\n", check.ok ? "ok" : "FAIL", check.name.c_str(),
                  check.detail.c_str());
    }
  }
  if (globals.json) {
    print_json({{"ok", ok}, {"checks", rows}});
  }
  if (!ok) {
    set_exit_status(1);
  }
}

}  // namespace

void add_verify_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<settings::Flags>();
  auto* command = app.add_subcommand("verify", "Prove the instance whole after a boot (canaries)");
  settings::add_flags(*command, "verify", *flags);
  command->footer(k_verify_help);
  command->callback([flags, &globals] { run_verify(*flags, globals); });
}

}  // namespace lifeboat::cli
