// The boot journal: written durably, read back whole, and a damaged one refused.
#include "ops/boot_journal.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::ops {
namespace {

TEST(BootJournal, NoneOnANewInstance) {
  test::TempDir dir;
  EXPECT_FALSE(load_boot_journal(dir.path() / "state").has_value());
}

TEST(BootJournal, RoundTrips) {
  test::TempDir dir;
  BootJournal journal{.user_data = {{"release", "201706-1"}},
                      .decision = "recover",
                      .snapshot = "20261125T031500.123Z_201705-1_1a2b3c4d.lifeboat",
                      .snapshot_release = "201705-1",
                      .release = "201706-1",
                      .steps = {"user-data", "bundle"},
                      .upgrades = {"201705-1>201706-1#1"},
                      .restore = {{"database", "restored"}},
                      .complete = true,
                      .started = "2026-11-25T03:15:00Z",
                      .boots = 3};
  save_boot_journal(dir.path() / "state", journal);
  struct stat st {};
  ASSERT_EQ(::stat(boot_journal_path(dir.path() / "state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = load_boot_journal(dir.path() / "state");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->decision, "recover");
  EXPECT_EQ(back->snapshot_release, "201705-1");
  EXPECT_TRUE(back->has_step("bundle"));
  EXPECT_FALSE(back->has_step("unseal"));
  EXPECT_TRUE(back->has_upgrade("201705-1>201706-1#1"));
  EXPECT_EQ(back->restore["database"], "restored");
  EXPECT_TRUE(back->complete);
  EXPECT_EQ(back->boots, 3);
  EXPECT_EQ(back->user_data["release"], "201706-1");
}

TEST(BootJournal, DamagedIsRefusedNotGuessed) {
  test::TempDir dir;
  make_directories(dir.path());
  for (const char* text : {"{\"steps\": \"not a list\"}", "[1]", "{trunc"}) {
    write_file_atomic(boot_journal_path(dir.path()), text);
    try {
      load_boot_journal(dir.path());
      ADD_FAILURE() << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::corrupt);
      EXPECT_NE(std::string(e.what()).find("move it aside"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace lifeboat::ops
