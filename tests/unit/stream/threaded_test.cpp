// The threaded stage: bytes arrive in order, and an error downstream reaches the writer.
#include <gtest/gtest.h>

#include "stream/threaded.hpp"
#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::stream {

namespace {

class Collect final : public Sink {
 public:
  explicit Collect(std::size_t fail_after = SIZE_MAX) : m_fail_after(fail_after) {}
  void write(std::span<const std::uint8_t> data) override {
    if (text.size() + data.size() > m_fail_after) {
      throw Error(ErrorKind::io, "unable to write: the disk is full");
    }
    text.append(data.begin(), data.end());
  }
  void finish() override { finished = true; }
  std::string text;
  bool finished = false;

 private:
  std::size_t m_fail_after;
};

// Hands out `text` in reads of odd sizes, then fails with `error` if set.
class Feed final : public Source {
 public:
  Feed(std::string text, bool fail) : m_text(std::move(text)), m_fail(fail) {}
  std::size_t read(std::span<std::uint8_t> out) override {
    auto n = std::min({out.size(), m_text.size() - m_offset, std::size_t{77'777}});
    if (n == 0 && m_fail) {
      throw Error(ErrorKind::corrupt, "authentication tag mismatch in chunk 9");
    }
    std::copy_n(m_text.begin() + static_cast<std::ptrdiff_t>(m_offset), n, out.begin());
    m_offset += n;
    return n;
  }

 private:
  std::string m_text;
  std::size_t m_offset = 0;
  bool m_fail;
};

std::string drain(Source& source, std::size_t step) {
  std::string out;
  std::vector<std::uint8_t> buffer(step);
  while (auto n = source.read(buffer)) {
    out.append(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

}  // namespace

TEST(ThreadedSource, ReadsAheadInOrder) {
  auto text = test::random_data(5'000'003, 4);
  Feed feed(text, false);
  auto ahead = make_threaded_source(feed, 2 << 20);
  EXPECT_EQ(drain(*ahead, 4099), text);
}

TEST(ThreadedSource, ErrorComesAfterTheDataBeforeIt) {
  auto text = test::random_data(3'000'000, 5);
  Feed feed(text, true);
  auto ahead = make_threaded_source(feed);
  std::string got;
  std::vector<std::uint8_t> buffer(65536);
  try {
    while (auto n = ahead->read(buffer)) {
      got.append(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    }
    FAIL() << "the error was lost";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corrupt);
  }
  EXPECT_EQ(got.size() % (1 << 20), 0u);  // whole blocks before the failing one
  EXPECT_EQ(got, text.substr(0, got.size()));
}

TEST(ThreadedSource, DestroyedEarlyStopsCleanly) {
  Feed feed(test::random_data(20 << 20, 6), false);
  auto ahead = make_threaded_source(feed, 1 << 20);
  std::vector<std::uint8_t> buffer(10);
  EXPECT_EQ(ahead->read(buffer), 10u);
}

TEST(Threaded, KeepsOrderAcrossManyOddWrites) {
  auto data = test::random_data(7'777'777, 50);
  Collect out;
  auto sink = make_threaded_sink(out, 2u << 20);
  for (std::size_t offset = 0; offset < data.size(); offset += 12'345) {
    sink->write(as_bytes(std::string_view(data).substr(offset, 12'345)));
  }
  sink->finish();
  EXPECT_TRUE(out.finished);
  EXPECT_TRUE(out.text == data);
}

TEST(Threaded, DownstreamErrorReachesTheWriter) {
  Collect out(3u << 20);
  auto sink = make_threaded_sink(out, 1u << 20);
  auto data = test::random_data(1u << 20, 51);
  try {
    for (int i = 0; i < 64; ++i) {
      sink->write(as_bytes(data));
    }
    sink->finish();
    FAIL() << "the error was lost";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("disk is full"), std::string::npos);
  }
  EXPECT_FALSE(out.finished);
}

TEST(Threaded, DestroyedUnfinishedStopsCleanly) {
  Collect out;
  {
    auto sink = make_threaded_sink(out);
    sink->write(as_bytes(test::random_data(3u << 20, 52)));
  }
  EXPECT_FALSE(out.finished);
}

}  // namespace lifeboat::stream
