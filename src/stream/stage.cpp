// Basic stages: store adapters, counting, exact reads.
#include "stream/stage.hpp"

#include "util/error.hpp"

namespace lifeboat::stream {

namespace {

class StoreSink final : public Sink {
 public:
  explicit StoreSink(std::unique_ptr<store::WriteStream> writer) : m_writer(std::move(writer)) {}
  void write(std::span<const std::uint8_t> data) override { m_writer->write(data); }
  void finish() override { m_writer->commit(); }

 private:
  std::unique_ptr<store::WriteStream> m_writer;
};

class StoreSource final : public Source {
 public:
  explicit StoreSource(std::unique_ptr<store::ReadStream> reader) : m_reader(std::move(reader)) {}
  std::size_t read(std::span<std::uint8_t> out) override { return m_reader->read(out); }

 private:
  std::unique_ptr<store::ReadStream> m_reader;
};

}  // namespace

void read_exact(Source& source, std::span<std::uint8_t> out, const std::string& what) {
  while (!out.empty()) {
    auto n = source.read(out);
    if (n == 0) {
      throw Error(ErrorKind::corrupt, "unable to read " + what + ": it ends early (truncated)");
    }
    out = out.subspan(n);
  }
}

std::unique_ptr<Sink> make_store_sink(std::unique_ptr<store::WriteStream> writer) {
  return std::make_unique<StoreSink>(std::move(writer));
}

std::unique_ptr<Source> make_store_source(std::unique_ptr<store::ReadStream> reader) {
  return std::make_unique<StoreSource>(std::move(reader));
}

void CountingSink::write(std::span<const std::uint8_t> data) {
  m_count += data.size();
  if (m_next != nullptr) {
    m_next->write(data);
  }
}

void CountingSink::finish() {
  if (m_next != nullptr) {
    m_next->finish();
  }
}

}  // namespace lifeboat::stream
