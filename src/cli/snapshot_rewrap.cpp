// `lifeboat snapshot rewrap --from-kms A --to-kms B FILE-OR-ADDRESS`: new key slots.
#include "cli/progress.hpp"
#include "cli/snapshot_commands.hpp"
#include "ops/snapshot_ops.hpp"

namespace lifeboat::cli {

void add_snapshot_rewrap(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared) {
  auto argument = std::make_shared<std::string>();
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::vector<std::string>>();
  auto* command = group.add_subcommand("rewrap", "Replace a snapshot's key slots");
  command->add_option("snapshot", *argument, "FILE-OR-ADDRESS")->required();
  command->add_option("--from-kms", *from, "A KMS that opens the snapshot now (default: --kms)");
  command->add_option("--to-kms", *to, "A KMS to wrap for (repeatable: one slot each)")->required();
  command->footer("Only the key slots change; every other byte stays the same. The old snapshot "
                  "stays whole until the new one is written.");
  command->callback([=, &globals] {
    auto source = open_kms(from->empty() ? shared->kms : *from);
    std::vector<kms::Kms> targets;
    for (const auto& address : *to) {
      targets.push_back(open_kms(address));
    }
    std::vector<kms::Kms*> pointers;
    for (auto& target : targets) {
      pointers.push_back(&target);
    }
    auto location = open_snapshot_location(*argument);
    auto header = ops::rewrap_snapshot(location.store, location.key, source, pointers);
    nlohmann::json slots = nlohmann::json::array();
    for (const auto& slot : header.slots) {
      slots.push_back(slot.key_id);
    }
    if (globals.json) {
      print_json({{"snapshot_id", header.identity.snapshot_id}, {"key_slots", slots}});
    } else {
      info(globals, "rewrapped snapshot " + header.identity.snapshot_id + " for " + slots.dump());
    }
  });
}

}  // namespace lifeboat::cli
