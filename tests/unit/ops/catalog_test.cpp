// Snapshot names, releases and retention plans.
#include "ops/catalog.hpp"

#include <gtest/gtest.h>

#include "ops/prune.hpp"
#include "util/error.hpp"

namespace lifeboat::ops {
namespace {

using namespace std::chrono;

system_clock::time_point at(int day, int hour, int minute = 0) {
  // 2026-11-02 (a Monday) is day 0.
  return system_clock::from_time_t(1'793'577'600) + days(day) + hours(hour) + minutes(minute);
}

TEST(SnapshotNames, RoundTripAndSortByTime) {
  SnapshotName name{.time = at(0, 3, 15), .release = "201705-2", .id = "1a2b3c4d"};
  auto text = format_snapshot_name(name);
  EXPECT_EQ(text, "20261102T031500.000Z_201705-2_1a2b3c4d.lifeboat");
  auto parsed = parse_snapshot_name(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->time, name.time);
  EXPECT_EQ(parsed->release, "201705-2");
  EXPECT_EQ(parsed->id, "1a2b3c4d");
  EXPECT_LT(format_snapshot_name({.time = at(0, 9), .release = "201801-1", .id = "ffffffff"}),
            format_snapshot_name({.time = at(0, 10), .release = "201705-1", .id = "00000000"}));
  // Within one second, too.
  auto later = at(0, 9) + std::chrono::milliseconds(7);
  EXPECT_LT(format_snapshot_name({.time = at(0, 9), .release = "201705-1", .id = "ffffffff"}),
            format_snapshot_name({.time = later, .release = "201705-1", .id = "00000000"}));
  EXPECT_EQ(parse_snapshot_name(format_snapshot_name({.time = later, .release = "201705-1",
                                                      .id = "00000000"}))->time,
            later);
}

TEST(SnapshotNames, RejectsOtherObjects) {
  for (const char* bad : {"", "lease", "20261102T031500.000Z_201705-2_1a2b3c4d.lifeboat.partial",
                          "20261102T031500.000Z_2017-2_1a2b3c4d.lifeboat",
                          "20261102T031500.000Z_201705-2_1A2B3C4D.lifeboat",
                          "2026110xT031500.000Z_201705-2_1a2b3c4d.lifeboat",
                          "20261102T031500.000Z__1a2b3c4d.lifeboat"}) {
    EXPECT_FALSE(parse_snapshot_name(bad)) << bad;
  }
}

TEST(Releases, OrderByMonthThenNumber) {
  EXPECT_LT(*parse_release("201705-9"), *parse_release("201706-1"));
  EXPECT_LT(*parse_release("201705-2"), *parse_release("201705-10"));
  EXPECT_FALSE(parse_release("201713-1"));
  EXPECT_FALSE(parse_release("2017-05-1"));
  EXPECT_FALSE(parse_release("201705-"));
  EXPECT_THROW(check_release("latest", "the installation"), Error);
}

std::vector<SnapshotListing> hourly_for(int days_back) {
  std::vector<SnapshotListing> list;
  for (int day = days_back - 1; day >= 0; --day) {
    for (int hour = 23; hour >= 0; --hour) {
      SnapshotName name{.time = at(day, hour), .release = "201705-1", .id = "00000000"};
      list.push_back({"tfe-backup/" + format_snapshot_name(name), format_snapshot_name(name), name, 1});
    }
  }
  return list;
}

std::size_t kept(const std::vector<PruneDecision>& decisions) {
  std::size_t n = 0;
  for (const auto& d : decisions) {
    n += d.keep ? 1 : 0;
  }
  return n;
}

TEST(PrunePlan, KeepsWhatThePolicySays) {
  auto list = hourly_for(35);  // five weeks of hourly snapshots, newest first
  auto decisions = plan_prune(list, {.hourly = 24, .daily = 7, .weekly = 4}, 0);
  // 24 hourly (the last day), 6 more days, and weeks: the newest of 4 distinct weeks
  // of which the first is already kept.
  EXPECT_TRUE(decisions[0].keep);
  EXPECT_EQ(decisions[0].reason, "hourly, daily, weekly");
  for (int i = 0; i < 24; ++i) {
    EXPECT_TRUE(decisions[i].keep) << i;
  }
  EXPECT_FALSE(decisions[24 + 1].keep);
  EXPECT_TRUE(decisions[24].keep);  // the newest of the day before
  EXPECT_EQ(decisions[24].reason, "daily");
  EXPECT_EQ(kept(decisions), 24u + 6 + 3 + 0);
}

TEST(PrunePlan, NewestValidIsAlwaysKept) {
  auto list = hourly_for(2);
  auto decisions = plan_prune(list, {.hourly = 0, .daily = 0, .weekly = 0}, 5);
  EXPECT_EQ(kept(decisions), 1u);
  EXPECT_TRUE(decisions[5].keep);
  EXPECT_EQ(decisions[5].reason, "newest valid");
}

TEST(PrunePlan, EmptyListIsFine) { EXPECT_TRUE(plan_prune({}, {}, std::nullopt).empty()); }

}  // namespace
}  // namespace lifeboat::ops
