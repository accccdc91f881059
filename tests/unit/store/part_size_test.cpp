// Multipart part sizes: equal parts, whole MiB, and any object fits in 10,000 parts.
#include <gtest/gtest.h>

#include "store/s3/s3_store.hpp"

namespace lifeboat::store {

TEST(PartSize, SmallAndUnknownUseTheMinimum) {
  EXPECT_EQ(choose_part_size(std::nullopt, 8ull << 20), 8ull << 20);
  EXPECT_EQ(choose_part_size(1, 8ull << 20), 8ull << 20);
  EXPECT_EQ(choose_part_size(std::nullopt, 1), 5ull << 20);  // S3's floor
}

TEST(PartSize, AnySizeFitsInTenThousandParts) {
  for (std::uint64_t size : {80ull << 30, (80ull << 30) + 1, 1ull << 40, 5ull << 40}) {
    auto part = choose_part_size(size, 8ull << 20);
    EXPECT_LE((size + part - 1) / part, 10'000u) << size;
    EXPECT_EQ(part % (1 << 20), 0u) << size;
  }
}

}  // namespace lifeboat::store
