// `lifeboat list`: the snapshots in a store, newest first.
#include <fmt/format.h>

#include <mutex>

#include "cli/installation.hpp"
#include "cli/progress.hpp"
#include "cli/store_common.hpp"
#include "ops/catalog.hpp"
#include "snapshot/reader.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::cli {

namespace {

constexpr const char* k_list_help = R"(Lists the snapshots under the prefix, newest first: name, age, size, release and
the KMS keys that can open each (read from each header, several at a time; no key is
needed). Finding them is one listing, however many there are.

EXAMPLES
  lifeboat list --store file:///var/lib/lifeboat/store
  lifeboat list --config /etc/lifeboat/lifeboat.toml --latest --json

EXIT STATUS
  0 success (also when there are none), 1 failure, 2 usage error)";

struct ListFlags {
  settings::Flags settings;
  bool latest = false;
  bool no_keys = false;
};

void run_list(const ListFlags& flags, const Globals& globals) {
  auto settings = load_settings("list", flags.settings);
  auto store = open_store(settings);
  auto prefix = snapshot_prefix(settings);
  auto snapshots = ops::list_snapshots(store, prefix);
  if (flags.latest && snapshots.size() > 1) {
    snapshots.resize(1);
  }
  // The key ids are in each header: read them in parallel.
  std::vector<std::vector<std::string>> key_ids(snapshots.size());
  std::vector<std::string> problems(snapshots.size());
  if (!flags.no_keys) {
    run_parallel(snapshots.size(), 8, [&](std::size_t i) {
      try {
        for (const auto& slot : snapshot::read_header(store, snapshots[i].key, nullptr).slots) {
          key_ids[i].push_back(slot.key_id);
        }
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::corrupt && e.kind() != ErrorKind::unsupported) {
          throw;
        }
        problems[i] = e.what();
      }
    });
  }
  auto now = std::chrono::system_clock::now();
  if (globals.json) {
    auto rows = nlohmann::json::array();
    for (std::size_t i = 0; i < snapshots.size(); ++i) {
      const auto& s = snapshots[i];
      nlohmann::json row = {
          {"name", s.name}, {"key", s.key}, {"size", s.size}, {"release", s.parsed.release},
          {"time", format_utc(s.parsed.time)},
          {"age_seconds", std::chrono::duration_cast<std::chrono::seconds>(now - s.parsed.time).count()}};
      if (!flags.no_keys) {
        row["key_ids"] = key_ids[i];
      }
      if (!problems[i].empty()) {
        row["damaged"] = problems[i];
      }
      rows.push_back(row);
    }
    print_json(rows);
    return;
  }
  if (snapshots.empty()) {
    info(globals, "no snapshots in '" + store.describe() + "' under '" + prefix + "'");
    return;
  }
  std::printf("%-50s %8s %10s %-10s %s\n", "NAME", "AGE", "SIZE", "RELEASE",
              flags.no_keys ? "" : "KEYS");
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const auto& s = snapshots[i];
    std::string keys;
    for (const auto& id : key_ids[i]) {
      keys += (keys.empty() ? "" : ",") + id;
    }
    if (!problems[i].empty()) {
      keys = "DAMAGED: " + problems[i];
    }
    std::printf("%-50s %8s %10s %-10s %s\n", s.name.c_str(), human_age(now - s.parsed.time).c_str(),
                human_bytes(s.size).c_str(), s.parsed.release.c_str(), keys.c_str());
  }
}

}  // namespace

void add_list_command(CLI::App& app, Globals& globals) {
  auto flags = std::make_shared<ListFlags>();
  auto* command = app.add_subcommand("list", "List snapshots, newest first");
  settings::add_flags(*command, "list", flags->settings);
  command->add_flag("--latest", flags->latest, "Only the newest snapshot");
  command->add_flag("--no-keys", flags->no_keys, "Skip reading each header for its key ids");
  command->footer(k_list_help);
  command->callback([flags, &globals] { run_list(*flags, globals); });
}

}  // namespace lifeboat::cli
