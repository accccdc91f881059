// Chunked AES-GCM: round trips at every boundary, and damage is found.
#include <gtest/gtest.h>

#include "stream/aead.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"

namespace lifeboat::stream {

namespace {

class StringSink final : public Sink {
 public:
  void write(std::span<const std::uint8_t> data) override { text.append(data.begin(), data.end()); }
  void finish() override { finished = true; }
  std::string text;
  bool finished = false;
};

class StringSource final : public Source {
 public:
  explicit StringSource(std::string text) : m_text(std::move(text)) {}
  std::size_t read(std::span<std::uint8_t> out) override {
    auto n = std::min(out.size(), m_text.size() - m_position);
    std::copy_n(m_text.data() + m_position, n, out.data());
    m_position += n;
    return n;
  }

 private:
  std::string m_text;
  std::size_t m_position = 0;
};

ChunkKey test_key() {
  ChunkKey key;
  key.key.fill(7);
  key.nonce_prefix.fill(9);
  key.aad.fill(3);
  key.chunk_size = 4096;
  return key;
}

std::string seal(const std::string& plain, const ChunkKey& key = test_key()) {
  StringSink out;
  auto sink = make_seal_sink(key, out);
  sink->write(as_bytes(plain));
  sink->finish();
  EXPECT_TRUE(out.finished);
  return out.text;
}

std::string open(const std::string& sealed, const ChunkKey& key = test_key()) {
  StringSource in(sealed);
  auto source = make_open_source(key, in, sealed.size(), "the test stream");
  std::string out;
  std::vector<std::uint8_t> buffer(1000);
  while (auto n = source->read(buffer)) {
    out.append(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

std::string open_error(const std::string& sealed, const ChunkKey& key = test_key()) {
  try {
    open(sealed, key);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corrupt);
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Aead, RoundTripsAtEveryBoundary) {
  for (std::size_t size : {0, 1, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 5}) {
    auto plain = test::random_data(size, size);
    auto sealed = seal(plain);
    EXPECT_EQ(sealed.size(), sealed_size(size, 4096)) << size;
    EXPECT_EQ(open(sealed), plain) << size;
  }
}

TEST(Aead, FlippedBitInChunk) {
  auto sealed = seal(test::random_data(10'000, 1));
  sealed[5000] ^= 0x01;
  EXPECT_NE(open_error(sealed).find("chunk 1 failed authentication"), std::string::npos);
}

TEST(Aead, ReorderedChunks) {
  auto sealed = seal(test::random_data(3 * 4096 + 100, 2));
  std::string swapped = sealed.substr(4112, 4112) + sealed.substr(0, 4112) + sealed.substr(8224);
  EXPECT_NE(open_error(swapped).find("chunk 0 failed authentication"), std::string::npos);
}

TEST(Aead, DuplicatedChunk) {
  auto sealed = seal(test::random_data(2 * 4096 + 100, 3));
  std::string doubled = sealed.substr(0, 4112) + sealed.substr(0, 4112) + sealed.substr(4112);
  EXPECT_NE(open_error(doubled).find("chunk 1 failed authentication"), std::string::npos);
}

TEST(Aead, TruncatedAtChunkBoundary) {
  auto sealed = seal(test::random_data(3 * 4096, 4));
  // Two whole chunks: the second is not marked last, so it fails as a last chunk.
  EXPECT_NE(open_error(sealed.substr(0, 2 * 4112)).find("chunk 1 failed authentication"),
            std::string::npos);
}

TEST(Aead, WrongAssociatedData) {
  auto sealed = seal("bound to its header");
  auto other = test_key();
  other.aad[0] ^= 1;
  EXPECT_NE(open_error(sealed, other).find("failed authentication"), std::string::npos);
}

TEST(Aead, LengthThatIsNoWholeNumberOfChunks) {
  EXPECT_NE(open_error(std::string(4112 + 5, 'x')).find("not a whole number of chunks"),
            std::string::npos);
  EXPECT_NE(open_error("").find("not a whole number of chunks"), std::string::npos);
}

}  // namespace lifeboat::stream
