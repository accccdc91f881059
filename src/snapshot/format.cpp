// Encoding and decoding the header and trailer, and deriving keys.
#include "snapshot/format.hpp"

#include <openssl/crypto.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/text.hpp"

namespace lifeboat::snapshot {

namespace {

constexpr std::array<std::uint8_t, 8> k_magic = {'L', 'B', 'S', 'N', 'A', 'P', '\r', '\n'};
constexpr std::array<std::uint8_t, 8> k_trailer_magic = {'L', 'B', 'T', 'R', 'A', 'I', 'L', '\n'};

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  }
}
void put_u64(std::uint8_t* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}
std::uint64_t get_le(const std::uint8_t* in, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) {
    value = (value << 8) | in[i];
  }
  return value;
}

std::array<std::uint8_t, 32> mac_of(const std::array<std::uint8_t, 32>& key,
                                    std::span<const std::uint8_t> data) {
  return hmac_sha256(key, data);
}

[[noreturn]] void malformed(const std::string& what, const std::string& why) {
  throw Error(ErrorKind::corrupt, "unable to read " + what + ": " + why);
}

std::array<std::uint8_t, 7> prefix_from(const std::string& hex) {
  auto bytes = from_hex(hex);
  std::array<std::uint8_t, 7> prefix{};
  if (bytes && bytes->size() == prefix.size()) {
    std::copy(bytes->begin(), bytes->end(), prefix.begin());
  }
  return prefix;
}

nlohmann::json slots_json(const std::vector<KeySlot>& slots) {
  auto json = nlohmann::json::array();
  for (const auto& slot : slots) {
    json.push_back({{"key_id", slot.key_id}, {"provider", slot.provider}, {"region", slot.region},
                    {"wrapped", to_base64(slot.wrapped)}});
  }
  return json;
}

std::vector<std::uint8_t> with_slots(std::vector<std::uint8_t> out, const std::vector<KeySlot>& slots) {
  auto text = slots_json(slots).dump();
  if (text.size() > k_max_section) {
    throw Error(ErrorKind::usage, "too many key slots for one snapshot header");
  }
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

}  // namespace

Keys::~Keys() {
  OPENSSL_cleanse(header.data(), header.size());
  OPENSSL_cleanse(body.data(), body.size());
  OPENSSL_cleanse(manifest.data(), manifest.size());
  OPENSSL_cleanse(trailer.data(), trailer.size());
}

Keys derive_keys(const kms::SecretBytes& data_key, const std::string& snapshot_id) {
  auto salt = from_hex(snapshot_id).value_or(std::vector<std::uint8_t>{});
  std::span<const std::uint8_t> ikm(data_key.data(), data_key.size());
  Keys keys;
  hkdf_sha256(ikm, salt, "lifeboat snapshot v1 header", keys.header);
  hkdf_sha256(ikm, salt, "lifeboat snapshot v1 body", keys.body);
  hkdf_sha256(ikm, salt, "lifeboat snapshot v1 manifest", keys.manifest);
  hkdf_sha256(ikm, salt, "lifeboat snapshot v1 trailer", keys.trailer);
  return keys;
}

Identity new_identity(std::string installation, std::string release, std::string region) {
  return Identity{.snapshot_id = random_hex(16), .created = format_utc(std::chrono::system_clock::now()),
                  .installation = std::move(installation), .release = std::move(release),
                  .source_region = std::move(region), .chunk_size = 1 << 20,
                  .nonce_prefix = random_hex(7), .manifest_nonce_prefix = random_hex(7)};
}

std::vector<std::uint8_t> encode_header(const Identity& identity, const Keys& keys,
                                        const std::vector<KeySlot>& slots) {
  nlohmann::json immutable = {
      {"snapshot_id", identity.snapshot_id}, {"created", identity.created},
      {"installation", identity.installation}, {"release", identity.release},
      {"source_region", identity.source_region}, {"chunk_size", identity.chunk_size},
      {"nonce_prefix", identity.nonce_prefix},
      {"manifest_nonce_prefix", identity.manifest_nonce_prefix},
      {"compression", "zstd"}, {"archive", "pax"}};
  auto text = immutable.dump();
  std::vector<std::uint8_t> out(k_magic.begin(), k_magic.end());
  put_u16(out, k_format_version);
  put_u16(out, 0);
  put_u32(out, static_cast<std::uint32_t>(text.size()));
  out.insert(out.end(), text.begin(), text.end());
  auto mac = mac_of(keys.header, out);
  out.insert(out.end(), mac.begin(), mac.end());
  return with_slots(std::move(out), slots);
}

