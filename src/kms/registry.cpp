// The KMS scheme table.
#include "kms/awskms/awskms_kms.hpp"
#include "kms/local/local_kms.hpp"
#include "kms/pkcs11/pkcs11_kms.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::kms {

Kms Kms::open(const std::string& address) {
  if (address.starts_with("local:")) {
    return Kms(make_local_kms(parse_local_address(address)));
  }
  if (address.starts_with("pkcs11:")) {
    return Kms(make_pkcs11_kms(parse_pkcs11_address(address)));
  }
  if (address.starts_with("awskms:")) {
    return Kms(make_awskms_kms(parse_awskms_address(address)));
  }
  throw Error(ErrorKind::usage, "unknown KMS address '" + redact(address) +
                                    "': use local:///PATH/TO/KEYRING?key=NAME pkcs11:token=T;object=O?module-path=M or awskms:ARN");
}

bool create_key_if_missing(const std::string& address) {
  try {
    if (address.starts_with("local:")) {
      create_local_key(parse_local_address(address));
      return true;
    }
    if (address.starts_with("pkcs11:")) {
      create_pkcs11_key(parse_pkcs11_address(address));
      return true;
    }
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::already_exists) {
      return false;
    }
    throw;
  }
  // AWS KMS keys are made in AWS KMS; one that does not exist fails here.
  auto kms = Kms::open(address);
  kms.unwrap(kms.wrap(SecretBytes(32)));
  return false;
}

}  // namespace lifeboat::kms
