// Key management: a concrete Kms over a small KmsDriver interface.
//
// A KMS holds key-encryption keys (KEKs) that never leave it. lifeboat asks it for
// fresh data keys and to wrap and unwrap them; snapshots carry only wrapped data keys.
// Drivers (local/, pkcs11/, awskms/) are listed by scheme in registry.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lifeboat::kms {

// Secret bytes: zeroed when destroyed. Never logged, printed or put in an error.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : m_bytes(size) {}
  SecretBytes(const std::uint8_t* data, std::size_t size) : m_bytes(data, data + size) {}
  ~SecretBytes();
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes&) = default;
  SecretBytes(SecretBytes&&) noexcept = default;
  SecretBytes& operator=(SecretBytes&&) noexcept = default;

  std::uint8_t* data() { return m_bytes.data(); }
  const std::uint8_t* data() const { return m_bytes.data(); }
  std::size_t size() const { return m_bytes.size(); }
  bool operator==(const SecretBytes& other) const { return m_bytes == other.m_bytes; }

 private:
  std::vector<std::uint8_t> m_bytes;
};

// Which key this is, for people and for key slots. Never secret.
struct KeyDescription {
  std::string key_id;    // stable id of the KEK version used to wrap ("local:tfe#2", an ARN)
  std::string provider;  // "local", "pkcs11", "awskms"
  std::string region;    // the KEK's region; "" where the provider has none
};

// A data key in both forms, as generate_data_key returns it.
struct DataKey {
  SecretBytes plaintext;             // 32 bytes
  std::vector<std::uint8_t> wrapped;  // opaque; unwrap() of this gives `plaintext`
};

// The driver interface. Every method may be called from several threads at once.
// Errors are lifeboat::Error: corrupt when a wrapped key fails authentication (wrong
// key, tampered blob) — never garbage; auth/permission when the KMS refuses us;
// not_found when the KEK does not exist; transient only after the driver's retries.
class KmsDriver {
 public:
  virtual ~KmsDriver() = default;

  // The KEK that wrap() uses now.
  virtual KeyDescription describe() const = 0;

  // A fresh random 256-bit data key and its wrapping under the current KEK. Default:
  // 32 bytes from this machine's generator, wrapped with wrap(); a KMS that makes data
  // keys itself (AWS KMS) overrides it.
  virtual DataKey generate_data_key();

  // Wraps `plaintext` (1 to 64 bytes) under the current KEK.
  virtual std::vector<std::uint8_t> wrap(const SecretBytes& plaintext) = 0;

  // Unwraps a blob made by wrap() or generate_data_key() of this KEK (any version of
  // it still held). Throws Error(corrupt) naming the key if it fails authentication.
  virtual SecretBytes unwrap(const std::vector<std::uint8_t>& wrapped) = 0;

  // Re-wraps a blob of this KEK for the KEK `target` inside the KMS, so the plaintext
  // never reaches this process (AWS KMS ReEncrypt). nullopt where the driver cannot
  // for that target; the caller then unwraps and wraps. Default: nullopt.
  virtual std::optional<std::vector<std::uint8_t>> reencrypt(const std::vector<std::uint8_t>& wrapped,
                                                             const KeyDescription& target);
};

// The public KMS: one driver plus the rules shared by all.
class Kms final {
 public:
  explicit Kms(std::unique_ptr<KmsDriver> driver);

  // Opens the KMS at `address` ("local:///etc/lifeboat/keyring?key=tfe",
  // "pkcs11:token=...;object=...?module-path=...", "awskms:arn:aws:kms:..."). Throws
  // Error(usage) for a malformed address or unknown scheme.
  static Kms open(const std::string& address);

  KeyDescription describe() const { return m_driver->describe(); }
  DataKey generate_data_key() { return m_driver->generate_data_key(); }
  std::vector<std::uint8_t> wrap(const SecretBytes& plaintext);
  SecretBytes unwrap(const std::vector<std::uint8_t>& wrapped);
  // A blob of this KEK wrapped again for `target`: inside the KMS where it can, else
  // unwrapped here and wrapped by `target`.
  std::vector<std::uint8_t> rewrap(const std::vector<std::uint8_t>& wrapped, Kms& target);

 private:
  std::unique_ptr<KmsDriver> m_driver;
};

// Creates the key-encryption key at `address` if it does not exist yet (local keyring,
// PKCS#11 token) and returns true; returns false if it exists, which is then adopted.
// An AWS KMS key is made in AWS KMS: it is only checked (a wrap and an unwrap), and
// one that does not exist or that we may not use throws.
bool create_key_if_missing(const std::string& address);

}  // namespace lifeboat::kms
