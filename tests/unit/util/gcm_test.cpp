// One-shot AES-256-GCM: round trips, and every kind of damage refused.
#include "util/gcm.hpp"

#include <gtest/gtest.h>

#include <string>

#include "util/bytes.hpp"

namespace lifeboat {
namespace {

std::vector<std::uint8_t> key_of(std::uint8_t fill) {
  return std::vector<std::uint8_t>(32, fill);
}

bool opens(const std::vector<std::uint8_t>& key, std::string_view aad,
           const std::vector<std::uint8_t>& box, std::string* plain = nullptr) {
  if (box.size() < k_gcm_overhead) {
    std::vector<std::uint8_t> none;
    return gcm_open(key, aad, box, none);
  }
  std::vector<std::uint8_t> out(box.size() - k_gcm_overhead);
  bool ok = gcm_open(key, aad, box, out);
  if (plain != nullptr) {
    plain->assign(out.begin(), out.end());
  }
  return ok;
}

TEST(Gcm, RoundTripsWithAFreshNonceEachTime) {
  auto key = key_of(7);
  auto a = gcm_seal(key, "aad", as_bytes("the plaintext"));
  auto b = gcm_seal(key, "aad", as_bytes("the plaintext"));
  EXPECT_EQ(a.size(), k_gcm_overhead + 13);
  EXPECT_NE(a, b);
  std::string plain;
  EXPECT_TRUE(opens(key, "aad", a, &plain));
  EXPECT_EQ(plain, "the plaintext");
}

TEST(Gcm, EmptyPlaintext) {
  auto key = key_of(1);
  auto box = gcm_seal(key, "", {});
  std::string plain = "x";
  EXPECT_TRUE(opens(key, "", box, &plain));
  EXPECT_EQ(plain, "");
}

TEST(Gcm, FlippedBitAnywhereIsRefused) {
  auto key = key_of(2);
  auto box = gcm_seal(key, "aad", as_bytes("secret"));
  for (std::size_t i = 0; i < box.size(); ++i) {
    auto bad = box;
    bad[i] ^= 0x01;
    EXPECT_FALSE(opens(key, "aad", bad)) << "byte " << i;
  }
}

TEST(Gcm, WrongKeyOrAadIsRefusedAndOutputZeroed) {
  auto box = gcm_seal(key_of(3), "aad", as_bytes("secret"));
  std::string plain;
  EXPECT_FALSE(opens(key_of(4), "aad", box, &plain));
  EXPECT_EQ(plain, std::string(6, '\0'));
  EXPECT_FALSE(opens(key_of(3), "other", box));
}

TEST(Gcm, TruncatedBoxIsRefused) {
  auto key = key_of(5);
  auto box = gcm_seal(key, "aad", as_bytes("secret"));
  for (std::size_t n = 0; n < box.size(); ++n) {
    EXPECT_FALSE(
        opens(key, "aad",
              std::vector<std::uint8_t>(box.begin(), box.begin() + static_cast<std::ptrdiff_t>(n))))
        << n;
  }
}

}  // namespace
}  // namespace lifeboat
