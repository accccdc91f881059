// Writing a snapshot: header, sealed body, sealed manifest, trailer, in one stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kms/kms.hpp"
#include "snapshot/format.hpp"
#include "stream/stage.hpp"

namespace lifeboat::snapshot {

// Writes one snapshot to `out`, which it finishes (commits) only in finish(). Usage:
//   SnapshotWriter writer(out, identity, {&kms});
//   write_archive(options, writer.body(), [&](auto& e) { writer.add_entry(e); });
//   writer.finish();
// Destroying it unfinished leaves `out` unfinished (for a store: nothing visible).
class SnapshotWriter {
 public:
  // Generates the data key with the first KMS and wraps it with every KMS (one slot each).
  SnapshotWriter(stream::Sink& out, Identity identity, const std::vector<kms::Kms*>& keys);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // The body's plaintext sink: the zstd-compressed tar goes in here.
  stream::Sink& body() { return *m_zstd; }

  // Records one manifest line (an archived entry, or any JSON object).
  void add_manifest_line(const nlohmann::json& line);

  // Seals the body and the manifest (adding a totals line with `totals`), writes the
  // trailer and finishes `out`. Returns the snapshot's size in bytes.
  std::uint64_t finish(const nlohmann::json& totals = nlohmann::json::object());

  const Header& header() const { return m_header; }

 private:
  stream::Sink& m_out;
  std::unique_ptr<stream::Sink> m_passthrough;
  Header m_header;
  std::unique_ptr<Keys> m_keys;
  std::unique_ptr<stream::CountingSink> m_sealed_count;
  std::unique_ptr<stream::Sink> m_seal;
  std::unique_ptr<stream::Sink> m_threaded;  // sealing and storing run on their own thread
  std::unique_ptr<stream::CountingSink> m_plain_count;
  std::unique_ptr<stream::Sink> m_zstd;
  std::string m_manifest;
  std::uint64_t m_entries = 0;
};

}  // namespace lifeboat::snapshot
