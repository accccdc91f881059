// The bootstrap bundle (bootstrap.hpp).
#include "ops/bootstrap.hpp"

#include <nlohmann/json.hpp>

#include "ops/snapshot_ops.hpp"
#include "snapshot/archive.hpp"
#include "snapshot/reader.hpp"
#include "stream/zstd.hpp"
#include "util/error.hpp"

namespace lifeboat::ops {

namespace {

constexpr const char* k_entry = ".lifeboat/bootstrap.json";

// Collects a small plaintext in memory, wiped when it goes.
class SecretSink final : public stream::Sink {
 public:
  void write(std::span<const std::uint8_t> data) override {
    if (m_text.size() + data.size() > (1u << 20)) {
      throw Error(ErrorKind::corrupt, "the bootstrap bundle is larger than 1 MiB");
    }
    m_text.append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  void finish() override {}
  ~SecretSink() override { std::fill(m_text.begin(), m_text.end(), '\0'); }
  const std::string& text() const { return m_text; }

 private:
  std::string m_text;
};

}  // namespace

void write_bootstrap(store::Store& store, const std::string& key, kms::Kms& kms,
                     const BootstrapBundle& bundle) {
  nlohmann::json document = {{"installation", bundle.installation},
                             {"database_password", bundle.database_password},
                             {"secrets", bundle.secrets}};
  std::string text = document.dump();
  std::size_t offset = 0;
  CreateOptions options{.installation = bundle.installation};
  options.archive.streams.push_back({k_entry, [&](std::span<std::uint8_t> out) {
                                       auto n = std::min(out.size(), text.size() - offset);
                                       std::copy_n(text.begin() + static_cast<std::ptrdiff_t>(offset),
                                                   n, out.begin());
                                       offset += n;
                                       return n;
                                     }});
  try {
    create_snapshot(store, key, options, {&kms});
  } catch (...) {
    std::fill(text.begin(), text.end(), '\0');
    throw;
  }
  std::fill(text.begin(), text.end(), '\0');
}

BootstrapBundle read_bootstrap(const store::Store& store, const std::string& key, kms::Kms& kms) {
  snapshot::SnapshotReader reader(store, key, kms);
  auto body = reader.open_body();
  auto tar = stream::make_unzstd_source(*body, reader.name());
  SecretSink sink;
  bool found = false;
  snapshot::extract_archive(
      *tar,
      [&](const snapshot::Entry& entry) {
        if (snapshot::stream_of_segment(entry.path) != k_entry) {
          return snapshot::Placement{};
        }
        found = true;
        return snapshot::Placement{.kind = snapshot::Placement::Kind::sink, .sink = &sink};
      },
      [](const snapshot::Entry&) {});
  auto document = nlohmann::json::parse(sink.text(), nullptr, false);
  if (!found || document.is_discarded() || !document.is_object()) {
    throw Error(ErrorKind::corrupt, "unable to read the bootstrap bundle " + reader.name() +
                                        ": it holds no bootstrap document");
  }
  BootstrapBundle bundle{.installation = document.value("installation", ""),
                         .database_password = document.value("database_password", "")};
  if (document.contains("secrets") && document["secrets"].is_object()) {
    for (const auto& [name, value] : document["secrets"].items()) {
      if (value.is_string()) {
        bundle.secrets[name] = value.get<std::string>();
      }
    }
  }
  return bundle;
}

}  // namespace lifeboat::ops
