// `lifeboat backup`, `list`, `restore` and `prune` end to end: the binary against the
// file store and rgw, with kill -9 at named points, a full disk, damage and downgrades.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {

namespace {

namespace fs = std::filesystem;

// Every entry under `root`: "type mode sha256-or-target".
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  if (!fs::exists(fs::symlink_status(root))) {
    return out;
  }
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st{};
    ::lstat(it->path().c_str(), &st);
    auto rel = fs::relative(it->path(), root).string();
    std::string value = std::to_string(st.st_mode & 07777) + " ";
    if (it->is_symlink()) {
      value += "link " + fs::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      value += "dir";
    } else {
      value += "file " + to_hex(sha256(as_bytes(read_file(it->path()))));
    }
    out[rel] = value;
  }
  return out;
}

// An installation's internal data: two directories and a file, 12 MiB in all.
struct Installation {
  TempDir dir;
  std::string kms;
  std::string store;
  std::vector<std::string> flags;
  explicit Installation(std::string store_address = "") : store(std::move(store_address)) {
    auto data = dir.path() / "var/lib/tfe";
    fs::create_directories(data / "vault");
    fs::create_directories(data / "objects/empty");
    std::ofstream(data / "vault/keys.json") << R"({"unseal": "abc"})";
    std::ofstream(data / "objects/big.bin") << random_data(12 << 20, 7);
    std::ofstream(data / "objects/small.txt") << "small";
    fs::create_symlink("small.txt", data / "objects/link");
    ::chmod((data / "vault/keys.json").c_str(), 0600);
    fs::create_directories(dir.path() / "etc/tfe");
    std::ofstream(dir.path() / "etc/tfe/settings.json") << R"({"hostname": "tfe.example"})";
    kms = "local://" + (dir.path() / "keyring").string() + "?key=tfe";
    if (store.empty()) {
      store = "file://" + (dir.path() / "store").string();
    }
    EXPECT_EQ(run_lifeboat({"keys", "create", "--kms", kms}).status, 0);
    flags = {"--store", store, "--kms", kms};
  }
  fs::path data() const { return dir.path() / "var/lib/tfe"; }
  fs::path settings() const { return dir.path() / "etc/tfe/settings.json"; }
  std::vector<std::string> with(std::vector<std::string> args) const {
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }
  CommandResult backup(std::vector<std::string> extra = {}, std::string release = "201705-1") const {
    auto args = with({"backup", "--path", data().string(), "--path", settings().string(),
                      "--release", release});
    args.insert(args.end(), extra.begin(), extra.end());
    return run_lifeboat(args);
  }
  nlohmann::json list() const {
    auto listed = run_lifeboat(with({"list", "--json"}));
    EXPECT_EQ(listed.status, 0) << listed.err;
    return nlohmann::json::parse(listed.out);
  }
};

std::string chomp(std::string text) {
  while (!text.empty() && text.back() == '\n') {
    text.pop_back();
  }
  return text;
}

void round_trip(const Installation& inst) {
  auto before_data = tree(inst.data());
  auto before_settings = read_file(inst.settings());
  auto backed = inst.backup();
  ASSERT_EQ(backed.status, 0) << backed.err;
  auto name = chomp(backed.out);
  EXPECT_TRUE(name.ends_with(".lifeboat")) << name;
  auto listed = inst.list();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["name"], name);
  EXPECT_EQ(listed[0]["release"], "201705-1");
  EXPECT_EQ(listed[0]["key_ids"][0], "local:tfe#1");

  // The instance loses its disk.
  fs::remove_all(inst.data());
  fs::remove_all(inst.settings().parent_path());
  auto restored = run_lifeboat(inst.with({"--json", "restore", "latest", "--release", "201705-1"}));
  ASSERT_EQ(restored.status, 0) << restored.err;
  auto json = nlohmann::json::parse(restored.out);
  EXPECT_EQ(json["snapshot"], name);
  EXPECT_EQ(json["database"], "none");
  EXPECT_EQ(tree(inst.data()), before_data);
  EXPECT_EQ(read_file(inst.settings()), before_settings);

  // Again: the same result, and no staging left beside the targets.
  ASSERT_EQ(run_lifeboat(inst.with({"restore", "--release", "201705-1"})).status, 0);
  EXPECT_EQ(tree(inst.data()), before_data);
  for (const auto& entry : fs::directory_iterator(inst.data().parent_path())) {
    EXPECT_EQ(entry.path().string().find("lifeboat-staging"), std::string::npos) << entry.path();
  }
}

}  // namespace

