// `lifeboat snapshot inspect FILE-OR-ADDRESS`: show a snapshot's header (and, with
// --kms, check its frame and show its manifest totals).
#include <iostream>

#include "cli/progress.hpp"
#include "cli/snapshot_commands.hpp"
#include "snapshot/reader.hpp"

namespace lifeboat::cli {

void add_snapshot_inspect(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared) {
  auto argument = std::make_shared<std::string>();
  auto* command = group.add_subcommand("inspect", "Show a snapshot's header and key slots");
  command->add_option("snapshot", *argument, "FILE-OR-ADDRESS")->required();
  command->footer("Without --kms only the header is read; with it the frame is checked and the "
                  "manifest's totals shown.");
  command->callback([=, &globals] {
    auto location = open_snapshot_location(*argument);
    store::ObjectInfo object;
    auto header = snapshot::read_header(location.store, location.key, &object);
    nlohmann::json out = {{"snapshot_id", header.identity.snapshot_id},
                          {"created", header.identity.created},
                          {"installation", header.identity.installation},
                          {"release", header.identity.release},
                          {"source_region", header.identity.source_region},
                          {"size", object.size}, {"key_slots", nlohmann::json::array()}};
    for (const auto& slot : header.slots) {
      out["key_slots"].push_back({{"key_id", slot.key_id}, {"provider", slot.provider},
                                  {"region", slot.region}});
    }
    if (!shared->kms.empty()) {
      auto kms = open_kms(shared->kms);
      snapshot::SnapshotReader reader(location.store, location.key, kms);
      out["totals"] = reader.read_manifest().back()["totals"];
    }
    if (globals.json) {
      print_json(out);
      return;
    }
    for (const auto& [name, value] : out.items()) {
      if (name == "key_slots") {
        for (const auto& slot : value) {
          std::cout << "key slot: " << slot["key_id"].get<std::string>() << " ("
                    << slot["provider"].get<std::string>() << ")\n";
        }
      } else {
        std::cout << name << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
                  << '\n';
      }
    }
  });
}

}  // namespace lifeboat::cli
