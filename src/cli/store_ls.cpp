// `lifeboat store ls ADDRESS[/PREFIX]`: list objects, newest layout first like `aws s3 ls`.
#include <iostream>

#include "cli/store_commands.hpp"
#include "cli/store_common.hpp"
#include "util/text.hpp"

namespace lifeboat::cli {

namespace {

struct StoreLsOptions {
  std::string address;
  bool recursive = false;
};

int run_store_ls(const StoreLsOptions& options, const Globals& globals, const StoreGlobals& shared) {
  auto target = open_target(options.address, shared.store, true);
  store::ListOptions list{.prefix = target.key, .delimiter = options.recursive ? "" : "/"};
  auto json = nlohmann::json::array();
  std::uint64_t count = 0;
  target.store.list(list, [&](const store::ListEntry& entry) {
    ++count;
    if (globals.json) {
      if (entry.is_prefix) {
        json.push_back({{"prefix", entry.info.key}});
      } else {
        json.push_back({{"key", entry.info.key}, {"size", entry.info.size},
                        {"etag", entry.info.etag}, {"modified", format_utc(entry.info.mtime)}});
      }
    } else if (entry.is_prefix) {
      std::cout << "                           PRE " << entry.info.key << '\n';
    } else {
      std::cout << format_utc(entry.info.mtime) << ' ' << std::setw(14) << entry.info.size << ' '
                << entry.info.key << '\n';
    }
    return true;
  });
  if (globals.json) {
    print_json(json);
  }
  return 0;
}

}  // namespace

void add_store_ls(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared) {
  auto options = std::make_shared<StoreLsOptions>();
  auto* command = group.add_subcommand("ls", "List objects under an address");
  command->add_option("address", options->address, "ADDRESS[/PREFIX] to list")->required();
  command->add_flag("-r,--recursive", options->recursive, "List every key, not one level");
  command->footer("Prints modified time (UTC), size in bytes and key; PRE marks a prefix.\n"
                  "Example: lifeboat store ls 's3://backups/tfe-backup/?endpoint=http://127.0.0.1:7480'");
  command->callback([options, shared, &globals] {
    set_exit_status(run_store_ls(*options, globals, *shared));
  });
}

}  // namespace lifeboat::cli
