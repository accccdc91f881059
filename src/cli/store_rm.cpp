// `lifeboat store rm ADDRESS/KEY...`: delete objects.
#include "cli/store_commands.hpp"
#include "cli/store_common.hpp"
#include "util/error.hpp"

namespace lifeboat::cli {

namespace {

struct StoreRmOptions {
  std::vector<std::string> addresses;
  bool recursive = false;
};

int run_store_rm(const StoreRmOptions& options, const Globals& globals,
                 const StoreGlobals& shared) {
  std::size_t removed = 0;
  for (const auto& address : options.addresses) {
    auto target = open_target(address, shared.store, options.recursive);
    std::vector<std::string> keys;
    if (options.recursive) {
      auto prefix = target.key;
      if (!prefix.empty() && !prefix.ends_with("/")) {
        prefix += "/";
      }
      for (const auto& entry : target.store.list_all(store::ListOptions{.prefix = prefix})) {
        keys.push_back(entry.info.key);
      }
    } else {
      if (target.key.empty() || target.key.ends_with("/")) {
        throw Error(ErrorKind::usage, "'" + target.address +
                                          "' names a prefix; use -r to delete everything under it");
      }
      keys.push_back(target.key);
    }
    target.store.remove(keys);
    removed += keys.size();
  }
  if (globals.json) {
    print_json({{"removed", removed}});
  } else {
    info(globals, "removed " + std::to_string(removed) + " objects");
  }
  return 0;
}

}  // namespace

void add_store_rm(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared) {
  auto options = std::make_shared<StoreRmOptions>();
  auto* command = group.add_subcommand("rm", "Delete objects");
  command->add_option("addresses", options->addresses, "ADDRESS/KEY of each object")->required();
  command->add_flag("-r,--recursive", options->recursive, "Delete every object under a prefix");
  command->footer("Deleting a key that does not exist is not an error.");
  command->callback([options, shared, &globals] {
    set_exit_status(run_store_rm(*options, globals, *shared));
  });
}

}  // namespace lifeboat::cli
