// The snapshot format's header, keys and trailer (doc/snapshot-format.md, version 1).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kms/kms.hpp"
#include "stream/aead.hpp"
#include "util/bytes.hpp"

namespace lifeboat::snapshot {

constexpr std::uint16_t k_format_version = 1;
constexpr std::size_t k_trailer_size = 96;
constexpr std::size_t k_max_section = 65'536;

// The immutable section: fixed when the snapshot is made, covered by the header MAC.
struct Identity {
  std::string snapshot_id;     // 32 hex
  std::string created;         // RFC 3339 UTC
  std::string installation;
  std::string release;         // YYYYMM-N
  std::string source_region;
  std::uint32_t chunk_size = 1 << 20;
  std::string nonce_prefix;           // 14 hex
  std::string manifest_nonce_prefix;  // 14 hex
};

struct KeySlot {
  std::string key_id;
  std::string provider;
  std::string region;
  std::vector<std::uint8_t> wrapped;
};

struct Header {
  Identity identity;
  std::vector<std::uint8_t> immutable_bytes;  // bytes[0, 16+F): what the MAC and hash cover
  std::array<std::uint8_t, 32> mac{};
  std::vector<KeySlot> slots;
  std::uint64_t size = 0;                     // H: where the body starts

  Sha256 hash() const { return sha256(immutable_bytes); }
};

struct Trailer {
  std::uint64_t body_size = 0;
  std::uint64_t body_plain_size = 0;
  std::uint64_t manifest_size = 0;
  std::uint64_t manifest_plain_size = 0;
  std::array<std::uint8_t, 32> mac{};
};

// The keys derived from a data key (doc: "Keys").
struct Keys {
  std::array<std::uint8_t, 32> header{}, body{}, manifest{}, trailer{};
  ~Keys();
};
Keys derive_keys(const kms::SecretBytes& data_key, const std::string& snapshot_id);

// A fresh identity: random id and nonce prefixes, the time now.
Identity new_identity(std::string installation, std::string release, std::string region);

// Serialises a header: immutable section, its MAC under `keys.header`, and the slots.
std::vector<std::uint8_t> encode_header(const Identity& identity, const Keys& keys,
                                        const std::vector<KeySlot>& slots);
// Re-serialises a parsed header with other slots; every other byte stays the same.
std::vector<std::uint8_t> reencode_header(const Header& header, const std::vector<KeySlot>& slots);

// Parses a header from the start of a snapshot. `bytes` may run past the header.
// Throws Error(corrupt) naming `what` if it is malformed or truncated, and
// Error(unsupported) for another format version.
Header parse_header(std::span<const std::uint8_t> bytes, const std::string& what);

// The smallest prefix parse_header needs to know the header's size: 16 bytes, then
// 52 + F bytes once F is known.
std::uint64_t header_size_hint(std::span<const std::uint8_t> first16);

// Checks the header MAC; throws Error(corrupt) if the data key is not this header's.
void verify_header(const Header& header, const Keys& keys, const std::string& what);

std::array<std::uint8_t, k_trailer_size> encode_trailer(const Trailer& trailer, const Header& header,
                                                        const Keys& keys);
// Parses and authenticates the last 96 bytes. Throws Error(corrupt) "truncated" if the
// magic is wrong, and on a bad MAC.
Trailer parse_trailer(std::span<const std::uint8_t> bytes, const Header& header, const Keys& keys,
                      const std::string& what);

// The chunk keys for the body and the manifest.
stream::ChunkKey body_key(const Header& header, const Keys& keys);
stream::ChunkKey manifest_key(const Header& header, const Keys& keys);

// The first key slot `kms` can open, and the data key it holds.
struct OpenedSlot {
  std::size_t index = 0;  // into Header::slots
  kms::SecretBytes data_key;
};

// Unwraps the data key from the first slot `kms` can open (one unwrap per slot tried).
// Throws Error(corrupt) naming the slots' keys if none can.
OpenedSlot open_slot(const Header& header, kms::Kms& kms, const std::string& what);

}  // namespace lifeboat::snapshot
