// The snapshot operations.
#include "ops/snapshot_ops.hpp"

#include <fcntl.h>
#include <unistd.h>


#include "snapshot/reader.hpp"
#include "snapshot/writer.hpp"
#include "stream/zstd.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::ops {

namespace {

nlohmann::json entry_json(const snapshot::Entry& entry) {
  nlohmann::json line = {{"path", entry.path}, {"type", entry.type}, {"size", entry.size},
                         {"mode", entry.mode}, {"mtime", entry.mtime}};
  if (!entry.sha256.empty()) {
    line["sha256"] = entry.sha256;
  }
  if (!entry.target.empty()) {
    line["target"] = entry.target;
  }
  return line;
}

// Counts bytes on their way into the archive, for progress.
class ProgressSink final : public stream::Sink {
 public:
  ProgressSink(stream::Sink& next, const std::function<void(std::uint64_t)>& report)
      : m_next(next), m_report(report) {}
  void write(std::span<const std::uint8_t> data) override {
    m_next.write(data);
    if (m_report) {
      m_report(data.size());
    }
  }
  void finish() override { m_next.finish(); }

 private:
  stream::Sink& m_next;
  const std::function<void(std::uint64_t)>& m_report;
};

}  // namespace

CreateResult create_snapshot(store::Store& store, const std::string& key,
                             const CreateOptions& options, const std::vector<kms::Kms*>& keys) {
  // Size the store's parts from what is about to be archived.
  std::uint64_t estimate = 0;
  for (const auto& path : options.archive.paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
           it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
          estimate += it->file_size(ec);
        }
      }
    } else {
      estimate += std::filesystem::file_size(path, ec);
    }
  }
  if (options.on_estimate) {
    options.on_estimate(estimate);
  }
  auto out = stream::make_store_sink(
      store.open_write(key, store::WriteOptions{.size_hint = estimate + (estimate >> 6) + (1 << 20)}));
  auto identity = options.identity ? *options.identity
                                   : snapshot::new_identity(options.installation, options.release,
                                                            options.region);
  snapshot::SnapshotWriter writer(*out, identity, keys);
  CreateResult result{.identity = identity};
  ProgressSink body(writer.body(), options.on_progress);
  snapshot::write_archive(options.archive, body, [&](const snapshot::Entry& entry) {
    writer.add_manifest_line(entry_json(entry));
    ++result.entries;
    result.data_bytes += entry.size;
  });
  nlohmann::json totals = {{"data_bytes", result.data_bytes}};
  if (options.before_commit) {
    totals["record"] = options.before_commit();
  }
  result.size = writer.finish(totals);
  return result;
}

VerifyResult verify_snapshot(const store::Store& store, const std::string& key, kms::Kms& kms,
                             const std::function<void(std::uint64_t)>& on_progress) {
  snapshot::SnapshotReader reader(store, key, kms);
  auto body = reader.open_body();
  auto tar = stream::make_unzstd_source(*body, reader.name());
  VerifyResult result{.header = reader.header()};
  auto mismatch = [&](const std::string& path, const std::string& why) {
    throw Error(ErrorKind::corrupt, "unable to verify " + reader.name() + ": '" + path + "' " + why);
  };
  // The manifest lists the archive's entries in the archive's order: compare in step,
  // in constant memory.
  auto manifest = reader.open_manifest();
  nlohmann::json want;
  snapshot::extract_archive(*tar, std::filesystem::path(), [&](const snapshot::Entry& entry) {
    if (!manifest.next(want) || !want.contains("path")) {
      mismatch(entry.path, "is in the archive but not in the manifest");
    }
    if (want.value("path", "") != entry.path || want.value("type", "") != entry.type ||
        want.value("size", 0ull) != entry.size || want.value("sha256", "") != entry.sha256) {
      mismatch(entry.path, "differs from the manifest");
    }
    ++result.entries;
    result.data_bytes += entry.size;
    if (on_progress) {
      on_progress(entry.size);
    }
  });
  if (!manifest.next(want) || want.contains("path")) {
    mismatch(want.value("path", "(the totals)"), "is in the manifest but not in the archive");
  }
  return result;
}

std::uint64_t decrypt_snapshot(const store::Store& store, const std::string& key, kms::Kms& kms,
                               const std::filesystem::path& out_path) {
  snapshot::SnapshotReader reader(store, key, kms);
  auto body = reader.open_body();
  auto dir = out_path.has_parent_path() ? out_path.parent_path() : ".";
  auto partial = dir / ("." + out_path.filename().string() + ".lifeboat-partial");
  UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) {
    throw_errno("unable to create '" + partial.string() + "'", errno);
  }
  std::uint64_t total = 0;
  try {
    std::vector<std::uint8_t> buffer(1 << 20);
    while (auto n = body->read(buffer)) {
      write_all(fd.get(), std::span(buffer).first(n), out_path.string());
      total += n;
    }
    if (::fsync(fd.get()) != 0 || ::rename(partial.c_str(), out_path.c_str()) != 0) {
      throw_errno("unable to write '" + out_path.string() + "'", errno);
    }
  } catch (...) {
    ::unlink(partial.c_str());
    throw;
  }
  return total;
}

snapshot::Header rewrap_snapshot(store::Store& store, const std::string& key, kms::Kms& from,
                                 const std::vector<kms::Kms*>& to) {
  // Opening checks the whole frame (size, slots, MACs) before anything is written.
  snapshot::SnapshotReader reader(store, key, from);
  // Each new slot is the opened slot wrapped again, inside the KMS where it can do that
  // (AWS KMS ReEncrypt between its keys). Opening the snapshot above has unwrapped the
  // data key once here already, to check the header and trailer before anything is
  // rewritten.
  const auto& source = reader.opened_slot();
  std::vector<snapshot::KeySlot> slots;
  for (auto* kms : to) {
    auto description = kms->describe();
    slots.push_back({description.key_id, description.provider, description.region,
                     from.rewrap(source.wrapped, *kms)});
  }
  auto header_bytes = snapshot::reencode_header(reader.header(), slots);
  // Everything after the key slots is kept byte for byte, copied server-side where
  // the store can.
  store.splice(key, reader.object().etag, header_bytes, reader.header().size);
  return snapshot::parse_header(header_bytes, reader.name());
}

}  // namespace lifeboat::ops