std::vector<std::uint8_t> reencode_header(const Header& header, const std::vector<KeySlot>& slots) {
  auto out = header.immutable_bytes;
  out.insert(out.end(), header.mac.begin(), header.mac.end());
  return with_slots(std::move(out), slots);
}

std::uint64_t header_size_hint(std::span<const std::uint8_t> first16) {
  return 52 + get_le(first16.data() + 12, 4);
}

Header parse_header(std::span<const std::uint8_t> bytes, const std::string& what) {
  if (bytes.size() < 16 || !std::equal(k_magic.begin(), k_magic.end(), bytes.begin())) {
    malformed(what, bytes.size() < 16 ? "it is too short to be a snapshot (truncated)"
                                      : "it is not a lifeboat snapshot (wrong magic)");
  }
  auto version = get_le(bytes.data() + 8, 2);
  if (version != k_format_version) {
    throw Error(ErrorKind::unsupported, "unable to read " + what + ": snapshot format version " +
                                            std::to_string(version) +
                                            " is not supported by this lifeboat (it reads 1)");
  }
  if (get_le(bytes.data() + 10, 2) != 0) {
    malformed(what, "unknown header flags");
  }
  auto f = get_le(bytes.data() + 12, 4);
  if (f < 2 || f > k_max_section) {
    malformed(what, "the header is damaged (immutable section length " + std::to_string(f) + ")");
  }
  if (bytes.size() < 52 + f) {
    malformed(what, "the header is truncated");
  }
  Header header;
  header.immutable_bytes.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(16 + f));
  std::copy_n(bytes.data() + 16 + f, 32, header.mac.begin());
  auto s = get_le(bytes.data() + 48 + f, 4);
  if (s < 2 || s > k_max_section) {
    malformed(what, "the header's key slots are damaged");
  }
  if (bytes.size() < 52 + f + s) {
    malformed(what, "the header is truncated");
  }
  header.size = 52 + f + s;
  auto immutable = nlohmann::json::parse(bytes.begin() + 16, bytes.begin() + 16 + static_cast<std::ptrdiff_t>(f),
                                         nullptr, false);
  auto slots = nlohmann::json::parse(bytes.begin() + 52 + static_cast<std::ptrdiff_t>(f),
                                     bytes.begin() + static_cast<std::ptrdiff_t>(header.size), nullptr, false);
  try {
    if (immutable.is_discarded() || slots.is_discarded() || !slots.is_array()) {
      throw std::runtime_error("json");
    }
    auto& id = header.identity;
    id.snapshot_id = immutable.at("snapshot_id").get<std::string>();
    id.created = immutable.at("created").get<std::string>();
    id.installation = immutable.at("installation").get<std::string>();
    id.release = immutable.at("release").get<std::string>();
    id.source_region = immutable.at("source_region").get<std::string>();
    id.chunk_size = immutable.at("chunk_size").get<std::uint32_t>();
    id.nonce_prefix = immutable.at("nonce_prefix").get<std::string>();
    id.manifest_nonce_prefix = immutable.at("manifest_nonce_prefix").get<std::string>();
    if (id.snapshot_id.size() != 32 || !from_hex(id.snapshot_id) || id.chunk_size < 4096 ||
        id.chunk_size > (16u << 20) || id.nonce_prefix.size() != 14 ||
        id.manifest_nonce_prefix.size() != 14) {
      throw std::runtime_error("fields");
    }
    for (const auto& slot : slots) {
      auto wrapped = from_base64(slot.at("wrapped").get<std::string>());
      if (!wrapped) {
        throw std::runtime_error("slot");
      }
      header.slots.push_back(KeySlot{slot.at("key_id").get<std::string>(),
                                     slot.at("provider").get<std::string>(),
                                     slot.at("region").get<std::string>(), *wrapped});
    }
  } catch (const std::exception&) {
    malformed(what, "the header is damaged (its fields do not parse)");
  }
  return header;
}

