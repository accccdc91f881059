// The AWS KMS driver: addresses, and the wire against the loopback KMS stand-in.
#include <gtest/gtest.h>

#include "kms/awskms/awskms_kms.hpp"
#include "support/fake_kms_server.hpp"
#include "util/error.hpp"

namespace lifeboat::kms {

namespace {

const http::Credentials k_credentials{"AKIDLIFEBOATTEST", "test/secret/key", ""};

Kms open_key(const test::FakeKmsServer& server, const std::string& arn,
             http::Credentials credentials = k_credentials) {
  auto options = parse_awskms_address("awskms:" + arn + "?endpoint=" + server.endpoint());
  options.credentials = credentials;
  options.retry = {.attempts = 3, .base_delay = std::chrono::milliseconds(1),
                   .max_delay = std::chrono::milliseconds(5)};
  return Kms(make_awskms_kms(options));
}

}  // namespace

TEST(AwsKmsAddress, AcceptedAndRejected) {
  auto options = parse_awskms_address("awskms:arn:aws:kms:eu-west-1:111122223333:key/abcd-1234");
  EXPECT_EQ(options.region, "eu-west-1");
  EXPECT_EQ(options.key_arn, "arn:aws:kms:eu-west-1:111122223333:key/abcd-1234");
  EXPECT_EQ(options.endpoint, "https://kms.eu-west-1.amazonaws.com");
  EXPECT_EQ(parse_awskms_address("awskms:arn:aws:kms:us-east-1:1:alias/tfe?endpoint=http://127.0.0.1:9")
                .endpoint,
            "http://127.0.0.1:9");
  for (std::string bad : {"awskms:", "awskms:arn:aws:s3:::bucket", "awskms:arn:aws:kms::1:key/x",
                          "awskms:arn:aws:kms:r:1:user/x", "awskms:arn:aws:kms:r:1:key/x?colour=red",
                          "kms:arn:aws:kms:r:1:key/x"}) {
    EXPECT_THROW(parse_awskms_address(bad), Error) << bad;
  }
}

TEST(AwsKms, SignsEveryCallAndRetriesInternalErrors) {
  test::FakeKmsServer server(k_credentials);
  auto kms = open_key(server, server.add_key("k1"));
  server.fail_next(2);
  auto key = kms.generate_data_key();
  EXPECT_TRUE(kms.unwrap(key.wrapped) == key.plaintext);
  EXPECT_EQ(server.requests("TrentService.GenerateDataKey"), 3);
  EXPECT_EQ(server.requests("TrentService.Decrypt"), 1);
  EXPECT_EQ(server.bad_signatures(), 0);
  EXPECT_EQ(kms.describe().region, "eu-west-1");
}

TEST(AwsKms, RewrapBetweenAwsKeysUsesReEncrypt) {
  test::FakeKmsServer server(k_credentials);
  auto source = open_key(server, server.add_key("source"));
  auto target = open_key(server, server.add_key("target"));
  auto key = source.generate_data_key();
  auto rewrapped = source.rewrap(key.wrapped, target);
  EXPECT_EQ(server.requests("TrentService.ReEncrypt"), 1);
  EXPECT_EQ(server.requests("TrentService.Decrypt"), 0);  // the data key never came here
  EXPECT_TRUE(target.unwrap(rewrapped) == key.plaintext);
  EXPECT_THROW(source.unwrap(rewrapped), Error);
}

TEST(AwsKms, WrongSecretIsAnAuthError) {
  test::FakeKmsServer server(k_credentials);
  auto kms = open_key(server, server.add_key("k1"), {"AKIDLIFEBOATTEST", "wrong", ""});
  try {
    kms.generate_data_key();
    FAIL() << "a wrong secret was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::auth);
    EXPECT_NE(std::string(e.what()).find("InvalidSignatureException"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.bad_signatures(), 1);
}

TEST(AwsKms, MissingKeyIsNotFound) {
  test::FakeKmsServer server(k_credentials);
  auto kms = open_key(server, "arn:aws:kms:eu-west-1:111122223333:key/none");
  try {
    kms.generate_data_key();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found) << e.what();
  }
}

}  // namespace lifeboat::kms
