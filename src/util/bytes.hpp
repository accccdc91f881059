// Byte helpers: hex, digests (OpenSSL), random bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>
#include <span>
#include <string>
#include <string_view>

namespace lifeboat {

using Sha256 = std::array<std::uint8_t, 32>;
using Md5 = std::array<std::uint8_t, 16>;

std::span<const std::uint8_t> as_bytes(std::string_view text);

std::string to_hex(std::span<const std::uint8_t> bytes);
std::string to_base64(std::span<const std::uint8_t> bytes);

Sha256 sha256(std::span<const std::uint8_t> data);
Md5 md5(std::span<const std::uint8_t> data);
Sha256 hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

// HKDF-SHA-256 (RFC 5869): `out.size()` bytes from `ikm` with `salt` and `info`.
void hkdf_sha256(std::span<const std::uint8_t> ikm, std::span<const std::uint8_t> salt,
                 std::string_view info, std::span<std::uint8_t> out);

// Compares in time independent of where the inputs differ.
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// Decodes hex (either case); nullopt if `text` is not hex of even length.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);
std::optional<std::vector<std::uint8_t>> from_base64(std::string_view text);

// Fills `out` from the system's cryptographic random source; throws Error on failure.
void random_bytes(std::span<std::uint8_t> out);

// A random lowercase hex string of `bytes` random bytes (2 × bytes characters).
std::string random_hex(std::size_t bytes);

// An incremental digest over a stream of bytes. Not thread-safe.
class Digest {
 public:
  enum class Algorithm { sha256, md5 };
  explicit Digest(Algorithm algorithm);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void update(std::span<const std::uint8_t> data);
  // The digest of everything updated so far; the object must not be used afterwards.
  std::string finish_hex();
  std::array<std::uint8_t, 32> finish_sha256();
  Md5 finish_md5();

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace lifeboat
