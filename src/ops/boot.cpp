// `lifeboat boot` (boot.hpp): the seven steps, each logged and journaled.
#include "ops/boot.hpp"

#include <fmt/format.h>

#include <thread>

#include "db/database.hpp"
#include "kms/kms.hpp"
#include "ops/boot_journal.hpp"
#include "ops/bootstrap.hpp"
#include "ops/catalog.hpp"
#include "ops/hooks.hpp"
#include "ops/keyring.hpp"
#include "ops/restore.hpp"
#include "store/store.hpp"
#include "userdata/user_data.hpp"
#include "util/bytes.hpp"
#include "util/crash.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/process.hpp"
#include "util/redact.hpp"
#include "util/text.hpp"

namespace lifeboat::ops {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// What the instance's own disk holds.
enum class Local { empty, present, half_restored, foreign };

struct LocalLook {
  Local state = Local::empty;
  std::string detail;
};

bool holds_data(const fs::path& path) {
  std::error_code ec;
  auto status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) {
    return false;
  }
  if (!fs::is_directory(status)) {
    return true;
  }
  for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
    if (!entry.is_directory()) {
      return true;
    }
  }
  return false;
}

LocalLook look_local(const BootOptions& options) {
  if (fs::exists(fs::symlink_status(options.keyring))) {
    return {Local::present, "keyring at '" + options.keyring.string() + "'"};
  }
  for (const auto& path : options.paths) {
    if (fs::exists(fs::symlink_status(restore_staging_path(path)))) {
      return {Local::half_restored, "an interrupted restore of '" + path.string() + "'"};
    }
  }
  for (const auto& path : options.paths) {
    if (holds_data(path)) {
      return {Local::foreign, "'" + path.string() + "' holds data"};
    }
  }
  return {Local::empty, "empty"};
}

// "201705-1" newer than "201706-1"? Unknown releases ("", "000000-0") compare as none.
int compare_releases(const std::string& a, const std::string& b) {
  auto x = parse_release(a);
  auto y = parse_release(b);
  if (!x || !y || *x == std::pair{0, 0} || *y == std::pair{0, 0}) {
    return 0;
  }
  return *x < *y ? -1 : (*y < *x ? 1 : 0);
}

class Boot {
 public:
  explicit Boot(const BootOptions& options) : m_options(options) {}

  BootResult run() {
    auto started = Clock::now();
    read_user_data();
    open_bundle();
    look_and_decide();
    act();
    release_gate();
    unseal();
    start();
    m_result.duration = Clock::now() - started;
    return m_result;
  }

 private:
  void say(const std::string& line) const {
    if (m_options.log) {
      m_options.log(line);
    }
  }

  void finish_step(const std::string& step) {
    if (!m_journal.has_step(step)) {
      m_journal.steps.push_back(step);
    }
    save_boot_journal(m_options.state_dir, m_journal);
    crash_point("boot.after-" + step);
  }

  // 1. The user data, and the journal of any boot before this one.
  void read_user_data() {
    m_user_data = userdata::read_user_data(m_options.user_data, m_options.transport);
    auto document = userdata::to_json(m_user_data);
    auto previous = load_boot_journal(m_options.state_dir);
    m_booted_before = previous && (previous->complete || previous->boots > 0);
    if (previous && !previous->complete) {
      // An interrupted boot: carry on with its decision, if it got that far (one that
      // was refused before deciding starts over).
      m_journal = *previous;
      m_result.resumed = !previous->decision.empty();
    } else if (previous) {
      // A new boot. What the last recovery restored stays on record for `verify`.
      // So do the upgrade hooks that have run: none ever runs twice.
      m_journal = BootJournal{.snapshot = previous->snapshot,
                              .snapshot_release = previous->snapshot_release,
                              .release = previous->release,
                              .upgrades = previous->upgrades,
                              .restore = previous->restore,
                              .boots = previous->boots};
    }
    m_journal.user_data = nlohmann::json::parse(document);
    if (m_journal.started.empty()) {
      m_journal.started = format_utc(std::chrono::system_clock::now());
    }
    say("1/7 user data: installation '" + m_user_data.installation + "', region '" +
        m_user_data.region + "', release " + m_user_data.release + ", store '" +
        redact(m_user_data.store) + "' (from " + redact(m_options.user_data) + ")" +
        (m_result.resumed ? "; resuming an interrupted boot" : ""));
    finish_step("user-data");
  }

