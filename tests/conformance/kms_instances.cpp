// Every KMS driver runs the conformance suite: local, PKCS#11 on SoftHSM2, and AWS KMS
// against the loopback stand-in (no real KMS runs here).
#include "conformance/kms_conformance.hpp"
#include "kms/awskms/awskms_kms.hpp"
#include "kms/local/local_kms.hpp"
#include "kms/pkcs11/pkcs11_kms.hpp"
#include "support/fake_kms_server.hpp"
#include "support/test_env.hpp"

namespace lifeboat::test {

namespace {

// The first key of the keyring local_keys() made last: what rotate_local() rotates.
std::string g_last_local;

std::optional<std::pair<kms::Kms, kms::Kms>> local_keys() {
  static TempDir dir;
  static int counter = 0;
  auto file = (dir.path() / ("keyring-" + std::to_string(++counter))).string();
  g_last_local = "local://" + file + "?key=first";
  auto second = "local://" + file + "?key=second";
  kms::create_local_key(kms::parse_local_address(g_last_local));
  kms::create_local_key(kms::parse_local_address(second));
  return std::make_pair(kms::Kms::open(g_last_local), kms::Kms::open(second));
}

kms::Kms rotate_local() {
  kms::rotate_local_key(kms::parse_local_address(g_last_local));
  return kms::Kms::open(g_last_local);
}

std::optional<std::pair<kms::Kms, kms::Kms>> softhsm_keys() {
  static int counter = 0;
  ++counter;
  auto first = softhsm_address("kek-" + std::to_string(counter) + "-a");
  auto second = softhsm_address("kek-" + std::to_string(counter) + "-b");
  if (!first || !second) {
    return std::nullopt;
  }
  kms::create_pkcs11_key(kms::parse_pkcs11_address(*first));
  kms::create_pkcs11_key(kms::parse_pkcs11_address(*second));
  return std::make_pair(kms::Kms::open(*first), kms::Kms::open(*second));
}

std::optional<std::pair<kms::Kms, kms::Kms>> aws_keys() {
  static http::Credentials credentials{"AKIDLIFEBOATTEST", "test/secret/key", ""};
  static test::FakeKmsServer server(credentials);
  auto open = [&](const std::string& arn) {
    auto options = kms::parse_awskms_address("awskms:" + arn + "?endpoint=" + server.endpoint());
    options.credentials = credentials;
    return kms::Kms(kms::make_awskms_kms(options));
  };
  static int counter = 0;
  ++counter;
  return std::make_pair(open(server.add_key("a" + std::to_string(counter))),
                        open(server.add_key("b" + std::to_string(counter))));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(AwsStandIn, KmsConformance,
                         ::testing::Values(KmsFactory{"awskms", aws_keys, nullptr}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(SoftHsm, KmsConformance,
                         ::testing::Values(KmsFactory{"pkcs11", softhsm_keys, nullptr}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(Local, KmsConformance,
                         ::testing::Values(KmsFactory{"local", local_keys, rotate_local}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace lifeboat::test