TEST(BackupCli, RoundTripFileStore) {
  Installation inst;
  round_trip(inst);
}

TEST(BackupCli, RoundTripRgw) {
  REQUIRE_S3(base);
  Installation inst(fresh_s3_address(base));
  round_trip(inst);
}

TEST(BackupCli, RestoreReplacesChangedDataWhole) {
  Installation inst;
  auto before = tree(inst.data());
  ASSERT_EQ(inst.backup().status, 0);
  std::ofstream(inst.data() / "objects/small.txt") << "changed after the backup";
  std::ofstream(inst.data() / "new-file") << "not in the snapshot";
  ASSERT_EQ(run_lifeboat(inst.with({"restore"})).status, 0);
  EXPECT_EQ(tree(inst.data()), before);
}

TEST(BackupCli, RestoreToTarget) {
  Installation inst;
  ASSERT_EQ(inst.backup().status, 0);
  auto target = inst.dir.path() / "elsewhere";
  auto restored = run_lifeboat(inst.with({"restore", "--target", target.string()}));
  ASSERT_EQ(restored.status, 0) << restored.err;
  EXPECT_EQ(tree(target / inst.data().relative_path()), tree(inst.data()));
}

TEST(BackupCli, WorksFromConfigFileAndEnvironment) {
  Installation inst;
  auto config = inst.dir.path() / "lifeboat.toml";
  std::ofstream(config) << "store = \"" << inst.store << "\"\nrelease = \"201705-1\"\n"
                        << "[backup]\npaths = [\"" << inst.data().string() << "\"]\n"
                        << "exclude = [\"*/objects/big.bin\"]\n";
  auto backed = run_shell("LIFEBOAT_KMS='" + inst.kms + "' " + LIFEBOAT_BINARY +
                          " backup --json --config " + config.string());
  ASSERT_EQ(backed.status, 0) << backed.err;
  auto record = nlohmann::json::parse(backed.out);
  EXPECT_EQ(record["release"], "201705-1");
  EXPECT_EQ(record["paths"].size(), 1u);
  EXPECT_LT(record["data_bytes"].get<std::uint64_t>(), 1000u);  // big.bin was excluded

  std::ofstream(config, std::ios::app) << "[backup.typo]\nx = 1\n";
  auto typo = run_lifeboat({"backup", "--config", config.string()});
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.err.find("unknown setting 'backup.typo.x'"), std::string::npos) << typo.err;
}

TEST(BackupCli, MissingSettingsAreUsageErrors) {
  auto none = run_lifeboat({"backup", "--path", "/tmp"});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("no store given"), std::string::npos) << none.err;
  Installation inst;
  auto no_paths = run_lifeboat(inst.with({"backup"}));
  EXPECT_EQ(no_paths.status, 2);
  EXPECT_NE(no_paths.err.find("nothing to back up"), std::string::npos) << no_paths.err;
}

TEST(BackupCli, MissingPathIsOneClearErrorAndNoSnapshot) {
  Installation inst;
  auto missing = run_lifeboat(inst.with({"backup", "--path", (inst.dir.path() / "nowhere").string()}));
  EXPECT_EQ(missing.status, 1) << missing.err;
  EXPECT_NE(missing.err.find("lifeboat: unable to archive '"), std::string::npos) << missing.err;
  EXPECT_EQ(inst.list().size(), 0u);
  // The lease was released on the way out: the next backup goes ahead at once.
  EXPECT_EQ(inst.backup().status, 0);
}

TEST(BackupCli, OverlappingPathsAreRefused) {
  Installation inst;
  auto overlap = run_lifeboat(inst.with({"backup", "--path", inst.data().string(), "--path",
                                         (inst.data() / "vault").string()}));
  EXPECT_EQ(overlap.status, 2);
  EXPECT_NE(overlap.err.find("overlap"), std::string::npos) << overlap.err;
  EXPECT_EQ(inst.list().size(), 0u);
}

