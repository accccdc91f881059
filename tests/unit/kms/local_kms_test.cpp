// The local KMS driver: addresses, keyring permissions, rotation.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "kms/local/local_kms.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"

namespace lifeboat::kms {

TEST(LocalKmsAddress, AcceptedAndRejected) {
  auto options = parse_local_address("local:///etc/lifeboat/keyring?key=tfe-1");
  EXPECT_EQ(options.keyring, "/etc/lifeboat/keyring");
  EXPECT_EQ(options.key, "tfe-1");
  EXPECT_EQ(parse_local_address("local://rel/ring?key=k").keyring, "rel/ring");
  for (std::string bad : {"local:///x", "local:///x?key=", "local:///x?name=k", "file:///x?key=k",
                          "local:///x?key=a/b", "local://?key=k"}) {
    EXPECT_THROW(parse_local_address(bad), Error) << bad;
  }
}

TEST(LocalKms, ReadableKeyringIsRefused) {
  test::TempDir dir;
  LocalKmsOptions options{dir.path() / "keyring", "tfe"};
  create_local_key(options);
  ::chmod(options.keyring.c_str(), 0644);
  try {
    make_local_kms(options);
    FAIL() << "a world-readable keyring was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsafe);
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
}

TEST(LocalKms, MissingKeyAndDuplicateName) {
  test::TempDir dir;
  LocalKmsOptions options{dir.path() / "keyring", "tfe"};
  create_local_key(options);
  EXPECT_THROW(create_local_key(options), Error);
  try {
    make_local_kms({options.keyring, "other"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
}

TEST(LocalKms, ConcurrentRotationsLoseNoVersion) {
  test::TempDir dir;
  LocalKmsOptions options{dir.path() / "keyring", "tfe"};
  create_local_key(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        rotate_local_key(options);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  auto versions = describe_local_key(options);
  ASSERT_EQ(versions.size(), 21u);
  for (std::uint32_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i].version, i + 1);
  }
}

}  // namespace lifeboat::kms
