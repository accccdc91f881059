// The snapshot format: round trip, rewrap, and every kind of damage found and named.
#include <gtest/gtest.h>

#include <fstream>

#include "kms/local/local_kms.hpp"
#include "ops/snapshot_ops.hpp"
#include "snapshot/reader.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::snapshot {

namespace {

namespace fs = std::filesystem;

class SnapshotFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(m_dir.path() / "data" / "sub");
    std::ofstream(m_dir.path() / "data" / "a.txt") << "alpha";
    std::ofstream(m_dir.path() / "data" / "sub" / "b.bin") << test::random_data(3'000'000, 5);
    fs::create_symlink("a.txt", m_dir.path() / "data" / "link");
    m_kms_address = "local://" + (m_dir.path() / "keyring").string() + "?key=tfe";
    kms::create_local_key(kms::parse_local_address(m_kms_address));
    m_kms.emplace(kms::Kms::open(m_kms_address));
    m_store.emplace(store::Store::open("file://" + (m_dir.path() / "store").string()));
  }

  // Writes a snapshot of data/ as `key` (chunks of 64 KiB, so the body has many).
  void write_snapshot(const std::string& key = "snap") {
    ops::CreateOptions options{.archive = {.paths = {m_dir.path() / "data"}},
                               .installation = "tfe", .release = "201705-2"};
    ops::create_snapshot(*m_store, key, options, {&*m_kms});
  }

  fs::path file(const std::string& key = "snap") const { return m_dir.path() / "store" / key; }
  std::string bytes() const { return read_file(file()); }
  void replace(const std::string& data) { write_file_atomic(file(), data); }
  void flip_byte(std::size_t offset) {
    auto data = bytes();
    data[offset] = static_cast<char>(data[offset] ^ 0x01);
    replace(data);
  }
  void truncate_to(std::size_t size) { replace(bytes().substr(0, size)); }
  std::uint64_t header_size() const { return read_header(*m_store, "snap", nullptr).size; }

  // The error verify_snapshot gives, checked to be corrupt.
  std::string damage() {
    try {
      ops::verify_snapshot(*m_store, "snap", *m_kms);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::corrupt) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "the damaged snapshot verified";
    return "";
  }

  test::TempDir m_dir;
  std::string m_kms_address;
  std::optional<kms::Kms> m_kms;
  std::optional<store::Store> m_store;
};

}  // namespace

TEST_F(SnapshotFormat, RoundTrip) {
  write_snapshot();
  auto result = ops::verify_snapshot(*m_store, "snap", *m_kms);
  EXPECT_EQ(result.entries, 5u);  // data, a.txt, link, sub, sub/b.bin
  EXPECT_EQ(result.data_bytes, 3'000'005u);
  EXPECT_EQ(result.header.identity.release, "201705-2");
  SnapshotReader reader(*m_store, "snap", *m_kms);
  EXPECT_EQ(reader.read_manifest().back()["totals"]["entries"], 5);
}

TEST_F(SnapshotFormat, TruncatedAfterHeader) {
  write_snapshot();
  truncate_to(header_size() + 10);
  EXPECT_NE(damage().find("truncated"), std::string::npos);
}

TEST_F(SnapshotFormat, TruncatedInsideHeader) {
  write_snapshot();
  truncate_to(40);
  EXPECT_NE(damage().find("truncated"), std::string::npos);
}

TEST_F(SnapshotFormat, MissingTrailer) {
  write_snapshot();
  truncate_to(bytes().size() - k_trailer_size);
  EXPECT_NE(damage().find("trailer is missing"), std::string::npos);
}

TEST_F(SnapshotFormat, TruncatedByOneByte) {
  write_snapshot();
  truncate_to(bytes().size() - 1);
  EXPECT_NE(damage().find("trailer is missing"), std::string::npos);
}

TEST_F(SnapshotFormat, ExtendedByOneByte) {
  write_snapshot();
  auto data = bytes();
  replace(data.substr(0, data.size() - k_trailer_size) + "x" + data.substr(data.size() - k_trailer_size));
  EXPECT_NE(damage().find("truncated or extended"), std::string::npos);
}

TEST_F(SnapshotFormat, FlippedBitInChunk) {
  write_snapshot();
  flip_byte(header_size() + 1'500'000);
  EXPECT_NE(damage().find("failed authentication"), std::string::npos);
}

TEST_F(SnapshotFormat, FlippedBitInImmutableHeader) {
  write_snapshot();
  auto data = bytes();
  auto at = data.find("201705-2");
  data[at + 7] = '3';  // release 201705-3
  replace(data);
  EXPECT_NE(damage().find("header failed authentication"), std::string::npos);
}

