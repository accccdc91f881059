// `lifeboat keys` and `lifeboat snapshot` end to end, on local files and on the S3 server.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_env.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {

namespace {

namespace fs = std::filesystem;

struct Rig {
  TempDir dir;
  std::string kms;
  Rig() {
    fs::create_directories(dir.path() / "data" / "d");
    std::ofstream(dir.path() / "data" / "d" / "f.bin") << random_data(2'000'000, 31);
    std::ofstream(dir.path() / "data" / "g.txt") << "gamma";
    kms = "local://" + (dir.path() / "keyring").string() + "?key=tfe";
  }
  std::string path(const std::string& name) const { return (dir.path() / name).string(); }
};

}  // namespace

TEST(KeysCli, CreateShowRotate) {
  Rig rig;
  auto created = run_lifeboat({"--json", "keys", "create", "--kms", rig.kms});
  ASSERT_EQ(created.status, 0) << created.err;
  EXPECT_EQ(nlohmann::json::parse(created.out)["current_key_id"], "local:tfe#1");
  struct stat st{};
  ASSERT_EQ(::stat(rig.path("keyring").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(rig.path("keyring")).find(created.out), std::string::npos);

  ASSERT_EQ(run_lifeboat({"keys", "rotate", "--kms", rig.kms}).status, 0);
  auto shown = run_lifeboat({"--json", "keys", "show", "--kms", rig.kms});
  auto json = nlohmann::json::parse(shown.out);
  EXPECT_EQ(json["current_key_id"], "local:tfe#2");
  EXPECT_EQ(json["versions"].size(), 2u);
  EXPECT_EQ(shown.out.find("material"), std::string::npos);

  auto again = run_lifeboat({"keys", "create", "--kms", rig.kms});
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 1);

  ::chmod(rig.path("keyring").c_str(), 0644);
  auto unsafe = run_lifeboat({"keys", "show", "--kms", rig.kms});
  EXPECT_EQ(unsafe.status, 3) << unsafe.err;

  auto pkcs11 = run_lifeboat({"keys", "show", "--kms", "pkcs11:token=t;object=o?pin-value=1234"});
  EXPECT_EQ(pkcs11.status, 2);
  EXPECT_NE(pkcs11.err.find("module-path= is required"), std::string::npos) << pkcs11.err;
  EXPECT_EQ(pkcs11.err.find("1234"), std::string::npos) << "a PIN was printed";

  auto aws = run_lifeboat({"keys", "rotate", "--kms", "awskms:arn:aws:kms:eu-west-1:1:key/k"});
  EXPECT_EQ(aws.status, 1);
  EXPECT_NE(aws.err.find("made and rotated in AWS KMS itself"), std::string::npos) << aws.err;
}

TEST(SnapshotCli, CreateInspectVerifyDecryptRewrap) {
  Rig rig;
  ASSERT_EQ(run_lifeboat({"keys", "create", "--kms", rig.kms}).status, 0);
  auto made = run_lifeboat({"--json", "snapshot", "create", "--kms", rig.kms, "--path",
                            rig.path("data"), "--release", "201705-2", rig.path("s.lb")});
  ASSERT_EQ(made.status, 0) << made.err;
  auto id = nlohmann::json::parse(made.out)["snapshot_id"].get<std::string>();

  auto inspected = run_lifeboat({"--json", "snapshot", "inspect", rig.path("s.lb")});
  ASSERT_EQ(inspected.status, 0) << inspected.err;
  auto header = nlohmann::json::parse(inspected.out);
  EXPECT_EQ(header["snapshot_id"], id);
  EXPECT_EQ(header["release"], "201705-2");
  EXPECT_EQ(header["key_slots"][0]["key_id"], "local:tfe#1");

  EXPECT_EQ(run_lifeboat({"snapshot", "verify", "--kms", rig.kms, rig.path("s.lb")}).status, 0);
  auto decrypted = run_lifeboat({"snapshot", "decrypt", "--kms", rig.kms, rig.path("s.lb"),
                                 rig.path("plain.tar.zst")});
  ASSERT_EQ(decrypted.status, 0) << decrypted.err;
  auto listing = run_shell("tar --zstd -tf " + rig.path("plain.tar.zst"));
  EXPECT_EQ(listing.status, 0);
  EXPECT_NE(listing.out.find("data/d/f.bin"), std::string::npos) << listing.out;

  auto dr = "local://" + rig.path("keyring-dr") + "?key=dr";
  ASSERT_EQ(run_lifeboat({"keys", "create", "--kms", dr}).status, 0);
  auto rewrapped = run_lifeboat({"snapshot", "rewrap", "--from-kms", rig.kms, "--to-kms", dr,
                                 rig.path("s.lb")});
  ASSERT_EQ(rewrapped.status, 0) << rewrapped.err;
  EXPECT_EQ(run_lifeboat({"snapshot", "verify", "--kms", dr, rig.path("s.lb")}).status, 0);
  auto refused = run_lifeboat({"snapshot", "verify", "--kms", rig.kms, rig.path("s.lb")});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("opens none of its key slots"), std::string::npos) << refused.err;
}

