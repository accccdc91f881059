// Boot-time recovery end to end, against PostgreSQL, radosgw and SoftHSM2: PTFE's
// single-region restore test (the instance is terminated, a fresh one with the same
// user data restores itself), reboots, upgrades, and every refusal.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/boot_rig.hpp"
#include "support/fake_imds.hpp"
#include "util/bytes.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {
namespace {

namespace fs = std::filesystem;

nlohmann::json json_of(const CommandResult& result) {
  auto document = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(document.is_discarded()) << result.out << result.err;
  return document;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

std::string options_store(const BootRig& rig) {
  return rig.options().store;
}

// A rig on rgw and SoftHSM2, initialised, with a first boot that installs, data, and one
// snapshot of it.
#define RGW_HSM_RIG(rig)                                 \
  REQUIRE_S3(base);                                      \
  REQUIRE_PG(server);                                    \
  REQUIRE_SOFTHSM(kms_address, "boot-" + random_hex(4)); \
  BootRig rig(server, {.store = fresh_s3_address(base), .kms = kms_address})

TEST(Boot, KilledInstanceRestoresItselfAndVerifies) {
  RGW_HSM_RIG(rig);
  auto made = rig.init();
  ASSERT_EQ(made.status, 0) << made.err;
  // The user data names everything and holds no secret.
  auto user_data = read_file(rig.user_data());
  EXPECT_FALSE(contains(user_data, pg_password().value_or("-")));
  EXPECT_FALSE(contains(user_data, "pin-value"));

  // The first boot of the first instance: no snapshot, an empty database: install.
  auto first = rig.boot();
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(json_of(first)["decision"], "install");
  EXPECT_TRUE(fs::exists(rig.keyring()));
  EXPECT_TRUE(contains(first.err, "1/7 user data")) << first.err;
  EXPECT_TRUE(contains(first.err, "7/7 started; healthy")) << first.err;
  ASSERT_EQ(rig.verify().status, 0) << rig.verify().out;

  // The installation runs and takes its hourly snapshot.
  rig.fill();
  auto files = rig.files_digest();
  auto rows = rig.db_digest();
  auto backed = rig.backup();
  ASSERT_EQ(backed.status, 0) << backed.err;

  // The instance is terminated (its disk is gone) and so is the database.
  rig.destroy_instance();
  rig.empty_database();

  // A fresh instance with the same user data brings itself back.
  auto recovered = rig.boot();
  ASSERT_EQ(recovered.status, 0) << recovered.err;
  auto result = json_of(recovered);
  EXPECT_EQ(result["decision"], "recover");
  EXPECT_EQ(result["snapshot"].get<std::string>() + "\n", backed.out);
  EXPECT_EQ(result["database"], "restored");
  EXPECT_EQ(rig.files_digest(), files);
  EXPECT_EQ(rig.db_digest(), rows);
  auto verified = rig.verify();
  EXPECT_EQ(verified.status, 0) << verified.out << verified.err;
  for (const auto* check :
       {"ok   booted", "ok   database", "ok   keyring", "ok   blobs", "ok   release"}) {
    EXPECT_TRUE(contains(verified.out, check)) << verified.out;
  }
  EXPECT_TRUE(contains(verified.out, "row counts of 2 tables match")) << verified.out;
  // The keys were unsealed into a private directory, never to the disk in the clear.
  struct stat st {};
  ASSERT_EQ(::stat(rig.runtime().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((rig.runtime() / "keyring.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Boot, InstanceTerminatedDatabaseKeptIsRecoveredWithoutTouchingIt) {
  RGW_HSM_RIG(rig);
  auto backed = rig.install_and_snapshot();
  ASSERT_EQ(backed.status, 0) << backed.err;
  rig.db().sql("INSERT INTO workspaces (name) VALUES ('after-the-snapshot')");
  auto rows = rig.db_digest();
  rig.destroy_instance();
  auto recovered = rig.boot();
  ASSERT_EQ(recovered.status, 0) << recovered.err;
  EXPECT_EQ(json_of(recovered)["database"], "already restored");
  EXPECT_EQ(rig.db_digest(), rows);  // the newer row is still there
  auto verified = rig.verify();
  EXPECT_EQ(verified.status, 0) << verified.out;
  EXPECT_TRUE(contains(verified.out, "the database was kept")) << verified.out;
}

TEST(Boot, RebootWithNothingChangedRestoresNothing) {
  RGW_HSM_RIG(rig);
  auto backed = rig.install_and_snapshot();
  ASSERT_EQ(backed.status, 0) << backed.err;
  auto inode = inode_of(rig.data() / "archivist/state-3.tfstate");
  auto files = rig.files_digest();
  auto again = rig.boot();
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(json_of(again)["decision"], "reboot");
  EXPECT_FALSE(contains(again.err, "restoring")) << again.err;
  EXPECT_TRUE(contains(again.err, "store: not looked at")) << again.err;
  EXPECT_EQ(inode_of(rig.data() / "archivist/state-3.tfstate"), inode);
  EXPECT_EQ(rig.files_digest(), files);
  EXPECT_EQ(rig.start_log(), "started\nstarted\n");
  EXPECT_EQ(rig.verify().status, 0);
}

TEST(Boot, RebootOntoAnEmptyDatabaseIsRefused) {
  REQUIRE_PG(server);
  TempDir keys;
  BootRig rig(server, local_region(keys));
  ASSERT_EQ(rig.init().status, 0);
  ASSERT_EQ(rig.boot().status, 0);
  rig.fill();
  rig.empty_database();  // lost while the instance lived
  auto refused = rig.boot();
  EXPECT_EQ(refused.status, 3) << refused.err;
  EXPECT_TRUE(contains(refused.err, "is empty; restore it from a snapshot first")) << refused.err;
  EXPECT_EQ(rig.start_log(), "started\n");
}

TEST(Boot, UpgradeFromAnOlderSnapshotRunsEachHookOnce) {
  RGW_HSM_RIG(rig);
  auto backed = rig.install_and_snapshot("201705-1");
  ASSERT_EQ(backed.status, 0) << backed.err;
  rig.destroy_instance();
  // The replacement instance runs the next release of the application.
  rig.set_user_data_release("201706-1");
  auto upgraded = rig.boot();
  ASSERT_EQ(upgraded.status, 0) << upgraded.err;
  auto result = json_of(upgraded);
  EXPECT_EQ(result["decision"], "recover");
  EXPECT_EQ(result["from_release"], "201705-1");
  EXPECT_EQ(result["upgrades_run"].size(), 2u);
  EXPECT_EQ(rig.upgrade_log(), "1 201705-1>201706-1\n2\n");
  EXPECT_TRUE(contains(upgraded.err, "5/7 release: upgraded from 201705-1 to 201706-1"));
  // A reboot on the new release runs no hook again.
  auto again = rig.boot();
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(json_of(again)["upgrades_run"].size(), 0u);
  EXPECT_EQ(rig.upgrade_log(), "1 201705-1>201706-1\n2\n");
  auto verified = rig.lifeboat("verify --release 201706-1");
  EXPECT_EQ(verified.status, 0) << verified.out;
}

TEST(Boot, DowngradeIsRefusedAndNothingTouched) {
  RGW_HSM_RIG(rig);
  auto backed = rig.install_and_snapshot("201706-1");
  ASSERT_EQ(backed.status, 0) << backed.err;
  rig.destroy_instance();
  rig.set_user_data_release("201705-1");
  auto refused = rig.boot();
  EXPECT_EQ(refused.status, 3) << refused.err;
  EXPECT_TRUE(contains(refused.err, "is of the newer release 201706-1")) << refused.err;
  EXPECT_FALSE(fs::exists(rig.data()));
  EXPECT_FALSE(fs::exists(rig.runtime()));
  EXPECT_EQ(rig.start_log(), "started\n");  // the first boot's only
  // A reboot onto an older release is refused the same way.
  rig.set_user_data_release("201706-1");
  ASSERT_EQ(rig.boot().status, 0);
  rig.set_user_data_release("201705-2");
  auto back = rig.boot();
  EXPECT_EQ(back.status, 3) << back.err;
  EXPECT_TRUE(contains(back.err, "the local state is of the newer release 201706-1")) << back.err;
}

TEST(Boot, DamagedNewestSnapshotStopsTheBootUntilMovedAway) {
  REQUIRE_PG(server);
  TempDir keys;
  BootRig rig(server, local_region(keys));
  ASSERT_EQ(rig.init().status, 0);
  ASSERT_EQ(rig.boot().status, 0);
  rig.fill();
  auto older = rig.backup();
  ASSERT_EQ(older.status, 0) << older.err;
  auto files = rig.files_digest();
  std::ofstream(rig.etc() / "settings.json") << R"({"hostname":"changed"})";
  auto newer = rig.backup();
  ASSERT_EQ(newer.status, 0) << newer.err;
  auto name = newer.out.substr(0, newer.out.size() - 1);
  auto object = keys.path() / "store/tfe-backup" / name;
  {
    std::fstream file(object, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(fs::file_size(object) / 2));
    char byte = 0;
    file.get(byte);
    file.seekp(static_cast<std::streamoff>(fs::file_size(object) / 2));
    file.put(static_cast<char>(byte ^ 0x20));
  }
  rig.destroy_instance();
  // Unattended, boot does not fall back to older data by itself.
  auto failed = rig.boot();
  EXPECT_EQ(failed.status, 1) << failed.err;
  EXPECT_TRUE(contains(failed.err, "move 'tfe-backup/" + name + "' out of the prefix"))
      << failed.err;
  EXPECT_FALSE(fs::exists(rig.etc()));
  // The operator moves it away; the interrupted recovery finishes from the one before.
  ASSERT_EQ(run_lifeboat({"store", "rm", options_store(rig) + "/tfe-backup/" + name}).status, 0);
  auto booted = rig.boot();
  ASSERT_EQ(booted.status, 0) << booted.err;
  auto result = json_of(booted);
  EXPECT_EQ(result["snapshot"].get<std::string>() + "\n", older.out);
  EXPECT_EQ(result["resumed"], true);
  EXPECT_EQ(rig.files_digest(), files);
  EXPECT_EQ(rig.verify().status, 0);
}

TEST(Boot, FreshKeyringOverANonEmptyDatabaseIsRefused) {
  RGW_HSM_RIG(rig);
  ASSERT_EQ(rig.init().status, 0);
  rig.db().sql(
      "CREATE TABLE secrets (id int, ciphertext text); INSERT INTO secrets VALUES (1, 'x')");
  auto refused = rig.boot();
  EXPECT_EQ(refused.status, 3) << refused.err;
  EXPECT_TRUE(contains(refused.err, "holds data but the store has no snapshot")) << refused.err;
  EXPECT_TRUE(contains(refused.err, "unreadable")) << refused.err;
  EXPECT_FALSE(fs::exists(rig.keyring()));
  EXPECT_EQ(rig.db().sql("SELECT count(*) FROM secrets"), "1");
}

TEST(Boot, MissingKmsKeyIsTheSealedKeyringError) {
  RGW_HSM_RIG(rig);
  ASSERT_EQ(rig.init().status, 0);
  ASSERT_EQ(rig.boot().status, 0);
  // The KMS key is deleted from the HSM, with the HSM's own tool.
  auto object = kms_address.substr(kms_address.find("object=") + 7);
  object = object.substr(0, object.find('?'));
  auto deleted = run_shell(
      "pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label "
      "lifeboat-test --login --pin 123456 --delete-object --type secrkey "
      "--label '" +
      object + "' 2>&1");
  ASSERT_EQ(deleted.status, 0) << deleted.out;
  auto sealed = rig.boot();
  EXPECT_EQ(sealed.status, 3) << sealed.err;
  EXPECT_TRUE(contains(sealed.err, "the keyring is sealed")) << sealed.err;
  EXPECT_TRUE(contains(sealed.err, "of region 'test-1'")) << sealed.err;
  EXPECT_TRUE(contains(sealed.err, "object=" + object)) << sealed.err;
  EXPECT_EQ(rig.start_log(), "started\n");  // the application was not started again
}

TEST(Boot, ReadsItsUserDataOverImdsV2) {
  REQUIRE_PG(server);
  TempDir keys;
  BootRig rig(server, local_region(keys));
  ASSERT_EQ(rig.init().status, 0);
  FakeImds imds(read_file(rig.user_data()));
  auto booted = rig.lifeboat("boot --user-data '" + imds.url() + "'");
  ASSERT_EQ(booted.status, 0) << booted.err;
  EXPECT_EQ(imds.tokens.load(), 1);
  EXPECT_EQ(imds.refused.load(), 0);
  EXPECT_TRUE(contains(booted.err, "(from " + imds.url() + ")")) << booted.err;
}

TEST(Verify, FailsOnEachCanaryThatIsWrong) {
  REQUIRE_PG(server);
  TempDir keys;
  BootRig rig(server, local_region(keys));
  ASSERT_EQ(rig.init().status, 0);
  ASSERT_EQ(rig.boot().status, 0);
  rig.fill();
  auto name = rig.backup();
  ASSERT_EQ(name.status, 0) << name.err;
  rig.destroy_instance();
  rig.empty_database();
  ASSERT_EQ(rig.boot().status, 0);
  ASSERT_EQ(rig.verify().status, 0);
  // A damaged canary blob.
  auto blob = keys.path() / "store/lifeboat-canary" / name.out.substr(0, name.out.size() - 1);
  auto original = read_file(blob);
  write_file_atomic(blob, original + "x");
  auto bad = rig.verify();
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.out, "FAIL blobs")) << bad.out;
  EXPECT_TRUE(contains(bad.out, "ok   keyring")) << bad.out;
  write_file_atomic(blob, original);
  // A keyring that is not the database's (a fresh one in its place).
  auto keyring = read_file(rig.runtime() / "keyring.json");
  auto other = nlohmann::json::parse(keyring);
  other["keys"]["k1"] = to_base64(as_bytes(std::string(32, 'z')));
  write_file_atomic(rig.runtime() / "keyring.json", other.dump());
  bad = rig.verify();
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.out, "FAIL keyring")) << bad.out;
  EXPECT_TRUE(contains(bad.out, "cannot decrypt the secret")) << bad.out;
  write_file_atomic(rig.runtime() / "keyring.json", keyring);
  // Rows lost after the restore.
  rig.db().sql("DELETE FROM runs WHERE id < 10");
  bad = rig.verify();
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(contains(bad.out, "FAIL database  table 'public.runs' holds 4991 rows")) << bad.out;
  auto json = rig.lifeboat("--json verify");
  EXPECT_EQ(json.status, 1);
  EXPECT_EQ(json_of(json)["ok"], false);
}

TEST(Verify, BeforeAnyBootSaysSo) {
  REQUIRE_PG(server);
  TempDir keys;
  BootRig rig(server, local_region(keys));
  auto result = rig.verify();
  EXPECT_EQ(result.status, 1);
  EXPECT_TRUE(contains(result.out, "FAIL booted    no boot journal")) << result.out;
}

}  // namespace
}  // namespace lifeboat::test

