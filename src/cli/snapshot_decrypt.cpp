// `lifeboat snapshot decrypt FILE-OR-ADDRESS OUT.tar.zst`: the plain archive inside.
#include "cli/progress.hpp"
#include "cli/snapshot_commands.hpp"
#include "ops/snapshot_ops.hpp"

namespace lifeboat::cli {

void add_snapshot_decrypt(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared) {
  auto argument = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto* command = group.add_subcommand("decrypt", "Write the plain .tar.zst inside a snapshot");
  command->add_option("snapshot", *argument, "FILE-OR-ADDRESS")->required();
  command->add_option("output", *output, "The .tar.zst file to write")->required();
  command->footer("Read the result with: tar --zstd -xf OUTPUT");
  command->callback([=, &globals] {
    auto kms = open_kms(shared->kms);
    auto location = open_snapshot_location(*argument);
    auto bytes = ops::decrypt_snapshot(location.store, location.key, kms, *output);
    if (globals.json) {
      print_json({{"output", *output}, {"size", bytes}});
    } else {
      info(globals, "wrote '" + *output + "' (" + human_bytes(bytes) + "); read it with tar --zstd -xf");
    }
  });
}

}  // namespace lifeboat::cli