TEST(BackupCli, DowngradeIsRefused) {
  Installation inst;
  ASSERT_EQ(inst.backup({}, "201706-1").status, 0);
  auto before = tree(inst.data());
  std::ofstream(inst.data() / "objects/small.txt") << "must survive";
  auto refused = run_lifeboat(inst.with({"restore", "--release", "201705-1"}));
  EXPECT_EQ(refused.status, 3) << refused.err;
  EXPECT_NE(refused.err.find("downgrade"), std::string::npos) << refused.err;
  EXPECT_EQ(read_file(inst.data() / "objects/small.txt"), "must survive");
  // The same release, or a newer installation, restores.
  EXPECT_EQ(run_lifeboat(inst.with({"restore", "--release", "201706-1"})).status, 0);
  EXPECT_EQ(run_lifeboat(inst.with({"restore", "--release", "201801-3"})).status, 0);
}

TEST(BackupCli, DamagedNewestNeedsFallback) {
  Installation inst;
  ASSERT_EQ(inst.backup().status, 0);
  auto good = tree(inst.data());
  std::ofstream(inst.data() / "objects/small.txt") << "second version";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a later name
  ASSERT_EQ(inst.backup().status, 0);
  auto listed = inst.list();
  ASSERT_EQ(listed.size(), 2u);
  // Flip one byte in the middle of the newest snapshot's body.
  auto newest = inst.dir.path() / "store" / listed[0]["key"].get<std::string>();
  {
    std::fstream file(newest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(newest) / 2));
    file.put('\x5a');
  }
  std::ofstream(inst.data() / "objects/small.txt") << "live data";
  auto refused = run_lifeboat(inst.with({"restore", "latest"}));
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("--fallback"), std::string::npos) << refused.err;
  EXPECT_EQ(read_file(inst.data() / "objects/small.txt"), "live data");

  auto fallback = run_lifeboat(inst.with({"--json", "restore", "latest", "--fallback"}));
  ASSERT_EQ(fallback.status, 0) << fallback.err;
  auto json = nlohmann::json::parse(fallback.out);
  EXPECT_EQ(json["snapshot"], listed[1]["name"]);
  EXPECT_EQ(json["skipped"][0], listed[0]["name"]);
  EXPECT_EQ(tree(inst.data()), good);

  auto named = run_lifeboat(inst.with({"restore", listed[0]["name"].get<std::string>()}));
  EXPECT_EQ(named.status, 1);
  EXPECT_NE(named.err.find("authentication"), std::string::npos) << named.err;
}

TEST(BackupCli, KillDuringBackupLeavesNothingAndTheLeaseExpires) {
  Installation inst;
  for (const char* point : {"backup.lease-taken", "backup.before-archive", "backup.mid-archive",
                            "backup.before-commit"}) {
    SCOPED_TRACE(point);
    auto args = inst.with({"backup", "--path", inst.data().string()});
    std::string command = std::string("LIFEBOAT_CRASH_AT=") + point + " " + LIFEBOAT_BINARY;
    for (const auto& arg : args) {
      command += " '" + arg + "'";
    }
    auto killed = run_shell(command + " 2>/dev/null; echo $?");
    EXPECT_EQ(chomp(killed.out), "137");
    EXPECT_EQ(inst.list().size(), 0u);
    // The dead backup's lease holds off the next one until it expires.
    auto blocked = run_lifeboat(args);
    EXPECT_EQ(blocked.status, 1);
    EXPECT_NE(blocked.err.find("holds the lease until"), std::string::npos) << blocked.err;
    // Expire it by hand rather than waiting 15 minutes: the lease is data in the store.
    for (const auto& entry : fs::directory_iterator(inst.dir.path() / "store/tfe-backup/lease")) {
      std::ofstream(entry.path()) << R"({"holder":"dead","expires":1,"released":false})";
    }
  }
  // The killed writes left partial files; prune removes those older than it is told.
  auto prune = run_lifeboat(inst.with({"prune", "--incomplete-older-than", "0s"}));
  ASSERT_EQ(prune.status, 0) << prune.err;
  EXPECT_NE(prune.err.find("incomplete uploads left by interrupted backups"), std::string::npos)
      << prune.err;
  auto after = run_lifeboat(inst.with({"backup", "--path", inst.data().string()}));
  ASSERT_EQ(after.status, 0) << after.err;
  EXPECT_EQ(inst.list().size(), 1u);
  // No partial file is left beside the snapshot either.
  for (const auto& entry : fs::directory_iterator(inst.dir.path() / "store/tfe-backup")) {
    auto name = entry.path().filename().string();
    EXPECT_TRUE(name == "lease" || name.ends_with(".lifeboat")) << name;
  }
}

