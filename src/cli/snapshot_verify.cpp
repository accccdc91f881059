// `lifeboat snapshot verify FILE-OR-ADDRESS`: read all of a snapshot and check it.
#include "cli/progress.hpp"
#include "cli/snapshot_commands.hpp"
#include "ops/snapshot_ops.hpp"

namespace lifeboat::cli {

void add_snapshot_verify(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared) {
  auto argument = std::make_shared<std::string>();
  auto* command = group.add_subcommand("verify", "Authenticate every byte and check the manifest");
  command->add_option("snapshot", *argument, "FILE-OR-ADDRESS")->required();
  command->callback([=, &globals] {
    auto kms = open_kms(shared->kms);
    auto location = open_snapshot_location(*argument);
    Progress progress("verify", std::nullopt, !globals.quiet && !globals.json);
    auto result = ops::verify_snapshot(location.store, location.key, kms,
                                       [&](std::uint64_t n) { progress.add(n); });
    progress.finish();
    if (globals.json) {
      print_json({{"snapshot_id", result.header.identity.snapshot_id}, {"ok", true},
                  {"entries", result.entries}, {"data_bytes", result.data_bytes}});
    } else {
      info(globals, "snapshot " + result.header.identity.snapshot_id + " is whole: " +
                        std::to_string(result.entries) + " entries, " +
                        human_bytes(result.data_bytes) + " match the manifest");
    }
  });
}

}  // namespace lifeboat::cli
