// Reading a snapshot.
#include "snapshot/reader.hpp"

#include <sstream>

#include "stream/aead.hpp"
#include "util/error.hpp"

namespace lifeboat::snapshot {

namespace {

constexpr std::uint64_t k_header_read = 52 + 2 * k_max_section;

std::vector<std::uint8_t> read_range(const store::Store& store, const std::string& key,
                                     std::uint64_t offset, std::uint64_t length,
                                     const std::string& what) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(length));
  if (length == 0) {
    return out;
  }
  auto source = stream::make_store_source(store.open_read(key, {.offset = offset, .length = length}));
  stream::read_exact(*source, out, what);
  return out;
}

// Owns the store reader under the chunk opener.
class SealedSource final : public stream::Source {
 public:
  SealedSource(std::unique_ptr<stream::Source> raw, const stream::ChunkKey& key,
               std::uint64_t length, std::string what)
      : m_raw(std::move(raw)), m_open(stream::make_open_source(key, *m_raw, length, std::move(what))) {}
  std::size_t read(std::span<std::uint8_t> out) override { return m_open->read(out); }

 private:
  std::unique_ptr<stream::Source> m_raw;
  std::unique_ptr<stream::Source> m_open;
};

}  // namespace

Header read_header(const store::Store& store, const std::string& key, store::ObjectInfo* object) {
  auto info = store.head(key);
  auto name = "snapshot '" + key + "'";
  auto bytes = read_range(store, key, 0, std::min(info.size, k_header_read), name);
  auto header = parse_header(bytes, name);
  if (object != nullptr) {
    *object = info;
  }
  return header;
}

std::unique_ptr<stream::Source> open_sealed(const store::Store& store, const std::string& key,
                                            std::uint64_t offset, std::uint64_t length,
                                            const stream::ChunkKey& chunk_key, std::string what) {
  auto raw = stream::make_store_source(store.open_read(key, {.offset = offset, .length = length}));
  return std::make_unique<SealedSource>(std::move(raw), chunk_key, length, std::move(what));
}

SnapshotReader::SnapshotReader(const store::Store& store, std::string key, kms::Kms& kms)
    : m_store(store), m_key(std::move(key)), m_name("snapshot '" + m_key + "'") {
  m_header = read_header(m_store, m_key, &m_object);
  if (m_object.size < m_header.size + k_trailer_size) {
    throw Error(ErrorKind::corrupt, "unable to read " + m_name +
                                        ": it is truncated (no room for a body and a trailer)");
  }
  auto opened = open_slot(m_header, kms, m_name);
  m_slot = opened.index;
  m_keys = std::make_unique<Keys>(derive_keys(opened.data_key, m_header.identity.snapshot_id));
  verify_header(m_header, *m_keys, m_name);
  auto trailer_bytes = read_range(m_store, m_key, m_object.size - k_trailer_size, k_trailer_size, m_name);
  m_trailer = parse_trailer(trailer_bytes, m_header, *m_keys, m_name);
  auto expected = m_header.size + m_trailer.body_size + m_trailer.manifest_size + k_trailer_size;
  if (expected != m_object.size) {
    throw Error(ErrorKind::corrupt, "unable to read " + m_name + ": it is " +
                                        std::to_string(m_object.size) + " bytes but its parts add up to " +
                                        std::to_string(expected) + " (truncated or extended)");
  }
}

SnapshotReader::~SnapshotReader() = default;

std::unique_ptr<stream::Source> SnapshotReader::open_body() const {
  return open_sealed(m_store, m_key, m_header.size, m_trailer.body_size,
                     body_key(m_header, *m_keys), m_name + " (body)");
}

SnapshotReader::ManifestLines::ManifestLines(std::unique_ptr<stream::Source> source,
                                             std::string name)
    : m_source(std::move(source)), m_name(std::move(name)) {}

bool SnapshotReader::ManifestLines::next(nlohmann::json& line) {
  for (;;) {
    auto newline = m_pending.find('\n', m_offset);
    if (newline != std::string::npos || (m_ended && m_offset < m_pending.size())) {
      auto end = newline == std::string::npos ? m_pending.size() : newline;
      line = nlohmann::json::parse(m_pending.begin() + static_cast<std::ptrdiff_t>(m_offset),
                                   m_pending.begin() + static_cast<std::ptrdiff_t>(end), nullptr,
                                   false);
      m_offset = end + 1;
      if (line.is_discarded()) {
        throw Error(ErrorKind::corrupt, "unable to read " + m_name + ": its manifest does not parse");
      }
      return true;
    }
    if (m_ended) {
      return false;
    }
    m_pending.erase(0, m_offset);
    m_offset = 0;
    std::uint8_t buffer[1 << 16];
    auto n = m_source->read(buffer);
    if (n == 0) {
      m_ended = true;
    }
    m_pending.append(reinterpret_cast<const char*>(buffer), n);
  }
}

SnapshotReader::ManifestLines SnapshotReader::open_manifest() const {
  return ManifestLines(open_sealed(m_store, m_key, m_header.size + m_trailer.body_size,
                                   m_trailer.manifest_size, manifest_key(m_header, *m_keys),
                                   m_name + " (manifest)"),
                       m_name);
}

std::vector<nlohmann::json> SnapshotReader::read_manifest() const {
  auto manifest = open_manifest();
  std::vector<nlohmann::json> lines;
  nlohmann::json line;
  while (manifest.next(line)) {
    lines.push_back(std::move(line));
  }
  if (lines.empty() || !lines.back().contains("totals")) {
    throw Error(ErrorKind::corrupt, "unable to read " + m_name + ": its manifest has no totals");
  }
  return lines;
}

}  // namespace lifeboat::snapshot
