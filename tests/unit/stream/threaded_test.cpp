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

}  // namespace

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
