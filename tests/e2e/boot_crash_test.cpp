// A boot killed (SIGKILL, as a power cut would) at every step, then booted again,
// converges: the same files, the same rows, verify passes, and no upgrade hook ran twice.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/boot_rig.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {
namespace {

namespace fs = std::filesystem;

struct CrashRig {
  TempDir keys;
  BootRig rig;
  std::string files;
  std::string rows;
  explicit CrashRig(const std::string& server)
      : rig(server, local_region(keys)) {
    EXPECT_EQ(rig.init().status, 0);
    EXPECT_EQ(rig.boot().status, 0);
    rig.fill();
    // Large enough for the restore's own mid-extract crash point (after 4 MiB).
    std::ofstream(rig.data() / "big.bin") << random_data(6 << 20, 99);
    files = rig.files_digest();
    rows = rig.db_digest();
    auto backed = rig.backup();
    EXPECT_EQ(backed.status, 0) << backed.err;
  }
  // Boots with the process killed at `point`; true if it died there.
  bool crash_at(const std::string& point) const {
    auto killed =
        rig.lifeboat("boot -q --user-data '" + rig.user_data().string() + "' 2>/dev/null; echo $?",
                     "LIFEBOAT_CRASH_AT=" + point);
    return trim(killed.out) == "137";
  }
};

TEST(BootCrash, EveryStepThenBootAgainConverges) {
  REQUIRE_PG(server);
  CrashRig crash(server);
  auto& rig = crash.rig;
  for (const char* point :
       {"boot.after-user-data", "boot.after-bundle", "boot.after-decide", "restore.mid-extract",
        "restore.after-database", "restore.before-swap", "restore.between-swaps",
        "boot.after-restore", "boot.after-release", "boot.after-unseal"}) {
    SCOPED_TRACE(point);
    rig.destroy_instance();
    rig.empty_database();
    ASSERT_TRUE(crash.crash_at(point));
    auto again = rig.boot();
    ASSERT_EQ(again.status, 0) << again.err;
    auto result = nlohmann::json::parse(again.out);
    EXPECT_EQ(result["decision"], "recover");
    EXPECT_EQ(rig.files_digest(), crash.files);
    EXPECT_EQ(rig.db_digest(), crash.rows);
    auto verified = rig.verify();
    EXPECT_EQ(verified.status, 0) << verified.out;
    // Nothing of a staged restore is left beside the data.
    EXPECT_FALSE(fs::exists(rig.data().parent_path() / ".tfe.lifeboat-staging"));
  }
}

TEST(BootCrash, AnUpgradeHookNeverRunsTwice) {
  REQUIRE_PG(server);
  CrashRig crash(server);
  auto& rig = crash.rig;
  rig.destroy_instance();
  rig.set_user_data_release("201706-1");
  // Killed after the first of the two upgrade hooks finished.
  ASSERT_TRUE(crash.crash_at("boot.after-upgrade-hook"));
  EXPECT_EQ(rig.upgrade_log(), "1 201705-1>201706-1\n");
  auto again = rig.boot();
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(rig.upgrade_log(), "1 201705-1>201706-1\n2\n");
  EXPECT_EQ(nlohmann::json::parse(again.out)["resumed"], true);
  EXPECT_EQ(rig.lifeboat("verify --release 201706-1").status, 0);
  // A later reboot killed after deciding, then resumed, runs none of them again either.
  ASSERT_TRUE(crash.crash_at("boot.after-decide"));
  ASSERT_EQ(rig.boot().status, 0);
  EXPECT_EQ(rig.upgrade_log(), "1 201705-1>201706-1\n2\n");
}

TEST(BootCrash, KilledRebootConvergesWithoutRestoring) {
  REQUIRE_PG(server);
  CrashRig crash(server);
  auto& rig = crash.rig;
  ASSERT_TRUE(crash.crash_at("boot.after-decide"));
  auto again = rig.boot();
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["decision"], "reboot");
  EXPECT_EQ(again.err.find("restoring"), std::string::npos) << again.err;
  EXPECT_EQ(rig.verify().status, 0);
}

}  // namespace
}  // namespace lifeboat::test
