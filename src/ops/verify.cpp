// `lifeboat verify` (verify.hpp).
#include "ops/verify.hpp"

#include <functional>
#include <optional>

#include "db/database.hpp"
#include "ops/boot_journal.hpp"
#include "ops/catalog.hpp"
#include "ops/keyring.hpp"
#include "store/store.hpp"
#include "userdata/user_data.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/redact.hpp"

namespace lifeboat::ops {

namespace fs = std::filesystem;

namespace {

// Runs one check; an Error inside it fails that check alone.
Check run_check(const std::string& name, const std::function<std::string()>& body) {
  try {
    return {name, true, body()};
  } catch (const Error& e) {
    return {name, false, e.what()};
  }
}

[[noreturn]] void fail(const std::string& why) {
  throw Error(ErrorKind::corrupt, why);
}

}  // namespace

std::vector<Check> verify_installation(const VerifyOptions& options) {
  std::vector<Check> checks;
  std::optional<BootJournal> journal;
  std::optional<userdata::UserData> user_data;
  checks.push_back(run_check("booted", [&] {
    journal = load_boot_journal(options.state_dir);
    if (!journal) {
      fail("no boot journal in '" + options.state_dir.string() + "': this instance has not booted");
    }
    user_data =
        userdata::parse_user_data(journal->user_data.dump(), "the boot journal's user data");
    if (!journal->complete) {
      fail("the boot was interrupted after step '" +
           (journal->steps.empty() ? std::string("none") : journal->steps.back()) +
           "'; run 'lifeboat boot' again");
    }
    return "boot " + std::to_string(journal->boots) + " completed " + journal->finished + " (" +
           journal->decision + ")";
  }));

  std::optional<db::DatabaseOptions> database;
  std::optional<db::Canary> canary;
  checks.push_back(run_check("database", [&]() -> std::string {
    if (!user_data) {
      fail("not checked: no boot journal");
    }
    if (user_data->database.empty()) {
      return "no database configured";
    }
    auto password = options.database_password;
    if (password.empty() && fs::exists(options.runtime_dir / "database-password")) {
      password = read_file(options.runtime_dir / "database-password");
    }
    database = db::DatabaseOptions{.url = user_data->database, .password = password};
    auto connection = db::Database::open(*database);
    if (journal->snapshot.empty()) {
      canary = connection.latest_canary();
      return "installed fresh: no snapshot restored" +
             std::string(canary ? "; newest canary row " + canary->snapshot : "");
    }
    canary = connection.read_canary(journal->snapshot);
    if (!canary) {
      fail("database '" + connection.display() + "' has no canary row for snapshot '" +
           journal->snapshot + "': it is not the snapshot's database");
    }
    auto how = journal->restore.value("database", "");
    if (how != "restored") {
      return "canary row of '" + journal->snapshot + "' present; the database was kept (" + how +
             "), so its rows carry on past the snapshot and are not compared";
    }
    auto want =
        journal->restore["record"]["database"].value("row_counts", nlohmann::json::object());
    auto have = connection.row_counts();
    std::size_t compared = 0;
    for (const auto& [table, rows] : want.items()) {
      if (table.starts_with("lifeboat.")) {
        continue;  // lifeboat's own rows change with every backup and boot
      }
      auto it = have.find(table);
      auto now = it == have.end() ? std::uint64_t{0} : it->second;
      if (now != rows.get<std::uint64_t>()) {
        fail("table '" + table + "' holds " + std::to_string(now) + " rows, the snapshot " +
             std::to_string(rows.get<std::uint64_t>()));
      }
      ++compared;
    }
    return "canary row of '" + journal->snapshot + "' present; row counts of " +
           std::to_string(compared) + " tables match the snapshot's";
  }));

  checks.push_back(run_check("keyring", [&]() -> std::string {
    auto keyring = read_unsealed_keyring(options.runtime_dir);
    if (!database) {
      return "unsealed (" + std::to_string(keyring.keys.size()) +
             " keys); no database holds a secret to decrypt";
    }
    auto secret = db::Database::open(*database).read_secret_canary();
    if (!secret) {
      fail("the database holds no secret canary (lifeboat.secret_canary); boot plants it");
    }
    auto plain = decrypt_secret(keyring, secret->ciphertext);
    if (!plain || to_hex(sha256(as_bytes(*plain))) != secret->sha256) {
      fail(
          "the unsealed keyring cannot decrypt the secret stored in the database: the keyring is "
          "not the one this database's secrets were encrypted with");
    }
    return "unsealed in '" + options.runtime_dir.string() +
           "' and decrypts the secret stored in the database";
  }));

  checks.push_back(run_check("blobs", [&]() -> std::string {
    if (!user_data) {
      fail("not checked: no boot journal");
    }
    if (!canary) {
      return "no canary blob to read (no snapshot with a database yet)";
    }
    auto store = store::Store::open(user_data->store);
    auto blob = get_all(store, canary->blob_key);
    if (to_hex(sha256(as_bytes(blob))) != canary->blob_sha256) {
      fail("canary blob '" + canary->blob_key + "' does not match its checksum");
    }
    return "canary blob '" + canary->blob_key + "' read, SHA-256 matches";
  }));

  checks.push_back(run_check("release", [&]() -> std::string {
    if (!user_data) {
      fail("not checked: no boot journal");
    }
    auto want = options.release.empty() ? user_data->release : options.release;
    if (journal->release != want) {
      fail("the local state is at release " + journal->release + ", the installation is " + want);
    }
    auto ours = parse_release(want);
    auto theirs = parse_release(journal->snapshot_release);
    if (ours && theirs && *ours < *theirs) {
      fail("snapshot '" + journal->snapshot + "' is of the newer release " +
           journal->snapshot_release);
    }
    return "release " + want +
           (journal->snapshot_release.empty() ? "" : "; snapshot of " + journal->snapshot_release);
  }));
  return checks;
}

}  // namespace lifeboat::ops
