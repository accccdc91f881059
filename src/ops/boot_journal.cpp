// The boot journal (boot_journal.hpp).
#include "ops/boot_journal.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::ops {

namespace fs = std::filesystem;

bool BootJournal::has_step(const std::string& step) const {
  return std::find(steps.begin(), steps.end(), step) != steps.end();
}

bool BootJournal::has_upgrade(const std::string& id) const {
  return std::find(upgrades.begin(), upgrades.end(), id) != upgrades.end();
}

fs::path boot_journal_path(const fs::path& state_dir) {
  return state_dir / "boot-journal.json";
}

std::optional<BootJournal> load_boot_journal(const fs::path& state_dir) {
  auto path = boot_journal_path(state_dir);
  if (!fs::exists(path)) {
    return std::nullopt;
  }
  auto damaged = [&] {
    return Error(ErrorKind::corrupt, "unable to read the boot journal '" + path.string() +
                                         "': it is damaged; move it aside to boot as a new "
                                         "instance would");
  };
  auto document = nlohmann::json::parse(read_file(path), nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    throw damaged();
  }
  try {
    BootJournal journal;
    journal.user_data = document.value("user_data", nlohmann::json::object());
    journal.decision = document.value("decision", "");
    journal.snapshot = document.value("snapshot", "");
    journal.snapshot_release = document.value("snapshot_release", "");
    journal.release = document.value("release", "");
    journal.steps = document.value("steps", std::vector<std::string>{});
    journal.upgrades = document.value("upgrades", std::vector<std::string>{});
    journal.restore = document.value("restore", nlohmann::json::object());
    journal.complete = document.value("complete", false);
    journal.started = document.value("started", "");
    journal.finished = document.value("finished", "");
    journal.boots = document.value("boots", 0);
    return journal;
  } catch (const nlohmann::json::exception&) {
    throw damaged();
  }
}

void save_boot_journal(const fs::path& state_dir, const BootJournal& journal) {
  nlohmann::json document = {{"format", "lifeboat-boot-journal-1"},
                             {"user_data", journal.user_data},
                             {"decision", journal.decision},
                             {"snapshot", journal.snapshot},
                             {"snapshot_release", journal.snapshot_release},
                             {"release", journal.release},
                             {"steps", journal.steps},
                             {"upgrades", journal.upgrades},
                             {"restore", journal.restore},
                             {"complete", journal.complete},
                             {"started", journal.started},
                             {"finished", journal.finished},
                             {"boots", journal.boots}};
  make_directories(state_dir);
  write_file_atomic(boot_journal_path(state_dir), document.dump(2) + "\n", 0600);
}

}  // namespace lifeboat::ops
