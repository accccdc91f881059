// Chunked AES-256-GCM in the STREAM construction (doc/snapshot-format.md "Body").
//
// Plaintext is cut into chunks of `chunk_size`; chunk i is sealed with the nonce
// nonce_prefix ‖ u32_be(i) ‖ last-flag and the associated data `aad`, so a reordered,
// duplicated, dropped or truncated chunk fails authentication.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "stream/stage.hpp"
#include "util/bytes.hpp"

namespace lifeboat::stream {

struct ChunkKey {
  std::array<std::uint8_t, 32> key{};          // secret
  std::array<std::uint8_t, 7> nonce_prefix{};
  Sha256 aad{};
  std::uint32_t chunk_size = 1 << 20;
};

constexpr std::size_t k_tag_size = 16;

// The sealed size of `plaintext` bytes.
std::uint64_t sealed_size(std::uint64_t plaintext, std::uint32_t chunk_size);

// Seals what is written and writes it to `next`; finish() seals the last chunk (empty
// if nothing was written) and finishes `next`.
std::unique_ptr<Sink> make_seal_sink(const ChunkKey& key, Sink& next);

// Opens exactly `sealed_length` bytes read from `in`, yielding the plaintext. Throws
// Error(corrupt) "... chunk N of <what> failed authentication ..." on any damage.
std::unique_ptr<Source> make_open_source(const ChunkKey& key, Source& in,
                                         std::uint64_t sealed_length, std::string what);

}  // namespace lifeboat::stream