TEST_F(SnapshotFormat, FlippedBitInKeySlot) {
  write_snapshot();
  auto header = read_header(*m_store, "snap", nullptr);
  auto slots = header.slots;
  slots[0].wrapped[10] ^= 0x01;
  auto data = bytes();
  replace(std::string(reinterpret_cast<const char*>(reencode_header(header, slots).data()),
                      reencode_header(header, slots).size()) +
          data.substr(header.size));
  EXPECT_NE(damage().find("opens none of its key slots"), std::string::npos);
}

TEST_F(SnapshotFormat, FlippedBitInTrailer) {
  write_snapshot();
  flip_byte(bytes().size() - 40);
  EXPECT_NE(damage().find("trailer failed authentication"), std::string::npos);
}

TEST_F(SnapshotFormat, FlippedBitInManifest) {
  write_snapshot();
  SnapshotReader reader(*m_store, "snap", *m_kms);
  flip_byte(reader.header().size + reader.trailer().body_size + 3);
  EXPECT_NE(damage().find("(manifest): chunk 0 failed authentication"), std::string::npos);
}

TEST_F(SnapshotFormat, ReorderedChunks) {
  write_snapshot();
  auto data = bytes();
  auto h = header_size();
  constexpr std::size_t k_sealed = (1 << 20) + 16;
  std::string swapped = data.substr(0, h) + data.substr(h + k_sealed, k_sealed) +
                        data.substr(h, k_sealed) + data.substr(h + 2 * k_sealed);
  replace(swapped);
  EXPECT_NE(damage().find("chunk 0 failed authentication"), std::string::npos);
}

TEST_F(SnapshotFormat, SwappedHeader) {
  write_snapshot("snap");
  write_snapshot("other");
  auto mine = bytes();
  auto theirs = read_file(file("other"));
  auto theirs_header = read_header(*m_store, "other", nullptr).size;
  replace(theirs.substr(0, theirs_header) + mine.substr(header_size()));
  EXPECT_NE(damage().find("failed authentication"), std::string::npos);
}

TEST_F(SnapshotFormat, WrongKey) {
  write_snapshot();
  auto other = "local://" + (m_dir.path() / "keyring2").string() + "?key=dr";
  kms::create_local_key(kms::parse_local_address(other));
  auto wrong = kms::Kms::open(other);
  try {
    ops::verify_snapshot(*m_store, "snap", wrong);
    FAIL() << "a wrong key opened the snapshot";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corrupt);
    EXPECT_NE(std::string(e.what()).find("key 'local:dr#1' opens none of its key slots (local:tfe#1)"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(SnapshotFormat, NotASnapshot) {
  std::ofstream(file()) << "just some text that is not a snapshot at all";
  fs::create_directories(file().parent_path());
  write_file_atomic(file(), "just some text that is not a snapshot at all");
  EXPECT_NE(damage().find("not a lifeboat snapshot"), std::string::npos);
}

TEST_F(SnapshotFormat, RewrapChangesOnlyTheSlots) {
  write_snapshot();
  auto before = bytes();
  auto old_header = header_size();
  auto other = "local://" + (m_dir.path() / "keyring2").string() + "?key=dr";
  kms::create_local_key(kms::parse_local_address(other));
  auto target = kms::Kms::open(other);
  ops::rewrap_snapshot(*m_store, "snap", *m_kms, {&target});
  auto after = bytes();
  auto new_header = header_size();
  EXPECT_EQ(after.substr(new_header), before.substr(old_header));  // body onwards: same bytes
  EXPECT_EQ(ops::verify_snapshot(*m_store, "snap", target).entries, 5u);
  try {
    ops::verify_snapshot(*m_store, "snap", *m_kms);
    FAIL() << "the old key still opens a rewrapped snapshot";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::corrupt);
  }
}

TEST_F(SnapshotFormat, DecryptedBodyIsAPlainTarZst) {
  write_snapshot();
  auto out = m_dir.path() / "plain.tar.zst";
  ops::decrypt_snapshot(*m_store, "snap", *m_kms, out);
  fs::create_directories(m_dir.path() / "x");
  auto tar = test::run_shell("tar --zstd -xf " + out.string() + " -C " + (m_dir.path() / "x").string());
  ASSERT_EQ(tar.status, 0) << tar.err;
  auto restored = m_dir.path() / "x" / (m_dir.path() / "data").relative_path() / "sub" / "b.bin";
  EXPECT_TRUE(read_file(restored) == test::random_data(3'000'000, 5));
}

}  // namespace lifeboat::snapshot
