// The backup lease on the file store and on rgw: one holder at a time, expiry, races.
#include "ops/lease.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/test_env.hpp"
#include "util/error.hpp"

namespace lifeboat::ops {
namespace {

constexpr const char* k_prefix = "tfe-backup/lease/";

std::string lease_error(store::Store& store, const LeaseOptions& options) {
  try {
    Lease::acquire(store, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::precondition_failed);
    return e.what();
  }
  return "";
}

void check_lease(store::Store& store) {
  {
    auto lease = Lease::acquire(store, {.prefix = k_prefix, .holder = "first"});
    auto message = lease_error(store, {.prefix = k_prefix, .holder = "second"});
    EXPECT_NE(message.find("'first' holds the lease until"), std::string::npos) << message;
    lease->check_held();
  }
  // Released: the next one takes it, and superseded generations are gone.
  auto again = Lease::acquire(store, {.prefix = k_prefix, .holder = "third"});
  EXPECT_LE(store.list_all({.prefix = k_prefix}).size(), 2u);
  again->release();
  EXPECT_EQ(store.list_all({.prefix = k_prefix}).size(), 1u);

  // A crashed holder: a generation that nobody renews, already expired.
  nlohmann::json stale = {{"holder", "crashed:1"}, {"expires", 1}, {"released", false}};
  store::put_all(store, std::string(k_prefix) + "00000000009999999990", stale.dump());
  auto taken = Lease::acquire(store, {.prefix = k_prefix, .holder = "after-crash"});
  taken->release();

  // A live holder that is not us.
  nlohmann::json live = {{"holder", "elsewhere:2"}, {"expires", 4'000'000'000}, {"released", false}};
  store::put_all(store, std::string(k_prefix) + "00000000009999999995", live.dump());
  EXPECT_NE(lease_error(store, {.prefix = k_prefix}).find("'elsewhere:2'"), std::string::npos);
  store.remove(std::string(k_prefix) + "00000000009999999995");
}

void check_race(store::Store& store) {
  std::atomic<int> winners{0};
  std::atomic<int> refused{0};
  std::vector<std::unique_ptr<Lease>> held(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      try {
        held[i] = Lease::acquire(store, {.prefix = "race/lease/", .holder = std::to_string(i)});
        ++winners;
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::precondition_failed) {
          ++refused;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

TEST(Lease, FileStore) {
  test::TempDir dir;
  auto store = store::Store::open("file://" + dir.path().string());
  check_lease(store);
}

TEST(Lease, FileStoreRace) {
  test::TempDir dir;
  auto store = store::Store::open("file://" + dir.path().string());
  check_race(store);
}

TEST(Lease, Rgw) {
  REQUIRE_S3(base);
  auto store = store::Store::open(test::fresh_s3_address(base));
  check_lease(store);
  check_race(store);
}

TEST(Lease, RenewalKeepsItAlive) {
  test::TempDir dir;
  auto store = store::Store::open("file://" + dir.path().string());
  auto lease = Lease::acquire(store, {.prefix = k_prefix, .duration = std::chrono::seconds(3)});
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));  // past the first expiry
  lease->check_held();
  EXPECT_FALSE(lease_error(store, {.prefix = k_prefix}).empty());
}

}  // namespace
}  // namespace lifeboat::ops
