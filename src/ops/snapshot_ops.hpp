// What the `snapshot` commands do, over a store and a KMS: make, verify, decrypt, rewrap.
// backup and restore build on these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kms/kms.hpp"
#include "snapshot/archive.hpp"
#include "snapshot/format.hpp"
#include "store/store.hpp"

namespace lifeboat::ops {

struct CreateOptions {
  snapshot::ArchiveOptions archive;  // what to put in it. Required
  std::string installation = "default";  // Default: "default"
  std::string release = "000000-0";      // the installation's release, YYYYMM-N
  std::string region = "local";          // the source region. Default: "local"
  // The snapshot's identity, when the caller needs it (its name) before it is written.
  // Default: a new one from installation, release and region
  std::optional<snapshot::Identity> identity;
  // Called once with the file bytes about to be archived, then with bytes as they are
  // read, for a progress line. Default: none
  std::function<void(std::uint64_t)> on_estimate;
  std::function<void(std::uint64_t)> on_progress;
  // Called after the body is written and before the snapshot is made visible; what it
  // returns joins the manifest's totals line (the backup record). It may throw to keep
  // the snapshot from becoming visible. Default: none
  std::function<nlohmann::json()> before_commit;
};

struct CreateResult {
  snapshot::Identity identity;
  std::uint64_t size = 0;          // the snapshot's bytes
  std::uint64_t entries = 0;
  std::uint64_t data_bytes = 0;    // file bytes archived
};

// Writes a snapshot of options.archive.paths to `key` in `store`, with one key slot
// per KMS (the first generates the data key). Nothing is visible under `key` unless
// this returns.
CreateResult create_snapshot(store::Store& store, const std::string& key,
                             const CreateOptions& options, const std::vector<kms::Kms*>& keys);

struct VerifyResult {
  snapshot::Header header;
  std::uint64_t entries = 0;
  std::uint64_t data_bytes = 0;
};

// Reads the whole snapshot: every chunk authenticated, the archive read to its end,
// and every file's size and SHA-256 compared with the manifest. Throws Error(corrupt).
VerifyResult verify_snapshot(const store::Store& store, const std::string& key, kms::Kms& kms,
                             const std::function<void(std::uint64_t)>& on_progress = {});

// Writes the body's plaintext (a .tar.zst that `tar --zstd -x` reads) to `out_path`,
// beside it first and renamed when whole.
std::uint64_t decrypt_snapshot(const store::Store& store, const std::string& key, kms::Kms& kms,
                               const std::filesystem::path& out_path);

// Replaces the key slots: unwraps with `from`, wraps for each of `to`, and writes the
// snapshot again under `key` with every byte after the slots unchanged (copied
// server-side where the store can). The old object stays whole until the new one is
// complete.
snapshot::Header rewrap_snapshot(store::Store& store, const std::string& key, kms::Kms& from,
                                 const std::vector<kms::Kms*>& to);

}  // namespace lifeboat::ops
