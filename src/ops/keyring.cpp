// The installation keyring (keyring.hpp).
#include "ops/keyring.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/gcm.hpp"
#include "util/text.hpp"

namespace lifeboat::ops {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_format = "lifeboat-keyring-1";

std::span<const std::uint8_t> view(const kms::SecretBytes& bytes) {
  return {bytes.data(), bytes.size()};
}

std::string aad_for(const std::string& installation, const std::string& id) {
  return std::string(k_format) + "|" + installation + "|" + id;
}

// Wipes a string that held key material.
struct Wiped {
  std::string text;
  ~Wiped() { std::fill(text.begin(), text.end(), '\0'); }
};

std::string keys_document(const Keyring& keyring) {
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [id, key] : keyring.keys) {
    keys[id] = to_base64(view(key));
  }
  return nlohmann::json{{"current", keyring.current}, {"keys", keys}}.dump();
}

Keyring parse_keys(const std::string& text, const std::string& installation,
                   const std::string& what) {
  auto document = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&] {
    return Error(ErrorKind::corrupt,
                 "unable to read the keyring " + what + ": its keys are malformed");
  };
  if (document.is_discarded() || !document.is_object() || !document.contains("keys") ||
      !document["keys"].is_object() || !document.value("current", nlohmann::json()).is_string()) {
    throw bad();
  }
  Keyring keyring{.installation = installation, .current = document["current"].get<std::string>()};
  for (const auto& [id, value] : document["keys"].items()) {
    auto bytes = value.is_string() ? from_base64(value.get<std::string>()) : std::nullopt;
    if (!bytes || bytes->size() != 32) {
      throw bad();
    }
    keyring.keys[id] = kms::SecretBytes(bytes->data(), bytes->size());
    std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
  }
  if (!keyring.keys.contains(keyring.current)) {
    throw bad();
  }
  return keyring;
}

}  // namespace

kms::SecretBytes new_keyring_seal() {
  kms::SecretBytes seal(32);
  random_bytes(std::span(seal.data(), seal.size()));
  return seal;
}

std::string encode_seal(const kms::SecretBytes& seal) {
  return to_base64(view(seal));
}

kms::SecretBytes decode_seal(const std::string& text) {
  auto bytes = from_base64(text);
  if (!bytes || bytes->size() != 32) {
    throw Error(ErrorKind::corrupt, "the bootstrap bundle's keyring seal is malformed");
  }
  kms::SecretBytes seal(bytes->data(), bytes->size());
  std::fill(bytes->begin(), bytes->end(), std::uint8_t{0});
  return seal;
}

std::string seal_id(const kms::SecretBytes& seal) {
  // A digest under a fixed label, so the id says nothing usable about the seal itself.
  auto digest = hmac_sha256(view(seal), as_bytes("lifeboat keyring seal id"));
  return to_hex(std::span(digest).first(8));
}

Keyring create_keyring(const fs::path& path, const std::string& installation,
                       const kms::SecretBytes& seal) {
  if (fs::exists(fs::symlink_status(path))) {
    throw Error(ErrorKind::already_exists,
                "a keyring already exists at '" + path.string() + "'; a keyring is never replaced");
  }
  Keyring keyring{.installation = installation, .current = "k1"};
  kms::SecretBytes key(32);
  random_bytes(std::span(key.data(), key.size()));
  keyring.keys["k1"] = key;
  auto id = seal_id(seal);
  Wiped plain{keys_document(keyring)};
  auto box = gcm_seal(view(seal), aad_for(installation, id), as_bytes(plain.text));
  nlohmann::json file = {{"format", k_format},
                         {"installation", installation},
                         {"seal_id", id},
                         {"created", format_utc(std::chrono::system_clock::now())},
                         {"sealed", to_base64(box)}};
  make_directories(path.parent_path());
  write_file_atomic(path, file.dump(2) + "\n", 0600);
  return keyring;
}

Keyring unseal_keyring(const fs::path& path, const kms::SecretBytes& seal) {
  auto what = "'" + path.string() + "'";
  auto file = nlohmann::json::parse(read_file(path), nullptr, false);
  if (file.is_discarded() || !file.is_object() || file.value("format", "") != k_format ||
      !file.value("sealed", nlohmann::json()).is_string()) {
    throw Error(ErrorKind::corrupt,
                "unable to read the keyring " + what + ": it is not a lifeboat keyring (damaged?)");
  }
  auto installation = file.value("installation", "");
  auto recorded = file.value("seal_id", "");
  auto ours = seal_id(seal);
  if (recorded != ours) {
    throw Error(ErrorKind::corrupt, "the keyring " + what + " is sealed with seal " + recorded +
                                        ", but the bootstrap bundle holds seal " + ours +
                                        ": they belong to different installations or inits");
  }
  auto box = from_base64(file["sealed"].get<std::string>());
  if (!box || box->size() < k_gcm_overhead) {
    throw Error(ErrorKind::corrupt, "unable to unseal the keyring " + what + ": it is damaged");
  }
  Wiped plain{std::string(box->size() - k_gcm_overhead, '\0')};
  if (!gcm_open(view(seal), aad_for(installation, recorded), *box,
                std::span(reinterpret_cast<std::uint8_t*>(plain.text.data()), plain.text.size()))) {
    throw Error(ErrorKind::corrupt, "unable to unseal the keyring " + what +
                                        ": authentication failed; the file is damaged");
  }
  return parse_keys(plain.text, installation, what);
}

fs::path unsealed_keyring_path(const fs::path& runtime_dir) {
  return runtime_dir / "keyring.json";
}

void write_unsealed_keyring(const fs::path& runtime_dir, const Keyring& keyring) {
  make_directories(runtime_dir);
  // make_directories leaves an existing directory as it is: the keys need it private.
  if (::chmod(runtime_dir.c_str(), 0700) != 0) {
    throw_errno("unable to make '" + runtime_dir.string() + "' private", errno);
  }
  Wiped plain{keys_document(keyring)};
  auto document = nlohmann::json::parse(plain.text);
  document["installation"] = keyring.installation;
  Wiped text{document.dump() + "\n"};
  write_file_atomic(unsealed_keyring_path(runtime_dir), text.text, 0600);
}

Keyring read_unsealed_keyring(const fs::path& runtime_dir) {
  auto path = unsealed_keyring_path(runtime_dir);
  Wiped text{read_file(path)};
  auto document = nlohmann::json::parse(text.text, nullptr, false);
  auto installation = document.is_object() ? document.value("installation", "") : "";
  return parse_keys(text.text, installation, "'" + path.string() + "'");
}

std::string encrypt_secret(const Keyring& keyring, const std::string& plaintext) {
  const auto& key = keyring.keys.at(keyring.current);
  auto box =
      gcm_seal(view(key), aad_for(keyring.installation, keyring.current), as_bytes(plaintext));
  return keyring.current + ":" + to_base64(box);
}

std::optional<std::string> decrypt_secret(const Keyring& keyring, const std::string& ciphertext) {
  auto colon = ciphertext.find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  auto id = ciphertext.substr(0, colon);
  auto it = keyring.keys.find(id);
  auto box = from_base64(ciphertext.substr(colon + 1));
  if (it == keyring.keys.end() || !box || box->size() < k_gcm_overhead) {
    return std::nullopt;
  }
  std::string plain(box->size() - k_gcm_overhead, '\0');
  if (!gcm_open(view(it->second), aad_for(keyring.installation, id), *box,
                std::span(reinterpret_cast<std::uint8_t*>(plain.data()), plain.size()))) {
    return std::nullopt;
  }
  return plain;
}

}  // namespace lifeboat::ops
