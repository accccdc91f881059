// The boot journal: what `lifeboat boot` decided and finished, kept in the state
// directory (STATE/boot-journal.json, 0600) and rewritten atomically after every step,
// so a boot killed at any step and run again picks up where it was and converges, and
// `verify` can tell that the instance booted.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace lifeboat::ops {

struct BootJournal {
  nlohmann::json user_data;      // the document this boot read (never a secret)
  // "install", "recover" or "reboot"; empty until step 4 decides.
  std::string decision;
  std::string snapshot;          // recover: the snapshot restored
  std::string snapshot_release;  // recover: its release
  // The release the local state is at: set when the release gate has passed (and any
  // upgrade hooks have run). Carried from boot to boot.
  std::string release;
  std::vector<std::string> steps;  // steps finished in this boot, in order
  // Upgrade hooks that have run, "FROM>TO#N": each runs once, even across a crash.
  std::vector<std::string> upgrades;
  nlohmann::json restore = nlohmann::json::object();  // recover: what restore did
  bool complete = false;  // every step finished; the application started
  std::string started;    // RFC 3339, when this boot began
  std::string finished;   // when it completed; empty before
  int boots = 0;          // how many boots have completed here

  bool has_step(const std::string& step) const;
  bool has_upgrade(const std::string& id) const;
};

std::filesystem::path boot_journal_path(const std::filesystem::path& state_dir);

// The journal in `state_dir`; nullopt if there is none (a new instance). Throws
// Error(corrupt) naming the file if it does not parse: a journal is never guessed at.
std::optional<BootJournal> load_boot_journal(const std::filesystem::path& state_dir);

// Writes the journal durably (beside it, fsync, rename). Throws Error(io).
void save_boot_journal(const std::filesystem::path& state_dir, const BootJournal& journal);

}  // namespace lifeboat::ops
