// The bootstrap bundle: sealed under the KMS key, readable only with it, rewrappable
// for another region's key, and never in the clear in the store.
#include "ops/bootstrap.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "kms/local/local_kms.hpp"
#include "ops/snapshot_ops.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::ops {
namespace {

constexpr const char* k_password = "correct-horse-battery-staple";

struct Rig {
  test::TempDir dir;
  store::Store store;
  kms::Kms kms;
  kms::Kms other;
  explicit Rig(const std::string& store_address = "")
      : store(store::Store::open(store_address.empty() ? "file://" + dir.path().string() + "/store"
                                                       : store_address)),
        kms(make_key("a")),
        other(make_key("b")) {}
  kms::Kms make_key(const std::string& name) {
    auto address = "local://" + (dir.path() / ("keyring-" + name)).string() + "?key=" + name;
    EXPECT_EQ(test::run_lifeboat({"keys", "create", "--kms", address}).status, 0);
    return kms::Kms::open(address);
  }
};

ErrorKind kind_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message != nullptr) {
      *message = e.what();
    }
    return e.kind();
  }
  return ErrorKind::internal;
}

void round_trip(Rig& rig) {
  BootstrapBundle bundle{.installation = "tfe", .database_password = k_password,
                         .secrets = {{"vault_seal", "seal-material"}}};
  write_bootstrap(rig.store, "lifeboat/bootstrap/tfe.bundle", rig.kms, bundle);
  auto read = read_bootstrap(rig.store, "lifeboat/bootstrap/tfe.bundle", rig.kms);
  EXPECT_EQ(read.installation, "tfe");
  EXPECT_EQ(read.database_password, k_password);
  EXPECT_EQ(read.secrets.at("vault_seal"), "seal-material");
  // Not in the clear anywhere in the stored object.
  auto stored = store::get_all(rig.store, "lifeboat/bootstrap/tfe.bundle");
  EXPECT_EQ(stored.find(k_password), std::string::npos);
  // Another region's key cannot open it, and the error names no secret.
  std::string message;
  EXPECT_EQ(kind_of([&] { read_bootstrap(rig.store, "lifeboat/bootstrap/tfe.bundle", rig.other); },
                    &message),
            ErrorKind::corrupt);
  EXPECT_EQ(message.find(k_password), std::string::npos);
  // Rewrapped for that key, it opens with it (copy to a second region).
  rewrap_snapshot(rig.store, "lifeboat/bootstrap/tfe.bundle", rig.kms, {&rig.other});
  EXPECT_EQ(read_bootstrap(rig.store, "lifeboat/bootstrap/tfe.bundle", rig.other).database_password,
            k_password);
}

TEST(Bootstrap, RoundTripFileStore) {
  Rig rig;
  round_trip(rig);
}

TEST(Bootstrap, RoundTripRgw) {
  REQUIRE_S3(base);
  Rig rig(test::fresh_s3_address(base));
  round_trip(rig);
}

TEST(Bootstrap, MissingAndTamperedBundles) {
  Rig rig;
  EXPECT_EQ(kind_of([&] { read_bootstrap(rig.store, "lifeboat/bootstrap/none", rig.kms); }),
            ErrorKind::not_found);
  write_bootstrap(rig.store, "b", rig.kms, {.installation = "tfe", .database_password = k_password});
  auto path = rig.dir.path() / "store" / "b";
  auto bytes = read_file(path);
  for (std::size_t at : {std::size_t{20}, bytes.size() / 2, bytes.size() - 10}) {
    auto damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);
    write_file_atomic(path, damaged);
    EXPECT_EQ(kind_of([&] { read_bootstrap(rig.store, "b", rig.kms); }), ErrorKind::corrupt) << at;
  }
}

}  // namespace
}  // namespace lifeboat::ops
