// `lifeboat store cat ADDRESS/KEY`: write one object to standard output.
#include "cli/store_commands.hpp"
#include "cli/store_common.hpp"

namespace lifeboat::cli {

void add_store_cat(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared) {
  auto address = std::make_shared<std::string>();
  auto* command = group.add_subcommand("cat", "Write an object to standard output");
  command->add_option("address", *address, "ADDRESS/KEY of the object")->required();
  command->callback([address, shared, &globals] {
    auto target = open_target(*address, shared->store, false);
    Progress progress("cat", std::nullopt, false);
    static_cast<void>(globals);
    download_file(target.store, target.key, "-", progress);
  });
}

}  // namespace lifeboat::cli
