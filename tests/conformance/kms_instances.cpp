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

// The first key of the keyring local_keys() made last: what reopen_local() rotates.
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

kms::Kms reopen_local() {
  kms::rotate_local_key(kms::parse_local_address(g_last_local));
  return kms::Kms::open(g_last_local);
}

std::string g_last_hsm;

std::optional<std::pair<kms::Kms, kms::Kms>> softhsm_keys() {
  static int counter = 0;
  ++counter;
  auto first = softhsm_address("kek-" + std::to_string(counter) + "-a");
  g_last_hsm = first.value_or("");
  auto second = softhsm_address("kek-" + std::to_string(counter) + "-b");
  if (!first || !second) {
    return std::nullopt;
  }
  kms::create_pkcs11_key(kms::parse_pkcs11_address(*first));
  kms::create_pkcs11_key(kms::parse_pkcs11_address(*second));
  return std::make_pair(kms::Kms::open(*first), kms::Kms::open(*second));
}

const http::Credentials k_aws_credentials{"AKIDLIFEBOATTEST", "test/secret/key", ""};
std::unique_ptr<test::FakeKmsServer> g_aws_server;
std::function<kms::Kms()> g_last_aws;  // reopens the first key aws_keys() made last

// Stops the stand-in when the tests end, inside main: a server thread still running
// when OpenSSL's exit handler runs would keep state that handler can no longer free.
class AwsServerEnvironment final : public ::testing::Environment {
 public:
  void TearDown() override { g_aws_server.reset(); }
};
[[maybe_unused]] auto* const g_aws_environment =
    ::testing::AddGlobalTestEnvironment(new AwsServerEnvironment);

std::optional<std::pair<kms::Kms, kms::Kms>> aws_keys() {
  if (!g_aws_server) {
    g_aws_server = std::make_unique<test::FakeKmsServer>(k_aws_credentials);
  }
  auto& server = *g_aws_server;
  const auto& credentials = k_aws_credentials;
  auto open = [&](const std::string& arn) {
    auto options = kms::parse_awskms_address("awskms:" + arn + "?endpoint=" + server.endpoint());
    options.credentials = credentials;
    return kms::Kms(kms::make_awskms_kms(options));
  };
  static int counter = 0;
  ++counter;
  auto first = server.add_key("a" + std::to_string(counter));
  g_last_aws = [open, first] { return open(first); };
  return std::make_pair(open(first),
                        open(server.add_key("b" + std::to_string(counter))));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(AwsStandIn, KmsConformance,
                         ::testing::Values(KmsFactory{"awskms", aws_keys, [] { return g_last_aws(); }}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(SoftHsm, KmsConformance,
                         ::testing::Values(KmsFactory{"pkcs11", softhsm_keys,
                                                    [] {
                                                      kms::rotate_pkcs11_key(
                                                          kms::parse_pkcs11_address(g_last_hsm));
                                                      return kms::Kms::open(g_last_hsm);
                                                    },
                                                    true}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(Local, KmsConformance,
                         ::testing::Values(KmsFactory{"local", local_keys, reopen_local, true}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace lifeboat::test
