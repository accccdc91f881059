// `lifeboat prune`: apply the retention policy.
#include "cli/installation.hpp"
#include "ops/prune.hpp"
#include "util/error.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_prune_help = R"(Keeps the newest snapshot of each of the last N hours, days and ISO weeks that
have one (24, 7 and 4 by default; --keep-hourly, --keep-daily, --keep-weekly or
[retention] in the config) and removes the rest, each with its canary blob; then the debris of backups that were
killed mid-write (partial files, open multipart uploads) older than an hour. The newest
snapshot that opens with the KMS key is always kept, whatever the policy says; if none
opens, nothing is removed. --dry-run lists what would go.

EXAMPLES
  lifeboat prune --config /etc/lifeboat/lifeboat.toml --dry-run
  lifeboat prune --store s3://tfe-backups?region=eu-west-1 --kms awskms:arn:... --keep-daily 14

EXIT STATUS
  0 success, 1 failure, 2 usage error, 3 refused (no snapshot opens with the key))";

struct PruneFlags {
  settings::Flags settings;
  bool dry_run = false;
  std::string incomplete_age = "1h";
};

std::chrono::seconds parse_age(const std::string& text) {
  auto age = settings::parse_duration(text);
  if (!age) {
    throw Error(ErrorKind::usage, "--incomplete-older-than '" + text +
                                      "' is not a duration such as 30m, 1h or 2d");
  }
  return *age;
}

void run_prune(const PruneFlags& flags, const Globals& globals) {
  auto settings = load_settings("prune", flags.settings);
  auto store = open_store(settings);
  auto kms = open_kms(settings);
  ops::PruneOptions options{
      .prefix = snapshot_prefix(settings),
      .policy = retention_policy(settings),
      .dry_run = flags.dry_run,
      .incomplete_age = parse_age(flags.incomplete_age),
      .log = [&](const std::string& line) { info(globals, line); }};
  auto result = ops::prune(store, kms, options);
  if (globals.json) {
    auto rows = nlohmann::json::array();
    for (const auto& d : result.decisions) {
      rows.push_back({{"name", d.snapshot.name}, {"keep", d.keep}, {"reason", d.reason}});
    }
    print_json({{"dry_run", flags.dry_run}, {"removed", result.removed},
                {"newest_valid", result.newest_valid.value_or("")}, {"snapshots", rows}});
    return;
  }
  std::size_t going = 0;
  for (const auto& d : result.decisions) {
    if (!d.keep) {
      ++going;
    }
    if (flags.dry_run || !d.keep) {
      std::printf("%-6s %s%s\n", d.keep ? "keep" : (flags.dry_run ? "remove" : "removed"),
                  d.snapshot.name.c_str(), d.keep ? ("  (" + d.reason + ")").c_str() : "");
    }
  }
  info(globals, flags.dry_run ? std::to_string(going) + " of " +
                                    std::to_string(result.decisions.size()) +
                                    " snapshots would be removed (dry run)"
                              : std::to_string(result.removed) + " snapshots removed, " +
                                    std::to_string(result.decisions.size() - result.removed) +
                                    " kept");
}

}  // namespace

void add_prune_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<PruneFlags>();
  auto* command = app.add_subcommand("prune", "Remove snapshots the retention policy does not keep");
  settings::add_flags(*command, "prune", flags->settings);
  command->add_flag("--dry-run", flags->dry_run, "List what would be removed; remove nothing");
  command->add_option("--incomplete-older-than", flags->incomplete_age,
                      "Also remove uploads that interrupted backups left, if older than this")
      ->capture_default_str();
  command->footer(k_prune_help);
  command->callback([flags, &globals] { run_prune(*flags, globals); });
}

}  // namespace lifeboat::cli
