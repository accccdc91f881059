// `lifeboat snapshot create --path DIR... OUTPUT`: make one snapshot of local paths.
#include "cli/progress.hpp"
#include "cli/snapshot_commands.hpp"
#include "ops/snapshot_ops.hpp"

namespace lifeboat::cli {

void add_snapshot_create(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared) {
  auto options = std::make_shared<ops::CreateOptions>();
  auto output = std::make_shared<std::string>();
  auto paths = std::make_shared<std::vector<std::string>>();
  auto* command = group.add_subcommand("create", "Make a snapshot of local directories and files");
  command->add_option("output", *output, "FILE-OR-ADDRESS to write")->required();
  command->add_option("-p,--path", *paths, "A directory or file to include (repeatable)")->required();
  command->add_option("--exclude", options->archive.excludes,
                      "Leave out paths matching this pattern (fnmatch; repeatable)");
  command->add_option("--installation", options->installation, "Installation name")
      ->capture_default_str();
  command->add_option("--release", options->release, "Installation release, YYYYMM-N")
      ->capture_default_str();
  command->add_option("--region", options->region, "Source region")->capture_default_str();
  command->callback([=, &globals] {
    for (const auto& path : *paths) {
      options->archive.paths.push_back(std::filesystem::absolute(path).lexically_normal());
    }
    auto kms = open_kms(shared->kms);
    auto location = open_snapshot_location(*output);
    Progress progress("snapshot", std::nullopt, !globals.quiet && !globals.json);
    options->on_progress = [&](std::uint64_t n) { progress.add(n); };
    auto result = ops::create_snapshot(location.store, location.key, *options, {&kms});
    progress.finish();
    if (globals.json) {
      print_json({{"snapshot_id", result.identity.snapshot_id}, {"size", result.size},
                  {"entries", result.entries}, {"data_bytes", result.data_bytes}});
    } else {
      info(globals, "wrote snapshot " + result.identity.snapshot_id + " to '" + *output + "': " +
                        std::to_string(result.entries) + " entries, " + human_bytes(result.data_bytes) +
                        " of data in " + human_bytes(result.size));
    }
  });
}

}  // namespace lifeboat::cli
