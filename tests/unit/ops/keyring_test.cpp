// The installation keyring: sealed with the bundle's seal, never replaced, refused when
// damaged or sealed with another seal, and unsealed into a private runtime directory.
#include "ops/keyring.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::ops {
namespace {

namespace fs = std::filesystem;

std::string failure(const std::function<void()>& f, ErrorKind want) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), want) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

int mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return static_cast<int>(st.st_mode & 0777);
}

struct Rig {
  test::TempDir dir;
  fs::path path = dir.path() / "data" / "keyring.sealed";
  kms::SecretBytes seal = new_keyring_seal();
};

TEST(Keyring, CreateThenUnsealRoundTrips) {
  Rig rig;
  auto made = create_keyring(rig.path, "tfe", rig.seal);
  EXPECT_EQ(mode_of(rig.path), 0600);
  auto opened = unseal_keyring(rig.path, rig.seal);
  EXPECT_EQ(opened.installation, "tfe");
  EXPECT_EQ(opened.current, made.current);
  ASSERT_EQ(opened.keys.size(), 1u);
  EXPECT_TRUE(opened.keys.begin()->second == made.keys.begin()->second);
  EXPECT_EQ(opened.keys.begin()->second.size(), 32u);
}

TEST(Keyring, FileHoldsNoKeyInTheClear) {
  Rig rig;
  auto made = create_keyring(rig.path, "tfe", rig.seal);
  auto text = read_file(rig.path);
  const auto& key = made.keys.begin()->second;
  EXPECT_EQ(text.find(to_base64(std::span(key.data(), key.size()))), std::string::npos);
  EXPECT_EQ(text.find(encode_seal(rig.seal)), std::string::npos);
}

TEST(Keyring, NeverReplaced) {
  Rig rig;
  create_keyring(rig.path, "tfe", rig.seal);
  auto before = read_file(rig.path);
  failure([&] { create_keyring(rig.path, "tfe", new_keyring_seal()); }, ErrorKind::already_exists);
  EXPECT_EQ(read_file(rig.path), before);
}

TEST(Keyring, AnotherSealIsNamedAsSuch) {
  Rig rig;
  create_keyring(rig.path, "tfe", rig.seal);
  auto message = failure([&] { unseal_keyring(rig.path, new_keyring_seal()); }, ErrorKind::corrupt);
  EXPECT_NE(message.find("different installations"), std::string::npos) << message;
  EXPECT_NE(message.find(seal_id(rig.seal)), std::string::npos) << message;
}

TEST(Keyring, FlippedByteInTheSealedKeysIsRefused) {
  Rig rig;
  create_keyring(rig.path, "tfe", rig.seal);
  auto file = nlohmann::json::parse(read_file(rig.path));
  auto sealed = file["sealed"].get<std::string>();
  sealed[sealed.size() / 2] = sealed[sealed.size() / 2] == 'A' ? 'B' : 'A';
  file["sealed"] = sealed;
  write_file_atomic(rig.path, file.dump());
  auto message = failure([&] { unseal_keyring(rig.path, rig.seal); }, ErrorKind::corrupt);
  EXPECT_NE(message.find("authentication failed"), std::string::npos) << message;
}

TEST(Keyring, RenamedInstallationIsRefused) {
  Rig rig;
  create_keyring(rig.path, "tfe", rig.seal);
  auto file = nlohmann::json::parse(read_file(rig.path));
  file["installation"] = "other";
  write_file_atomic(rig.path, file.dump());
  failure([&] { unseal_keyring(rig.path, rig.seal); }, ErrorKind::corrupt);
}

TEST(Keyring, NotAKeyringOrMissing) {
  Rig rig;
  failure([&] { unseal_keyring(rig.path, rig.seal); }, ErrorKind::not_found);
  make_directories(rig.path.parent_path());
  write_file_atomic(rig.path, "{\"format\":\"something else\"}");
  auto message = failure([&] { unseal_keyring(rig.path, rig.seal); }, ErrorKind::corrupt);
  EXPECT_NE(message.find("not a lifeboat keyring"), std::string::npos) << message;
}

TEST(Keyring, UnsealedIntoAPrivateDirectory) {
  Rig rig;
  auto made = create_keyring(rig.path, "tfe", rig.seal);
  auto runtime = rig.dir.path() / "run";
  fs::create_directories(runtime);
  ::chmod(runtime.c_str(), 0755);
  write_unsealed_keyring(runtime, made);
  EXPECT_EQ(mode_of(runtime), 0700);
  EXPECT_EQ(mode_of(unsealed_keyring_path(runtime)), 0600);
  auto back = read_unsealed_keyring(runtime);
  EXPECT_EQ(back.installation, "tfe");
  EXPECT_TRUE(back.keys.at(back.current) == made.keys.at(made.current));
}

TEST(Keyring, SecretsDecryptOnlyWithTheirKeyring) {
  Rig rig;
  auto ours = create_keyring(rig.path, "tfe", rig.seal);
  auto theirs = create_keyring(rig.dir.path() / "other.sealed", "tfe", new_keyring_seal());
  auto ciphertext = encrypt_secret(ours, "AKIA-secret-value");
  EXPECT_EQ(ciphertext.find("AKIA"), std::string::npos);
  EXPECT_EQ(decrypt_secret(ours, ciphertext).value_or(""), "AKIA-secret-value");
  EXPECT_FALSE(decrypt_secret(theirs, ciphertext).has_value());
  EXPECT_FALSE(decrypt_secret(ours, "k1:not-base64!").has_value());
  EXPECT_FALSE(decrypt_secret(ours, "no-colon").has_value());
  EXPECT_FALSE(decrypt_secret(ours, "k9:" + ciphertext.substr(3)).has_value());
}

TEST(Keyring, SealEncodingRoundTripsAndRefusesGarbage) {
  auto seal = new_keyring_seal();
  EXPECT_TRUE(decode_seal(encode_seal(seal)) == seal);
  failure([] { decode_seal("dG9vIHNob3J0"); }, ErrorKind::corrupt);
  EXPECT_EQ(seal_id(seal).size(), 16u);
  EXPECT_NE(seal_id(seal), seal_id(new_keyring_seal()));
}

}  // namespace
}  // namespace lifeboat::ops
