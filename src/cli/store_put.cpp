// `lifeboat store put SRC ADDRESS/KEY`: upload local files as objects.
#include <sys/stat.h>

#include "cli/store_commands.hpp"
#include "cli/store_common.hpp"
#include "util/error.hpp"

namespace lifeboat::cli {

namespace {

struct StorePutOptions {
  std::string source;
  std::string address;
  bool recursive = false;
  bool if_absent = false;
};

int run_store_put(const StorePutOptions& options, const Globals& globals,
                  const StoreGlobals& shared) {
  auto target = open_target(options.address, shared.store, options.recursive);
  std::filesystem::path source = options.source;
  if (!options.recursive) {
    auto key = target.key;
    if (key.empty() || key.ends_with("/")) {
      if (source == "-") {
        throw Error(ErrorKind::usage, "give a key for data from standard input");
      }
      key += source.filename().string();
    }
    std::error_code ec;
    auto size = source == "-" ? 0 : std::filesystem::file_size(source, ec);
    Progress progress("put " + key, ec || source == "-" ? std::nullopt : std::optional(size),
                      !globals.quiet && !globals.json);
    auto stored = upload_file(target.store, key, source, progress, options.if_absent);
    progress.finish();
    if (globals.json) {
      print_json({{"key", stored.key}, {"size", stored.size}, {"etag", stored.etag}});
    } else {
      info(globals, "stored '" + stored.key + "' (" + human_bytes(stored.size) + ")");
    }
    return 0;
  }
  // A directory: every regular file below it, under the prefix with the same paths.
  if (!std::filesystem::is_directory(source)) {
    throw Error(ErrorKind::usage, "'" + source.string() + "' is not a directory (needed by -r)");
  }
  auto prefix = target.key;
  if (!prefix.empty() && !prefix.ends_with("/")) {
    prefix += "/";
  }
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  std::uint64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(source)) {
    if (entry.is_regular_file()) {
      files.emplace_back(entry.path(),
                         prefix + entry.path().lexically_relative(source).generic_string());
      total += entry.file_size();
    }
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  Progress progress("put " + std::to_string(files.size()) + " files", total,
                    !globals.quiet && !globals.json);
  run_parallel(files.size(), shared.jobs, [&](std::size_t i) {
    upload_file(target.store, files[i].second, files[i].first, progress, options.if_absent);
  });
  progress.finish();
  if (globals.json) {
    print_json({{"objects", files.size()}, {"bytes", total}, {"prefix", prefix}});
  } else {
    info(globals, "stored " + std::to_string(files.size()) + " objects (" + human_bytes(total) +
                      ") under '" + prefix + "'");
  }
  return 0;
}

}  // namespace

void add_store_put(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared) {
  auto options = std::make_shared<StorePutOptions>();
  auto* command = group.add_subcommand("put", "Upload a local file (or directory) as objects");
  command->add_option("source", options->source, "Local file, '-' for standard input, or a "
                                                 "directory with -r")->required();
  command->add_option("address", options->address,
                      "ADDRESS/KEY; ending in '/' keeps the file's name")->required();
  command->add_flag("-r,--recursive", options->recursive, "Upload every file below a directory");
  command->add_flag("--if-absent", options->if_absent,
                    "Fail instead of replacing an existing object");
  command->add_option("-j,--jobs", shared->jobs, "Parallel transfers with -r")
      ->default_val(8)->check(CLI::Range(1, 64));
  command->footer("An object becomes visible only when whole; an interrupted put leaves nothing.");
  command->callback([options, shared, &globals] {
    set_exit_status(run_store_put(*options, globals, *shared));
  });
}

}  // namespace lifeboat::cli
