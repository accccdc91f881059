// Writing a snapshot.
#include "snapshot/writer.hpp"

#include "stream/aead.hpp"
#include "stream/threaded.hpp"
#include "stream/zstd.hpp"
#include "util/error.hpp"

namespace lifeboat::snapshot {

namespace {

// Passes writes through to the snapshot's output but swallows finish(): the body's
// pipeline ends before the manifest and trailer are written to the same output.
class OpenEnded final : public stream::Sink {
 public:
  explicit OpenEnded(stream::Sink& next) : m_next(next) {}
  void write(std::span<const std::uint8_t> data) override { m_next.write(data); }
  void finish() override {}

 private:
  stream::Sink& m_next;
};

}  // namespace

SnapshotWriter::SnapshotWriter(stream::Sink& out, Identity identity,
                               const std::vector<kms::Kms*>& keys)
    : m_out(out) {
  if (keys.empty()) {
    throw Error(ErrorKind::usage, "a snapshot needs at least one KMS key");
  }
  auto data_key = keys.front()->generate_data_key();
  std::vector<KeySlot> slots;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto description = keys[i]->describe();
    slots.push_back(KeySlot{description.key_id, description.provider, description.region,
                            i == 0 ? data_key.wrapped : keys[i]->wrap(data_key.plaintext)});
  }
  m_keys = std::make_unique<Keys>(derive_keys(data_key.plaintext, identity.snapshot_id));
  auto header_bytes = encode_header(identity, *m_keys, slots);
  m_header = parse_header(header_bytes, "the new snapshot");
  m_out.write(header_bytes);
  auto passthrough = std::make_unique<OpenEnded>(m_out);
  m_sealed_count = std::make_unique<stream::CountingSink>(passthrough.get());
  m_passthrough = std::move(passthrough);
  m_seal = stream::make_seal_sink(body_key(m_header, *m_keys), *m_sealed_count);
  // Archiving and compressing on this thread (and zstd's workers), sealing and storing
  // on another: the stages overlap instead of taking turns.
  m_threaded = stream::make_threaded_sink(*m_seal);
  m_plain_count = std::make_unique<stream::CountingSink>(m_threaded.get());
  m_zstd = stream::make_zstd_sink(*m_plain_count);
}

SnapshotWriter::~SnapshotWriter() = default;

void SnapshotWriter::add_manifest_line(const nlohmann::json& line) {
  m_manifest += line.dump();
  m_manifest += '\n';
  ++m_entries;
}

std::uint64_t SnapshotWriter::finish(const nlohmann::json& totals) {
  m_zstd->finish();  // flushes zstd and seals the body's last chunk
  Trailer trailer{.body_size = m_sealed_count->count(), .body_plain_size = m_plain_count->count()};

  auto summary = totals;
  summary["entries"] = m_entries;
  summary["body_plain_bytes"] = trailer.body_plain_size;
  add_manifest_line({{"totals", summary}});
  stream::CountingSink manifest_count(m_passthrough.get());
  auto seal = stream::make_seal_sink(manifest_key(m_header, *m_keys), manifest_count);
  seal->write(as_bytes(m_manifest));
  seal->finish();
  trailer.manifest_size = manifest_count.count();
  trailer.manifest_plain_size = m_manifest.size();

  auto bytes = encode_trailer(trailer, m_header, *m_keys);
  m_out.write(bytes);
  m_out.finish();
  return m_header.size + trailer.body_size + trailer.manifest_size + bytes.size();
}

}  // namespace lifeboat::snapshot
