// One-shot AES-256-GCM for small secrets (wrapped keys, the installation keyring):
// a sealed box is nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace lifeboat {

inline constexpr std::size_t k_gcm_nonce_size = 12;
inline constexpr std::size_t k_gcm_tag_size = 16;
inline constexpr std::size_t k_gcm_overhead = k_gcm_nonce_size + k_gcm_tag_size;

// Seals `plaintext` under the 32-byte `key` with a fresh random nonce, binding `aad`.
// Returns the box. Throws Error(internal) if OpenSSL fails.
std::vector<std::uint8_t> gcm_seal(std::span<const std::uint8_t> key, std::string_view aad,
                                   std::span<const std::uint8_t> plaintext);

// Opens a box made by gcm_seal() with the same key and aad into `out` (exactly
// box.size() - k_gcm_overhead bytes). Returns false — and leaves `out` zeroed — if the
// box is too short, damaged, or was sealed under another key or aad.
bool gcm_open(std::span<const std::uint8_t> key, std::string_view aad,
              std::span<const std::uint8_t> box, std::span<std::uint8_t> out);

}  // namespace lifeboat
