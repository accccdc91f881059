// Kms: the rules every KMS driver shares.
#include "kms/kms.hpp"

#include <openssl/crypto.h>

#include "util/bytes.hpp"
#include "util/error.hpp"

namespace lifeboat::kms {

SecretBytes::~SecretBytes() {
  if (!m_bytes.empty()) {
    OPENSSL_cleanse(m_bytes.data(), m_bytes.size());
  }
}

DataKey KmsDriver::generate_data_key() {
  SecretBytes plaintext(32);
  random_bytes({plaintext.data(), plaintext.size()});
  auto wrapped = wrap(plaintext);
  return DataKey{std::move(plaintext), std::move(wrapped)};
}

std::optional<std::vector<std::uint8_t>> KmsDriver::reencrypt(const std::vector<std::uint8_t>&,
                                                               const KeyDescription&) {
  return std::nullopt;
}

Kms::Kms(std::unique_ptr<KmsDriver> driver) : m_driver(std::move(driver)) {}

std::vector<std::uint8_t> Kms::wrap(const SecretBytes& plaintext) {
  if (plaintext.size() == 0 || plaintext.size() > 64) {
    throw Error(ErrorKind::usage, "unable to wrap with key '" + describe().key_id +
                                      "': a wrapped secret must be 1 to 64 bytes");
  }
  return m_driver->wrap(plaintext);
}

SecretBytes Kms::unwrap(const std::vector<std::uint8_t>& wrapped) {
  return m_driver->unwrap(wrapped);
}

std::vector<std::uint8_t> Kms::rewrap(const std::vector<std::uint8_t>& wrapped, Kms& target) {
  if (auto inside = m_driver->reencrypt(wrapped, target.describe())) {
    return *inside;
  }
  return target.wrap(unwrap(wrapped));
}

}  // namespace lifeboat::kms
