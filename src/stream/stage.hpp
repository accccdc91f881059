// Pipeline stages: bytes pushed into a Sink, or pulled from a Source.
//
// A snapshot is written by pushing through sinks (tar → zstd → seal → store) and read
// by pulling through sources (store → open → unzstd → untar). Each stage is built by a
// make_* function in its own header and owns nothing it was given by reference: the
// caller keeps every stage alive until the pipeline is finished.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "store/store.hpp"

namespace lifeboat::stream {

class Sink {
 public:
  virtual ~Sink() = default;
  // Takes all of `data` (copying what it keeps).
  virtual void write(std::span<const std::uint8_t> data) = 0;
  // No more data: flush and finish this stage and the ones after it.
  virtual void finish() = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  // Reads up to out.size() bytes; 0 only at the end. Throws Error on damage.
  virtual std::size_t read(std::span<std::uint8_t> out) = 0;
};

// Reads exactly out.size() bytes; throws Error(corrupt) naming `what` if it ends first.
void read_exact(Source& source, std::span<std::uint8_t> out, const std::string& what);

// A Sink that writes into a store object; finish() commits it.
std::unique_ptr<Sink> make_store_sink(std::unique_ptr<store::WriteStream> writer);

// A Source over a store reader.
std::unique_ptr<Source> make_store_source(std::unique_ptr<store::ReadStream> reader);

// A Sink that counts what passes through to `next` (which may be null).
class CountingSink final : public Sink {
 public:
  explicit CountingSink(Sink* next) : m_next(next) {}
  void write(std::span<const std::uint8_t> data) override;
  void finish() override;
  std::uint64_t count() const { return m_count; }

 private:
  Sink* m_next;
  std::uint64_t m_count = 0;
};

}  // namespace lifeboat::stream
