// The KMS scheme table.
#include "kms/local/local_kms.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::kms {

Kms Kms::open(const std::string& address) {
  if (address.starts_with("local:")) {
    return Kms(make_local_kms(parse_local_address(address)));
  }
  if (address.starts_with("pkcs11:") || address.starts_with("awskms:")) {
    throw Error(ErrorKind::unsupported,
                "KMS address '" + redact(address) +
                    "': the PKCS#11 and AWS KMS drivers are not built yet; use local:///PATH?key=NAME");
  }
  throw Error(ErrorKind::usage, "unknown KMS address '" + redact(address) +
                                    "': use local:///PATH/TO/KEYRING?key=NAME");
}

}  // namespace lifeboat::kms
