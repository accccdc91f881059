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

}  // namespace lifeboat::kms