void verify_header(const Header& header, const Keys& keys, const std::string& what) {
  auto expected = mac_of(keys.header, header.immutable_bytes);
  if (!equal_constant_time(expected, header.mac)) {
    throw Error(ErrorKind::corrupt,
                "unable to read " + what +
                    ": the header failed authentication; it was changed, or its key slot "
                    "belongs to another snapshot");
  }
}

std::array<std::uint8_t, k_trailer_size> encode_trailer(const Trailer& trailer, const Header& header,
                                                        const Keys& keys) {
  std::array<std::uint8_t, k_trailer_size> out{};
  std::copy(k_trailer_magic.begin(), k_trailer_magic.end(), out.begin());
  put_u64(out.data() + 8, trailer.body_size);
  put_u64(out.data() + 16, trailer.body_plain_size);
  put_u64(out.data() + 24, trailer.manifest_size);
  put_u64(out.data() + 32, trailer.manifest_plain_size);
  auto hash = header.hash();
  std::vector<std::uint8_t> covered(hash.begin(), hash.end());
  covered.insert(covered.end(), out.begin(), out.begin() + 64);
  auto mac = mac_of(keys.trailer, covered);
  std::copy(mac.begin(), mac.end(), out.begin() + 64);
  return out;
}

Trailer parse_trailer(std::span<const std::uint8_t> bytes, const Header& header, const Keys& keys,
                      const std::string& what) {
  if (bytes.size() != k_trailer_size ||
      !std::equal(k_trailer_magic.begin(), k_trailer_magic.end(), bytes.begin())) {
    malformed(what, "the trailer is missing: the snapshot is truncated or was never finished");
  }
  auto hash = header.hash();
  std::vector<std::uint8_t> covered(hash.begin(), hash.end());
  covered.insert(covered.end(), bytes.begin(), bytes.begin() + 64);
  auto mac = mac_of(keys.trailer, covered);
  if (!equal_constant_time(mac, bytes.subspan(64, 32))) {
    malformed(what, "the trailer failed authentication; the snapshot is damaged or its parts "
                    "come from different snapshots");
  }
  Trailer trailer;
  trailer.body_size = get_le(bytes.data() + 8, 8);
  trailer.body_plain_size = get_le(bytes.data() + 16, 8);
  trailer.manifest_size = get_le(bytes.data() + 24, 8);
  trailer.manifest_plain_size = get_le(bytes.data() + 32, 8);
  std::copy(mac.begin(), mac.end(), trailer.mac.begin());
  return trailer;
}

stream::ChunkKey body_key(const Header& header, const Keys& keys) {
  return stream::ChunkKey{.key = keys.body, .nonce_prefix = prefix_from(header.identity.nonce_prefix),
                          .aad = header.hash(), .chunk_size = header.identity.chunk_size};
}

stream::ChunkKey manifest_key(const Header& header, const Keys& keys) {
  return stream::ChunkKey{.key = keys.manifest,
                          .nonce_prefix = prefix_from(header.identity.manifest_nonce_prefix),
                          .aad = header.hash(), .chunk_size = header.identity.chunk_size};
}

OpenedSlot open_slot(const Header& header, kms::Kms& kms, const std::string& what) {
  auto mine = kms.describe();
  for (std::size_t index = 0; index < header.slots.size(); ++index) {
    const auto& slot = header.slots[index];
    if (slot.provider != mine.provider) {
      continue;
    }
    try {
      return OpenedSlot{index, kms.unwrap(slot.wrapped)};
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::corrupt) {
        throw;
      }
    }
  }
  std::string slots;
  for (const auto& slot : header.slots) {
    slots += (slots.empty() ? "" : ", ") + slot.key_id;
  }
  throw Error(ErrorKind::corrupt, "unable to read " + what + ": key '" + mine.key_id +
                                      "' opens none of its key slots (" + slots +
                                      "); use the KMS key the snapshot was made or rewrapped for");
}

}  // namespace lifeboat::snapshot