TEST(BackupCli, KillDuringBackupToRgwLeavesNoUpload) {
  REQUIRE_S3(base);
  Installation inst(fresh_s3_address(base));
  // Enough that parts are on their way when the backup dies (parts are 8 MiB).
  std::ofstream(inst.data() / "objects/bigger.bin") << random_data(30 << 20, 8);
  std::string command = std::string("LIFEBOAT_CRASH_AT=backup.before-commit ") + LIFEBOAT_BINARY;
  for (const auto& arg : inst.with({"backup", "--path", inst.data().string()})) {
    command += " '" + arg + "'";
  }
  EXPECT_EQ(chomp(run_shell(command + " 2>/dev/null; echo $?").out), "137");
  auto bucket = base.substr(5, base.find('?') - 5);
  auto endpoint = base.substr(base.find("endpoint=") + 9);
  endpoint = endpoint.substr(0, endpoint.find('&'));
  auto prefix = inst.store.substr(inst.store.find('/', 5) + 1);
  prefix = prefix.substr(0, prefix.find('?'));
  auto uploads = [&] {
    return run_shell("aws --endpoint-url " + endpoint + " s3api list-multipart-uploads --bucket " +
                     bucket + " --prefix '" + prefix + "/' --query 'length(Uploads || `[]`)' --output text")
        .out;
  };
  EXPECT_EQ(chomp(uploads()), "1");  // the killed backup's, invisible to every listing
  EXPECT_EQ(inst.list().size(), 0u);
  for (const auto& entry : nlohmann::json::parse(run_lifeboat({"store", "ls", "-r", "--json", inst.store}).out)) {
    EXPECT_EQ(entry["key"].get<std::string>().find(".lifeboat"), std::string::npos) << entry;
  }
  run_shell("aws --endpoint-url " + endpoint + " s3api delete-object --bucket " + bucket +
            " --key '" + prefix + "/tfe-backup/lease/00000000000000000001'");
  auto prune = run_lifeboat(inst.with({"prune", "--incomplete-older-than", "0s"}));
  ASSERT_EQ(prune.status, 0) << prune.err;
  EXPECT_EQ(chomp(uploads()), "0");
}

