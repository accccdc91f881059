// The awskms: KMS driver: AWS KMS over its JSON API, signed with the S3 driver's SigV4.
//
// Address: awskms:arn:aws:kms:REGION:ACCOUNT:key/ID[?endpoint=URL]. Credentials as for
// S3 (http/credentials.hpp). Data keys come from GenerateDataKey (AES_256); wrap is
// Encrypt and unwrap Decrypt, both with the encryption context {"lifeboat": "data-key"}
// so a blob made for another purpose does not unwrap here; a rewrap to another key of
// the same region is ReEncrypt, so the data key never leaves AWS KMS. The wrapped blob
// is the service's CiphertextBlob as it is.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/sigv4.hpp"
#include "http/transport.hpp"
#include "kms/kms.hpp"

namespace lifeboat::kms {

struct AwsKmsOptions {
  std::string key_arn;   // Required
  std::string region;    // from the ARN
  std::string endpoint;  // Default: https://kms.REGION.amazonaws.com
  std::optional<http::Credentials> credentials;  // Default: environment or file
  std::shared_ptr<http::Transport> transport;    // Default: libcurl
  http::RetryPolicy retry;
};

AwsKmsOptions parse_awskms_address(const std::string& address);

std::unique_ptr<KmsDriver> make_awskms_kms(AwsKmsOptions options);

}  // namespace lifeboat::kms
