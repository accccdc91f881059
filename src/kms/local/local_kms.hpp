// The local:// KMS driver: a keyring file of named, versioned AES-256 KEKs.
//
// Address: local:///ABSOLUTE/PATH?key=NAME (or local://RELATIVE/PATH?key=NAME).
// The keyring is JSON: {"format":"lifeboat-keyring","version":1,"keys":{"NAME":[
// {"version":1,"created":"...","material":"<base64 of 32 bytes>"}, ...]}}. It is
// written 0600 and refused (Error(unsafe)) if group or others may read or write it.
//
// A wrapped blob is "LBK1" ‖ u32_le(version) ‖ nonce(12) ‖ ciphertext ‖ tag(16):
// AES-256-GCM under that version of the key, with the associated data
// "lifeboat-local-kek:NAME#VERSION", so a blob cannot be moved to another key. wrap()
// uses the newest version; unwrap() the version the blob names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kms/kms.hpp"

namespace lifeboat::kms {

struct LocalKmsOptions {
  std::filesystem::path keyring;  // Required
  std::string key;                // the key's name. Required
};

LocalKmsOptions parse_local_address(const std::string& address);

// Opens the key; throws Error(not_found) if the keyring or the key does not exist.
std::unique_ptr<KmsDriver> make_local_kms(const LocalKmsOptions& options);

struct LocalKeyVersion {
  std::uint32_t version = 0;
  std::string created;
};

// Adds a key named options.key (version 1), creating the keyring if needed. Throws
// Error(already_exists) if the name is taken.
void create_local_key(const LocalKmsOptions& options);
// Adds a new version to the key; later wraps use it, older blobs still unwrap.
std::uint32_t rotate_local_key(const LocalKmsOptions& options);
// The key's versions, oldest first (never the material).
std::vector<LocalKeyVersion> describe_local_key(const LocalKmsOptions& options);

}  // namespace lifeboat::kms
