// The cases of the KMS conformance suite.
#include "conformance/kms_conformance.hpp"

#include <thread>

#include "support/test_env.hpp"
#include "util/error.hpp"

namespace lifeboat::test {

namespace {

kms::SecretBytes secret(std::size_t size, std::uint64_t seed) {
  auto data = random_data(size, seed);
  return kms::SecretBytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

std::optional<ErrorKind> unwrap_kind(kms::Kms& kms, const std::vector<std::uint8_t>& blob,
                                     std::string* message = nullptr) {
  try {
    kms.unwrap(blob);
  } catch (const Error& e) {
    if (message != nullptr) {
      *message = e.what();
    }
    return e.kind();
  }
  return std::nullopt;
}

}  // namespace

void KmsConformance::SetUp() {
  m_keys = GetParam().make();
  if (!m_keys) {
    if (skips_forbidden()) {
      FAIL() << GetParam().name << " KMS is not configured and skipping is forbidden (CI)";
    }
    GTEST_SKIP() << GetParam().name << " KMS is not configured";
  }
}

TEST_P(KmsConformance, RoundTripsAreByteExact) {
  for (std::size_t size : {1, 16, 32, 64}) {
    auto plain = secret(size, size);
    EXPECT_TRUE(key().unwrap(key().wrap(plain)) == plain) << size;
  }
  EXPECT_THROW(key().wrap(kms::SecretBytes()), Error);
  EXPECT_THROW(key().wrap(secret(65, 1)), Error);
}

TEST_P(KmsConformance, DataKeysAreFreshAndUnwrap) {
  auto a = key().generate_data_key();
  auto b = key().generate_data_key();
  EXPECT_EQ(a.plaintext.size(), 32u);
  EXPECT_FALSE(a.plaintext == b.plaintext);
  EXPECT_TRUE(key().unwrap(a.wrapped) == a.plaintext);
}

TEST_P(KmsConformance, WrongKeyFails) {
  auto blob = key().wrap(secret(32, 2));
  std::string message;
  EXPECT_EQ(unwrap_kind(other(), blob, &message), ErrorKind::corrupt);
  EXPECT_NE(message.find("unable to unwrap"), std::string::npos) << message;
}

TEST_P(KmsConformance, TamperedBlobFails) {
  auto blob = key().wrap(secret(32, 3));
  for (std::size_t i = 0; i < blob.size(); ++i) {
    auto damaged = blob;
    damaged[i] ^= 0x20;
    EXPECT_EQ(unwrap_kind(key(), damaged), ErrorKind::corrupt) << "byte " << i;
  }
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, blob.size() / 2, blob.size() - 1}) {
    EXPECT_EQ(unwrap_kind(key(), std::vector<std::uint8_t>(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(length))),
              ErrorKind::corrupt)
        << "length " << length;
  }
}

TEST_P(KmsConformance, DescribesItsKey) {
  auto description = key().describe();
  EXPECT_FALSE(description.key_id.empty());
  EXPECT_EQ(description.provider, GetParam().name);
  EXPECT_NE(description.key_id, other().describe().key_id);
}

TEST_P(KmsConformance, ConcurrentUse) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto plain = secret(32, static_cast<std::uint64_t>(t * 1000 + i));
        if (!(key().unwrap(key().wrap(plain)) == plain)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures, 0);
}

TEST_P(KmsConformance, ReopenedOrRotatedKeyStillUnwrapsOldBlobs) {
  auto plain = secret(32, 4);
  auto old_blob = key().wrap(plain);
  auto before = key().describe().key_id;
  auto reopened = GetParam().reopen();
  EXPECT_TRUE(reopened.unwrap(old_blob) == plain);
  if (GetParam().rotates) {
    // New wraps use the new version, which the old handle never saw.
    EXPECT_NE(reopened.describe().key_id, before);
    EXPECT_EQ(unwrap_kind(key(), reopened.wrap(plain)), ErrorKind::corrupt);
  } else {
    EXPECT_EQ(reopened.describe().key_id, before);
    EXPECT_TRUE(key().unwrap(reopened.wrap(plain)) == plain);
  }
}

}  // namespace lifeboat::test
