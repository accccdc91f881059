// The installation keyring: the installation's own secret-encryption keys (the Vault of
// PTFE), kept as a file in internal data — so every snapshot carries it — and sealed.
//
// The seal is a random 256-bit key held in the bootstrap bundle, which the region's KMS
// key encrypts; so the keyring opens only where that KMS key does, and moving an
// installation to another region rewraps the bundle, never the keyring. A keyring
// that will not unseal after a restore, or a new keyring over a database that already
// holds secrets, means every stored secret is unreadable: the signs of a failed restore.
//
// File (JSON, 0600): {"format":"lifeboat-keyring-1","installation":…,"seal_id":…,
// "created":…,"sealed":"<base64 of an AES-256-GCM box>"}; the box holds
// {"current":"k1","keys":{"k1":"<base64 of 32 bytes>"}} and binds format, installation
// and seal_id as associated data.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "kms/kms.hpp"

namespace lifeboat::ops {

// The name of the seal in the bootstrap bundle's secrets.
inline constexpr const char* k_keyring_seal_secret = "keyring_seal";

// A fresh seal (32 random bytes).
kms::SecretBytes new_keyring_seal();
// The seal as the bundle keeps it (base64), and back. decode throws Error(corrupt).
std::string encode_seal(const kms::SecretBytes& seal);
kms::SecretBytes decode_seal(const std::string& text);
// A short public fingerprint of a seal (16 hex digits), recorded in the keyring file so
// a mismatch can be told from damage.
std::string seal_id(const kms::SecretBytes& seal);

// The keys, unsealed. Secret: never printed.
struct Keyring {
  std::string installation;
  std::string current;                           // the key id new secrets use
  std::map<std::string, kms::SecretBytes> keys;  // id → 32 bytes
};

// Writes a new keyring with one fresh key at `path`, sealed under `seal`, atomically
// and 0600 (its directory made 0700 if missing). Throws Error(already_exists) if a file
// is there: a keyring is never replaced.
Keyring create_keyring(const std::filesystem::path& path, const std::string& installation,
                       const kms::SecretBytes& seal);

// Opens the keyring at `path` with `seal`. Throws Error(not_found) if there is none,
// Error(corrupt) if it is damaged or was sealed with another seal (saying which).
Keyring unseal_keyring(const std::filesystem::path& path, const kms::SecretBytes& seal);

// Where an unsealed keyring lives at run time: DIR/keyring.json (0600) in a 0700 DIR.
std::filesystem::path unsealed_keyring_path(const std::filesystem::path& runtime_dir);
// Writes the unsealed keys for the application (atomically). Throws Error(io).
void write_unsealed_keyring(const std::filesystem::path& runtime_dir, const Keyring& keyring);
// Reads them back; Error(not_found) if the keyring has not been unsealed here.
Keyring read_unsealed_keyring(const std::filesystem::path& runtime_dir);

// Encrypts a secret the way the application stores one: "KEYID:<base64 box>".
std::string encrypt_secret(const Keyring& keyring, const std::string& plaintext);
// Decrypts one; nullopt if the key is missing from the keyring or the box fails
// authentication (the keyring is not the one that encrypted it).
std::optional<std::string> decrypt_secret(const Keyring& keyring, const std::string& ciphertext);

}  // namespace lifeboat::ops