namespace lifeboat::test {
namespace {

TEST(Init, RunAgainAdoptsAndNeverReplaces) {
  REQUIRE_PG(server);
  TempDir keys;
  BootRig rig(server, local_region(keys));
  // On the instance itself (the config names the keyring): init makes the keyring too,
  // and the first boot adopts it.
  auto made = rig.lifeboat("--json init --output '" + rig.user_data().string() + "'");
  ASSERT_EQ(made.status, 0) << made.err;
  auto first = nlohmann::json::parse(made.out);
  EXPECT_EQ(first["key_created"], true);
  EXPECT_EQ(first["bundle"], "created");
  EXPECT_EQ(first["keyring"], "created");
  auto keyring = read_file(rig.keyring());
  auto booted = rig.boot();
  ASSERT_EQ(booted.status, 0) << booted.err;
  EXPECT_EQ(nlohmann::json::parse(booted.out)["decision"], "install");
  EXPECT_EQ(read_file(rig.keyring()), keyring);

  auto again = rig.lifeboat("--json init");
  ASSERT_EQ(again.status, 0) << again.err;
  auto second = nlohmann::json::parse(again.out);
  EXPECT_EQ(second["key_created"], false);
  EXPECT_EQ(second["bundle"], "adopted");
  EXPECT_EQ(second["keyring"], "adopted");
  EXPECT_EQ(read_file(rig.keyring()), keyring);

  // Another KMS key cannot open the bundle: init refuses to replace it.
  auto other = "local://" + (keys.path() / "other-keyring").string() + "?key=other";
  auto refused = rig.lifeboat("init --kms '" + other + "'");
  EXPECT_EQ(refused.status, 3) << refused.err;
  EXPECT_NE(refused.err.find("refusing to replace the bootstrap bundle"), std::string::npos)
      << refused.err;
  EXPECT_EQ(rig.boot().status, 0);
}

TEST(Init, RefusesUserDataThatWouldHoldASecret) {
  TempDir dir;
  auto result = run_lifeboat({"init", "--release", "201705-1", "--store",
                              "file://" + (dir.path() / "store").string(), "--kms",
                              "local://" + (dir.path() / "k").string() + "?key=a", "--database",
                              "postgres://tfe:hunter2@127.0.0.1:5432/tfe"});
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_NE(result.err.find("holds a secret"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("hunter2"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "k"));  // nothing was made
}

}  // namespace
}  // namespace lifeboat::test
