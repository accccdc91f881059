// `lifeboat store get ADDRESS/KEY [DEST]`: download objects to local files.
#include <atomic>

#include "cli/store_commands.hpp"
#include "cli/store_common.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::cli {

namespace {

struct StoreGetOptions {
  std::string address;
  std::string destination;
  bool recursive = false;
};

int run_store_get(const StoreGetOptions& options, const Globals& globals,
                  const StoreGlobals& shared) {
  auto target = open_target(options.address, shared.store, options.recursive);
  if (!options.recursive) {
    auto destination = options.destination.empty()
                           ? std::filesystem::path(target.key).filename()
                           : std::filesystem::path(options.destination);
    if (std::filesystem::is_directory(destination)) {
      destination /= std::filesystem::path(target.key).filename();
    }
    auto info = target.store.head(target.key);
    Progress progress("get " + target.key, info.size, !globals.quiet && !globals.json);
    download_file(target.store, target.key, destination, progress);
    progress.finish();
    if (globals.json) {
      print_json({{"key", target.key}, {"size", info.size}, {"file", destination.string()}});
    }
    return 0;
  }
  // A prefix: every object under it, into DEST with the same relative paths.
  auto prefix = target.key;
  if (!prefix.empty() && !prefix.ends_with("/")) {
    prefix += "/";
  }
  auto entries = target.store.list_all(store::ListOptions{.prefix = prefix});
  std::uint64_t total = 0;
  for (const auto& entry : entries) {
    total += entry.info.size;
  }
  std::filesystem::path root = options.destination.empty() ? "." : options.destination;
  make_directories(root);
  Progress progress("get " + std::to_string(entries.size()) + " objects", total,
                    !globals.quiet && !globals.json);
  run_parallel(entries.size(), shared.jobs, [&](std::size_t i) {
    const auto& key = entries[i].info.key;
    auto relative = std::filesystem::path(key.substr(prefix.size())).lexically_normal();
    if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
      throw Error(ErrorKind::unsafe, "refusing to write object '" + key + "' outside '" +
                                         root.string() + "'");
    }
    download_file(target.store, key, root / relative, progress, false);
  });
  // One flush for all files instead of one fsync each: ten thousand small files would
  // otherwise spend most of their time waiting for the disk.
  sync_filesystem(root);
  progress.finish();
  if (globals.json) {
    print_json({{"objects", entries.size()}, {"bytes", total}, {"directory", root.string()}});
  } else {
    info(globals, "downloaded " + std::to_string(entries.size()) + " objects (" +
                      human_bytes(total) + ") to '" + root.string() + "'");
  }
  return 0;
}

}  // namespace

void add_store_get(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared) {
  auto options = std::make_shared<StoreGetOptions>();
  auto* command = group.add_subcommand("get", "Download an object (or a prefix) to local files");
  command->add_option("address", options->address, "ADDRESS/KEY (or ADDRESS/PREFIX with -r)")
      ->required();
  command->add_option("destination", options->destination,
                      "Local file or directory; '-' for standard output. Default: the key's "
                      "name in the current directory");
  command->add_flag("-r,--recursive", options->recursive, "Download every object under a prefix");
  command->add_option("-j,--jobs", shared->jobs, "Parallel transfers with -r")
      ->default_val(8)->check(CLI::Range(1, 64));
  command->footer("Files are written beside their target and renamed when whole.");
  command->callback([options, shared, &globals] {
    set_exit_status(run_store_get(*options, globals, *shared));
  });
}

}  // namespace lifeboat::cli