  // 2. The bootstrap bundle: the secrets this instance needs, opened with the KMS key.
  void open_bundle() {
    m_store.emplace(store::Store::open(m_user_data.store));
    if (!m_store->stat(m_user_data.bootstrap)) {
      throw Error(ErrorKind::not_found, "no bootstrap bundle at '" + m_user_data.bootstrap +
                                            "' in '" + m_store->describe() +
                                            "'; run 'lifeboat init' for region '" +
                                            m_user_data.region + "' first");
    }
    try {
      m_kms.emplace(kms::Kms::open(m_user_data.kms));
      m_bundle = read_bootstrap(*m_store, m_user_data.bootstrap, *m_kms);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::transient || e.kind() == ErrorKind::usage) {
        throw;
      }
      throw sealed("the bootstrap bundle '" + m_user_data.bootstrap + "'", e);
    }
    if (m_bundle.installation != m_user_data.installation) {
      throw Error(ErrorKind::unsafe, "refusing to boot: the bootstrap bundle '" +
                                         m_user_data.bootstrap + "' is installation '" +
                                         m_bundle.installation + "', the user data names '" +
                                         m_user_data.installation + "'");
    }
    auto seal = m_bundle.secrets.find(k_keyring_seal_secret);
    if (seal == m_bundle.secrets.end()) {
      throw Error(ErrorKind::corrupt, "the bootstrap bundle '" + m_user_data.bootstrap +
                                          "' holds no keyring seal; run 'lifeboat init' again");
    }
    m_seal = decode_seal(seal->second);
    if (!m_user_data.database.empty()) {
      m_database = db::DatabaseOptions{.url = m_user_data.database,
                                       .password = m_bundle.database_password,
                                       .bin_dir = m_options.database_bin_dir};
    }
    say("2/7 bootstrap bundle '" + m_user_data.bootstrap + "' opened with KMS key '" +
        m_kms->describe().key_id + "'");
    finish_step("bundle");
  }

  // The newest snapshot whose header, key slot and trailer open; nullopt if there is
  // none. Snapshots that exist but none of which opens are refused: that is not "no
  // snapshot", and installing fresh over them would orphan them.
  std::optional<SnapshotListing> newest_snapshot() {
    auto snapshots = list_snapshots(*m_store, m_options.prefix);
    auto newest = find_newest_intact(*m_store, snapshots, *m_kms, m_options.log);
    if (!snapshots.empty() && !newest) {
      throw sealed("any of the " + std::to_string(snapshots.size()) + " snapshots under '" +
                       m_options.prefix + "'",
                   Error(ErrorKind::corrupt, "every one is damaged or sealed for another key"));
    }
    if (!newest) {
      return std::nullopt;
    }
    return snapshots[*newest];
  }

  // Only when a database is configured; asked once.
  bool database_is_empty() {
    if (!m_database) {
      return false;
    }
    if (!m_database_empty) {
      m_database_empty = db::Database::open(*m_database).is_empty();
    }
    return *m_database_empty;
  }

  Error sealed(const std::string& what, const Error& cause) const {
    return Error(ErrorKind::unsafe,
                 "refusing to start: the keyring is sealed: KMS key '" + redact(m_user_data.kms) +
                     "' of region '" + m_user_data.region + "' cannot open " + what + ": " +
                     cause.what() +
                     "; bring that key back, or boot with the user data of the region whose key "
                     "sealed it");
  }

  // 3 and 4. Local state, the store and the database; then what to do.
  void look_and_decide() {
    auto local = look_local(m_options);
    std::string store_seen = "not looked at";
    std::string database_seen = m_database ? "not looked at" : "none configured";
    if (m_result.resumed && m_journal.decision == "recover" && !m_journal.has_step("restore")) {
      // An interrupted recovery: local state may be half swapped in and look present, so
      // it recovers again — from the newest intact snapshot now, which is the same one
      // unless an operator has since moved a damaged one away.
      auto chosen = newest_snapshot();
      if (!chosen) {
        throw Error(ErrorKind::not_found,
                    "unable to finish the interrupted recovery: no snapshot "
                    "is left under '" +
                        m_options.prefix + "' in '" + m_store->describe() + "'");
      }
      m_result.decision = "recover";
      m_result.snapshot = chosen->name;
      m_result.from_release = chosen->parsed.release;
      store_seen = "newest intact snapshot '" + chosen->name + "'";
    } else if (m_result.resumed) {
      m_result.decision = m_journal.decision;
      m_result.snapshot = m_journal.decision == "recover" ? m_journal.snapshot : "";
      m_result.from_release = m_journal.decision == "recover"  ? m_journal.snapshot_release
                              : m_journal.decision == "reboot" ? m_journal.release
                                                               : "";
    } else if (local.state == Local::present && !m_booted_before &&
               (!m_database || database_is_empty())) {
      // The keyring that `lifeboat init` made on this instance, and nothing else yet.
      m_result.decision = "install";
      database_seen = "empty";
    } else if (local.state == Local::present) {
      m_result.decision = "reboot";
      m_result.from_release = m_journal.release;
      // An installation's database is never empty (boot plants its secret canary), so an
      // empty one was lost: starting on it would look like a fresh install.
      if (database_is_empty()) {
        throw Error(ErrorKind::unsafe,
                    "refusing to start: the local state is an installation's but database '" +
                        redact(m_user_data.database) +
                        "' is empty; restore it from a snapshot first (lifeboat restore latest "
                        "restores the database with the files), or point the user data at the "
                        "right database");
      }
      database_seen = m_database ? "holds data" : database_seen;
    } else if (local.state == Local::foreign) {
      throw Error(ErrorKind::unsafe,
                  "refusing to boot: " + local.detail + " but there is no keyring at '" +
                      m_options.keyring.string() +
                      "'; this is not a state lifeboat left. Move the data aside to recover from "
                      "the newest snapshot, or restore the keyring");
    } else {
      auto newest = newest_snapshot();
      if (m_database) {
        database_seen = database_is_empty() ? "empty" : "holds data";
      }
      if (newest) {
        store_seen = "newest intact snapshot '" + newest->name + "'";
        m_result.decision = "recover";
        m_result.snapshot = newest->name;
        m_result.from_release = newest->parsed.release;
      } else if (m_database && !database_is_empty()) {
        throw Error(ErrorKind::unsafe,
                    "refusing to install: database '" + redact(m_user_data.database) +
                        "' holds data but the store has no snapshot under '" + m_options.prefix +
                        "'; a fresh keyring would make every secret in it unreadable. Restore the "
                        "snapshots (or the keyring) first, or empty the database on purpose");
      } else {
        store_seen = "no snapshot";
        m_result.decision = "install";
      }
    }
    say("3/7 local state: " + local.detail + "; store: " + store_seen +
        "; database: " + database_seen);
    m_journal.decision = m_result.decision;
    if (m_result.decision != "reboot") {
      m_journal.snapshot = m_result.snapshot;
      m_journal.snapshot_release = m_result.decision == "recover" ? m_result.from_release : "";
      m_journal.restore = nlohmann::json::object();
    }
    // The release gate refuses before anything is touched: migrations run forward only.
    if (compare_releases(m_result.from_release, m_user_data.release) > 0) {
      throw Error(ErrorKind::unsafe,
                  "refusing to boot release " + m_user_data.release + ": " +
                      (m_result.decision == "recover" ? "snapshot '" + m_result.snapshot + "'"
                                                      : std::string("the local state")) +
                      " is of the newer release " + m_result.from_release +
                      " and data migrations run forward only; boot release " +
                      m_result.from_release + " or newer");
    }
    say("4/7 decision: " + m_result.decision +
        (m_result.decision == "recover" ? " from snapshot '" + m_result.snapshot + "'" : "") +
        (m_result.decision == "install" ? " (a new keyring)" : "") +
        (m_result.decision == "reboot" ? " (nothing to restore)" : ""));
    finish_step("decide");
  }

  void act() {
    if (m_journal.has_step("restore") || m_journal.has_step("install")) {
      m_result.database = m_journal.restore.value("database", "");
      say("the " + m_result.decision + " finished before the interruption; not repeated");
      return;
    }
    if (m_result.decision == "recover") {
      RestoreOptions restore_options{.prefix = m_options.prefix,
                                     .snapshot = m_result.snapshot,
                                     .release = m_user_data.release,
                                     .database = m_database,
                                     .on_estimate = m_options.on_estimate,
                                     .on_progress = m_options.on_progress,
                                     .log = m_options.log};
      RestoreResult restored;
      try {
        restored = restore(*m_store, *m_kms, restore_options);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::corrupt) {
          throw;
        }
        // Unattended, boot never falls back to older data on its own: that is a choice.
        throw Error(ErrorKind::corrupt,
                    std::string(e.what()) + "; to boot from the snapshot before it, move '" +
                        m_options.prefix + m_result.snapshot +
                        "' out of the prefix (lifeboat store rm) and boot again");
      }
      m_result.database = restored.database;
      m_journal.restore = {{"snapshot", restored.name},
                           {"database", restored.database},
                           {"canary_found", restored.canary_found},
                           {"entries", restored.entries},
                           {"data_bytes", restored.data_bytes},
                           {"record", restored.record}};
      finish_step("restore");
    } else if (m_result.decision == "install") {
      if (!fs::exists(fs::symlink_status(m_options.keyring))) {
        create_keyring(m_options.keyring, m_user_data.installation, m_seal);
        say("created the installation keyring at '" + m_options.keyring.string() + "'");
      }
      for (const auto& path : m_options.paths) {
        make_directories(path);
      }
      finish_step("install");
    }
  }

  // 5. Upgrades: a newer release than the data's runs each upgrade hook once, in order.
  void release_gate() {
    const auto& to = m_user_data.release;
    const auto& from = m_result.from_release;
    m_result.release = to;
    if (compare_releases(from, to) < 0) {
      std::vector<std::pair<std::string, std::string>> env = {{"LIFEBOAT_FROM_RELEASE", from},
                                                              {"LIFEBOAT_TO_RELEASE", to}};
      for (std::size_t i = 0; i < m_options.upgrade_hooks.size(); ++i) {
        auto id = from + ">" + to + "#" + std::to_string(i + 1);
        if (m_journal.has_upgrade(id)) {
          continue;  // ran before a crash
        }
        run_hooks("upgrade", {m_options.upgrade_hooks[i]}, m_options.hook_timeout, m_options.log,
                  env);
        m_journal.upgrades.push_back(id);
        m_result.upgrades_run.push_back(m_options.upgrade_hooks[i]);
        save_boot_journal(m_options.state_dir, m_journal);
        crash_point("boot.after-upgrade-hook");
      }
      say("5/7 release: upgraded from " + from + " to " + to + " (" +
          std::to_string(m_options.upgrade_hooks.size()) + " upgrade hooks)");
    } else {
      say("5/7 release: " + to +
          (from.empty() || from == to ? "" : " (the data is at " + from + ")"));
    }
    m_journal.release = to;
    finish_step("release");
  }

  // 6. The keyring, unsealed for the application; the secret canary planted once.
  void unseal() {
    Keyring keyring;
    try {
      keyring = unseal_keyring(m_options.keyring, m_seal);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::corrupt && e.kind() != ErrorKind::not_found) {
        throw;
      }
      throw sealed("the keyring '" + m_options.keyring.string() + "'", e);
    }
    write_unsealed_keyring(m_options.runtime_dir, keyring);
    if (!m_bundle.database_password.empty()) {
      write_file_atomic(m_options.runtime_dir / "database-password", m_bundle.database_password,
                        0600);
    }
    if (m_database) {
      auto database = db::Database::open(*m_database);
      if (!database.read_secret_canary()) {
        auto token = random_hex(16);
        database.plant_secret_canary({.ciphertext = encrypt_secret(keyring, token),
                                      .sha256 = to_hex(sha256(as_bytes(token)))});
      }
    }
    say("6/7 keyring unsealed into '" + m_options.runtime_dir.string() + "' (" +
        std::to_string(keyring.keys.size()) + " key" + (keyring.keys.size() == 1 ? "" : "s") + ")");
    finish_step("unseal");
  }

  // 7. Start the application and wait for it to be healthy.
  void start() {
    run_hooks("start", m_options.start_hooks, m_options.hook_timeout, m_options.log);
    auto began = Clock::now();
    if (!m_options.health_check.empty()) {
      wait_healthy();
    }
    auto waited = std::chrono::duration<double>(Clock::now() - began).count();
    m_journal.complete = true;
    m_journal.finished = format_utc(std::chrono::system_clock::now());
    m_journal.boots += 1;
    m_journal.steps.push_back("start");
    save_boot_journal(m_options.state_dir, m_journal);
    say(m_options.health_check.empty()
            ? std::string("7/7 started (no health check configured)")
            : fmt::format("7/7 started; healthy after {:.1f} s", waited));
  }

  void wait_healthy() const {
    auto deadline = Clock::now() + m_options.health_timeout;
    std::string last;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      int status = -1;
      try {
        status = lifeboat::run({.argv = {"/bin/sh", "-c", m_options.health_check},
                                .timeout = std::max(left, std::chrono::milliseconds(1000))},
                               &last);
      } catch (const Error& e) {
        last = e.what();
      }
      if (status == 0) {
        return;
      }
      if (Clock::now() >= deadline) {
        auto why = last_line(last);
        throw Error(ErrorKind::io, "the application did not become healthy within " +
                                       std::to_string(m_options.health_timeout.count()) +
                                       " s: health check '" + m_options.health_check +
                                       "' still fails" + (why.empty() ? "" : ": " + why));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  const BootOptions& m_options;
  userdata::UserData m_user_data;
  BootJournal m_journal;
  std::optional<store::Store> m_store;
  std::optional<kms::Kms> m_kms;
  BootstrapBundle m_bundle;
  kms::SecretBytes m_seal;
  std::optional<db::DatabaseOptions> m_database;
  std::optional<bool> m_database_empty;
  bool m_booted_before = false;  // a boot completed here before this one
  BootResult m_result;
};

}  // namespace

BootResult boot(const BootOptions& options) {
  for (const auto& path : options.paths) {
    auto rel = options.state_dir.lexically_relative(path);
    if (!rel.empty() && *rel.begin() != "..") {
      throw Error(ErrorKind::usage, "the state directory '" + options.state_dir.string() +
                                        "' is inside backed-up path '" + path.string() +
                                        "'; a restore would replace the boot journal");
    }
  }
  bool inside = false;
  for (const auto& path : options.paths) {
    auto rel = options.keyring.lexically_relative(path);
    inside = inside || (!rel.empty() && *rel.begin() != "..");
  }
  if (!inside) {
    throw Error(ErrorKind::usage, "the keyring '" + options.keyring.string() +
                                      "' is outside every backed-up path, so no snapshot would "
                                      "carry it; put it inside one");
  }
  return Boot(options).run();
}

}  // namespace lifeboat::ops
