// The pkcs11: KMS driver: a key-encryption key that never leaves a PKCS#11 token (an
// HSM; SoftHSM2 in tests).
//
// Address (RFC 7512): pkcs11:token=LABEL;object=LABEL?module-path=/path/module.so
//   &pin-value=PIN  or  &pin-source=FILE  (a file holding the PIN; preferred, since a
//   PIN on the command line shows in the process list). Values are percent-encoded.
//
// The KEK is an AES-256 secret key object with CKA_SENSITIVE true and CKA_EXTRACTABLE
// false, made inside the token by create_pkcs11_key(). Rotation adds a version: a new
// object labelled "LABEL#2", "LABEL#3", ...; wraps use the newest, unwraps the version
// the blob names. A wrapped blob is "LBP1" ‖ u32_le(version) ‖ iv(12) ‖ ciphertext ‖
// tag(16): CKM_AES_GCM inside the token with the associated data "lifeboat-pkcs11:" +
// that version's label. Any failure to decrypt is an authentication failure (SoftHSM2
// answers CKR_GENERAL_ERROR for a bad tag).
#pragma once

#include <memory>
#include <string>

#include "kms/kms.hpp"

namespace lifeboat::kms {

struct Pkcs11Options {
  std::string module_path;  // Required
  std::string token;        // token label. Required
  std::string object;       // key label. Required
  std::string pin;          // secret; from pin-value or the pin-source file
};

// Parses the address, reading a pin-source file. Throws Error(usage).
Pkcs11Options parse_pkcs11_address(const std::string& address);

std::unique_ptr<KmsDriver> make_pkcs11_kms(const Pkcs11Options& options);

// Generates the KEK inside the token. Throws Error(already_exists) if the label is taken.
void create_pkcs11_key(const Pkcs11Options& options);

// Generates the key's next version inside the token and returns its number.
std::uint32_t rotate_pkcs11_key(const Pkcs11Options& options);

}  // namespace lifeboat::kms