TEST(BackupCli, ShortLeaseExpiresByItself) {
  Installation inst;
  auto config = inst.dir.path() / "lease.toml";
  std::ofstream(config) << "[backup]\nlease = \"2s\"\n";
  auto args = inst.with({"backup", "--config", config.string(), "--path", inst.settings().string()});
  std::string command = std::string("LIFEBOAT_CRASH_AT=backup.before-commit ") + LIFEBOAT_BINARY;
  for (const auto& arg : args) {
    command += " '" + arg + "'";
  }
  run_shell(command);
  EXPECT_EQ(run_lifeboat(args).status, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto later = run_lifeboat(args);
  EXPECT_EQ(later.status, 0) << later.err;
}

TEST(BackupCli, KillDuringRestoreThenRerunConverges) {
  Installation inst;
  auto wanted_data = tree(inst.data());
  auto wanted_settings = read_file(inst.settings());
  ASSERT_EQ(inst.backup().status, 0);
  for (const char* point : {"restore.mid-extract", "restore.before-swap", "restore.between-swaps"}) {
    SCOPED_TRACE(point);
    // Local changes made after the snapshot: the old state a crash must not half-destroy.
    std::ofstream(inst.data() / "objects/small.txt") << "local change";
    std::ofstream(inst.settings()) << "local settings";
    auto old_data = tree(inst.data());
    std::string command = std::string("LIFEBOAT_CRASH_AT=") + point + " " + LIFEBOAT_BINARY;
    for (const auto& arg : inst.with({"restore"})) {
      command += " '" + arg + "'";
    }
    auto killed = run_shell(command + " 2>/dev/null; echo $?");
    EXPECT_EQ(chomp(killed.out), "137");
    // Each path is whole: either as it was or as restored.
    auto data_now = tree(inst.data());
    EXPECT_TRUE(data_now == old_data || data_now == wanted_data);
    auto settings_now = read_file(inst.settings());
    EXPECT_TRUE(settings_now == "local settings" || settings_now == wanted_settings);
    auto rerun = run_lifeboat(inst.with({"restore"}));
    ASSERT_EQ(rerun.status, 0) << rerun.err;
    EXPECT_EQ(tree(inst.data()), wanted_data);
    EXPECT_EQ(read_file(inst.settings()), wanted_settings);
  }
}

TEST(BackupCli, DiskFullDuringRestoreKeepsTheOldState) {
  Installation inst;
  ASSERT_EQ(run_lifeboat(inst.with({"backup", "--path", inst.data().string()})).status, 0);
  // A 6 MiB file system holding the live data: the 12 MiB snapshot cannot fit beside it.
  auto mount = inst.dir.path() / "small-disk";
  fs::create_directories(mount);
  std::string script = "set -e; mount -t tmpfs -o size=6m tmpfs '" + mount.string() + "'; " +
                       "mkdir -p '" + mount.string() + "/live/var/lib/tfe'; " +
                       "echo old-state > '" + mount.string() + "/live/var/lib/tfe/marker'; " +
                       "set +e; " + LIFEBOAT_BINARY;
  for (const auto& arg : inst.with({"restore", "--target", (mount / "live").string()})) {
    script += " '" + arg + "'";
  }
  script += "; echo \"status=$?\"; cat '" + mount.string() + "/live/var/lib/tfe/marker'; ls -a '" +
            mount.string() + "'";
  std::ofstream(inst.dir.path() / "disk-full.sh") << script << "\n";
  // A mount namespace of its own: the small disk vanishes with the shell.
  auto result = run_shell("unshare --mount sh " + (inst.dir.path() / "disk-full.sh").string());
  EXPECT_NE(result.out.find("status=1"), std::string::npos) << result.out << result.err;
  EXPECT_NE(result.err.find("lifeboat: unable to write"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("No space left on device; free space on that disk and try again"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("old-state"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("staging"), std::string::npos) << "staging left behind: " << result.out;
}

TEST(BackupCli, PruneKeepsWhatThePolicySaysAndTheNewestValid) {
  Installation inst;
  ASSERT_EQ(run_lifeboat(inst.with({"backup", "--path", inst.settings().string()})).status, 0);
  auto real = inst.list()[0]["key"].get<std::string>();
  auto store_dir = inst.dir.path() / "store";
  // Thirty snapshots an hour apart over two days (copies of one real snapshot).
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i) {
    char name[80];
    std::snprintf(name, sizeof name, "2026110%dT%02d3000.000Z_201705-1_%08x.lifeboat", 3 + i / 24,
                  i % 24, i);
    fs::copy_file(store_dir / real, store_dir / "tfe-backup" / name);
    names.push_back(name);
  }
  fs::remove(store_dir / real);
  // The newest is damaged: the policy keeps it, but the newest *valid* must stay too.
  std::ofstream(store_dir / "tfe-backup" / names.back(), std::ios::trunc) << "damaged";
  auto dry = run_lifeboat(inst.with({"--json", "prune", "--dry-run", "--keep-hourly", "3",
                                     "--keep-daily", "1", "--keep-weekly", "0"}));
  ASSERT_EQ(dry.status, 0) << dry.err;
  auto plan = nlohmann::json::parse(dry.out);
  EXPECT_EQ(plan["newest_valid"], names[28]);
  EXPECT_EQ(inst.list().size(), 30u);  // a dry run removes nothing
  auto pruned = run_lifeboat(inst.with({"prune", "--keep-hourly", "3", "--keep-daily", "1",
                                        "--keep-weekly", "0"}));
  ASSERT_EQ(pruned.status, 0) << pruned.err;
  std::vector<std::string> left;
  for (const auto& row : inst.list()) {
    left.push_back(row["name"]);
  }
  // Hours 29, 28, 27 (the last three), day 2's newest is 29; nothing else.
  EXPECT_EQ(left, (std::vector<std::string>{names[29], names[28], names[27]}));
  // With nothing else, the policy would drop the only valid snapshot: it stays.
  auto zero = run_lifeboat(inst.with({"prune", "--keep-hourly", "0", "--keep-daily", "0",
                                      "--keep-weekly", "0"}));
  ASSERT_EQ(zero.status, 0) << zero.err;
  left.clear();
  for (const auto& row : inst.list()) {
    left.push_back(row["name"]);
  }
  EXPECT_EQ(left, (std::vector<std::string>{names[28]}));
}

}  // namespace lifeboat::test