TEST(SnapshotCli, DamagedSnapshotIsOneLineAndExitOne) {
  Rig rig;
  ASSERT_EQ(run_lifeboat({"keys", "create", "--kms", rig.kms}).status, 0);
  ASSERT_EQ(run_lifeboat({"snapshot", "create", "--kms", rig.kms, "--path", rig.path("data"),
                          rig.path("s.lb")}).status, 0);
  auto data = read_file(rig.path("s.lb"));
  data[data.size() / 2] ^= 0x10;
  write_file_atomic(rig.path("s.lb"), data);
  auto result = run_lifeboat({"snapshot", "verify", "--kms", rig.kms, rig.path("s.lb")});
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_NE(result.err.find("failed authentication"), std::string::npos) << result.err;
}

TEST(SnapshotCli, SnapshotInS3) {
  REQUIRE_S3(base);
  Rig rig;
  ASSERT_EQ(run_lifeboat({"keys", "create", "--kms", rig.kms}).status, 0);
  auto address = fresh_s3_address(base);
  auto q = address.find('?');
  auto object = address.substr(0, q) + "/tfe-backup/s.lb" + address.substr(q);
  auto made = run_lifeboat({"snapshot", "create", "--kms", rig.kms, "--path", rig.path("data"), object});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(run_lifeboat({"snapshot", "verify", "--kms", rig.kms, object}).status, 0);
  auto dr = "local://" + rig.path("keyring-dr") + "?key=dr";
  ASSERT_EQ(run_lifeboat({"keys", "create", "--kms", dr}).status, 0);
  auto rewrapped = run_lifeboat({"snapshot", "rewrap", "--from-kms", rig.kms, "--to-kms", dr, object});
  ASSERT_EQ(rewrapped.status, 0) << rewrapped.err;
  auto verified = run_lifeboat({"snapshot", "verify", "--kms", dr, object});
  EXPECT_EQ(verified.status, 0) << verified.err;
  run_lifeboat({"store", "rm", object});
}

}  // namespace lifeboat::test

namespace lifeboat::test {

TEST(SnapshotCli, RewrapFromLocalKeyToHsmKey) {
  auto hsm = softhsm_address("dr-kek");
  if (!hsm) {
    if (skips_forbidden()) {
      FAIL() << "SoftHSM2 is not installed and skipping is forbidden (CI)";
    }
    GTEST_SKIP() << "SoftHSM2 is not installed";
  }
  Rig rig;
  ASSERT_EQ(run_lifeboat({"keys", "create", "--kms", rig.kms}).status, 0);
  auto created = run_lifeboat({"keys", "create", "--kms", *hsm});
  ASSERT_EQ(created.status, 0) << created.err;
  EXPECT_EQ(created.out.find("123456"), std::string::npos) << "the PIN was printed";
  // The KEK stays in the token: its value cannot be read out.
  auto read = run_shell("pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label "
                        "lifeboat-test --login --pin 123456 --read-object --type secrkey "
                        "--label dr-kek -o /dev/null");
  EXPECT_NE(read.status, 0) << "the HSM key could be read out";

  ASSERT_EQ(run_lifeboat({"snapshot", "create", "--kms", rig.kms, "--path", rig.path("data"),
                          rig.path("s.lb")}).status, 0);
  auto rewrapped = run_lifeboat({"snapshot", "rewrap", "--from-kms", rig.kms, "--to-kms", *hsm,
                                 rig.path("s.lb")});
  ASSERT_EQ(rewrapped.status, 0) << rewrapped.err;
  auto with_hsm = run_lifeboat({"snapshot", "verify", "--kms", *hsm, rig.path("s.lb")});
  EXPECT_EQ(with_hsm.status, 0) << with_hsm.err;
  auto with_local = run_lifeboat({"snapshot", "verify", "--kms", rig.kms, rig.path("s.lb")});
  EXPECT_EQ(with_local.status, 1);
  EXPECT_NE(with_local.err.find("opens none of its key slots"), std::string::npos) << with_local.err;

  // Rotating the HSM key adds version 2 in the token; the snapshot wrapped by version 1
  // still opens, and a new one is wrapped by version 2.
  auto rotated = run_lifeboat({"--json", "keys", "rotate", "--kms", *hsm});
  ASSERT_EQ(rotated.status, 0) << rotated.err;
  EXPECT_NE(rotated.out.find("object=dr-kek#2"), std::string::npos) << rotated.out;
  EXPECT_EQ(run_lifeboat({"snapshot", "verify", "--kms", *hsm, rig.path("s.lb")}).status, 0);
  ASSERT_EQ(run_lifeboat({"snapshot", "create", "--kms", *hsm, "--path", rig.path("data"),
                          rig.path("s2.lb")}).status, 0);
  auto header = run_lifeboat({"--json", "snapshot", "inspect", rig.path("s2.lb")});
  EXPECT_NE(header.out.find("object=dr-kek#2"), std::string::npos) << header.out;
}

}  // namespace lifeboat::test
