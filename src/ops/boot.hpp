// `lifeboat boot`: the idempotent boot sequence of an instance. User data → bootstrap
// bundle → look at local state, the store and the database → install, recover or
// reboot (or refuse) → release gate and upgrade hooks → unseal the keyring → start.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/transport.hpp"

namespace lifeboat::ops {

struct BootOptions {
  // The user-data document: a file, or an http(s):// URL read with the EC2 IMDSv2 flow.
  // Required
  std::string user_data;
  std::shared_ptr<http::Transport> transport;  // for an http(s) source. Default: libcurl
  std::string prefix = "tfe-backup/";          // snapshots in the store. Default: "tfe-backup/"
  // The installation's internal data, as backed up (backup.paths). Required
  std::vector<std::filesystem::path> paths;
  // The sealed installation keyring; inside one of `paths`, so snapshots carry it.
  // Required
  std::filesystem::path keyring;
  // Where the boot journal lives; never inside `paths`. Default: /var/lib/lifeboat
  std::filesystem::path state_dir = "/var/lib/lifeboat";
  // Where the keyring is unsealed to (0700, files 0600); a tmpfs such as /run, so the
  // keys never reach a disk. Default: /run/lifeboat
  std::filesystem::path runtime_dir = "/run/lifeboat";
  std::filesystem::path database_bin_dir;  // pg_dump/pg_restore. Default: PATH
  // Run once each, in order, when the installation's release is newer than the
  // snapshot's (or the local state's), with LIFEBOAT_FROM_RELEASE and
  // LIFEBOAT_TO_RELEASE set. Default: none
  std::vector<std::string> upgrade_hooks;
  std::vector<std::string> start_hooks;  // start the application. Default: none
  // A command (sh -c) that exits 0 once the application is healthy; retried every
  // second until `health_timeout`. Default: none (healthy once started)
  std::string health_check;
  std::chrono::seconds hook_timeout{300};          // one hook at most. Default: 5 min
  std::chrono::seconds health_timeout{300};        // Default: 5 min
  std::function<void(std::uint64_t)> on_estimate;  // restore progress, as RestoreOptions
  std::function<void(std::uint64_t)> on_progress;
  std::function<void(const std::string&)> log;  // one line per step
};

struct BootResult {
  std::string decision;                   // "install", "recover" or "reboot"
  std::string snapshot;                   // recover: the snapshot restored
  std::string from_release;               // the release of the snapshot or local state; "" if none
  std::string release;                    // the installation's release, which the state is now at
  std::vector<std::string> upgrades_run;  // upgrade hooks run by this boot
  std::string database;                   // recover: what restore did with the database
  bool resumed = false;                   // this boot finished one that was interrupted
  std::chrono::duration<double> duration{};
};

// Boots. Each step is one log line and is recorded in the boot journal, so a crash at
// any step followed by another boot converges. Throws Error(unsafe) — exit 3 — for a
// snapshot (or local state) of a newer release than the installation's, for a database
// holding data with no snapshot to restore (a fresh keyring would make its secrets
// unreadable), for local data without a keyring, and for a keyring the region's KMS
// key cannot unseal. A boot with nothing changed restores nothing and changes no file
// of internal data.
BootResult boot(const BootOptions& options);

}  // namespace lifeboat::ops
