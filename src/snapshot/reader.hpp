// Reading a snapshot from a store object (a local file is an object of a file:// store).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kms/kms.hpp"
#include "snapshot/format.hpp"
#include "store/store.hpp"
#include "stream/stage.hpp"

namespace lifeboat::snapshot {

// Opening checks, before any data is used: the header parses, the object's size is
// exactly header + body + manifest + trailer, a key slot unwraps with `kms`, the
// header MAC and the trailer MAC hold. Every read after that authenticates each chunk.
// Errors are Error(corrupt) one-liners naming the snapshot and the damage.
class SnapshotReader {
 public:
  SnapshotReader(const store::Store& store, std::string key, kms::Kms& kms);
  ~SnapshotReader();

  const Header& header() const { return m_header; }
  const Trailer& trailer() const { return m_trailer; }
  // The key slot the KMS opened.
  const KeySlot& opened_slot() const { return m_header.slots[m_slot]; }
  const store::ObjectInfo& object() const { return m_object; }
  const std::string& name() const { return m_name; }

  // The body's plaintext: a zstd stream of a PAX tar.
  std::unique_ptr<stream::Source> open_body() const;

  // The manifest's lines, the totals line last (all in memory: for small snapshots).
  std::vector<nlohmann::json> read_manifest() const;

  // The manifest one line at a time, in archive order, in constant memory.
  class ManifestLines {
   public:
    // The next line; false after the last. Throws Error(corrupt) for a line that does
    // not parse.
    bool next(nlohmann::json& line);

   private:
    friend class SnapshotReader;
    ManifestLines(std::unique_ptr<stream::Source> source, std::string name);
    std::unique_ptr<stream::Source> m_source;
    std::string m_name;
    std::string m_pending;
    std::size_t m_offset = 0;
    bool m_ended = false;
  };
  ManifestLines open_manifest() const;

 private:
  const store::Store& m_store;
  std::string m_key;
  std::string m_name;
  store::ObjectInfo m_object;
  Header m_header;
  std::unique_ptr<Keys> m_keys;
  Trailer m_trailer;
  std::size_t m_slot = 0;
};

// Reads only the header (no KMS needed): for `snapshot inspect` without a key.
Header read_header(const store::Store& store, const std::string& key, store::ObjectInfo* object);

// Reads the plaintext of `range` of sealed bytes with `key` (a body or a manifest).
std::unique_ptr<stream::Source> open_sealed(const store::Store& store, const std::string& key,
                                            std::uint64_t offset, std::uint64_t length,
                                            const stream::ChunkKey& chunk_key, std::string what);

}  // namespace lifeboat::snapshot
