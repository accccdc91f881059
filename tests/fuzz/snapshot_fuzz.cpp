// libFuzzer target for the snapshot parsers: the header, the trailer and the chunk
// opener must turn any input into a value or an Error — never a crash, a hang, an
// out-of-bounds read or unbounded memory. Built with clang (LIFEBOAT_FUZZ=ON); CI runs
// it briefly on the seed corpus in tests/fuzz/corpus.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "snapshot/format.hpp"
#include "stream/aead.hpp"
#include "util/error.hpp"

namespace {

class SpanSource final : public lifeboat::stream::Source {
 public:
  explicit SpanSource(std::span<const std::uint8_t> data) : m_data(data) {}
  std::size_t read(std::span<std::uint8_t> out) override {
    auto n = std::min(out.size(), m_data.size());
    std::copy_n(m_data.begin(), n, out.begin());
    m_data = m_data.subspan(n);
    return n;
  }

 private:
  std::span<const std::uint8_t> m_data;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lifeboat;
  std::span<const std::uint8_t> input(data, size);
  kms::SecretBytes data_key(32);
  try {
    auto header = snapshot::parse_header(input, "fuzz input");
    auto keys = snapshot::derive_keys(data_key, header.identity.snapshot_id);
    try {
      snapshot::verify_header(header, keys, "fuzz input");
    } catch (const Error&) {
    }
    if (size >= snapshot::k_trailer_size) {
      try {
        snapshot::parse_trailer(input.last(snapshot::k_trailer_size), header, keys, "fuzz input");
      } catch (const Error&) {
      }
    }
    // Whatever follows the header, read as a sealed body of a small chunk size.
    auto chunk_key = snapshot::body_key(header, keys);
    chunk_key.chunk_size = 4096;
    auto rest = input.subspan(std::min<std::size_t>(header.size, size));
    SpanSource source(rest);
    auto body = stream::make_open_source(chunk_key, source, rest.size(), "fuzz body");
    std::vector<std::uint8_t> buffer(4096);
    while (body->read(buffer) > 0) {
    }
  } catch (const Error&) {
    // Refusing bad input with an Error is the expected outcome.
  }
  return 0;
}
