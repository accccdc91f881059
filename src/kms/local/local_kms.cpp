// The local:// KMS driver.
#include "kms/local/local_kms.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/gcm.hpp"
#include "util/text.hpp"

namespace lifeboat::kms {

namespace {

namespace fs = std::filesystem;
constexpr std::array<std::uint8_t, 4> k_magic = {'L', 'B', 'K', '1'};
constexpr std::size_t k_overhead = 4 + 4 + k_gcm_overhead;

std::string aad_for(const std::string& name, std::uint32_t version) {
  return "lifeboat-local-kek:" + name + "#" + std::to_string(version);
}

// Reads the keyring, refusing one that others may read or write.
nlohmann::json load_keyring(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    throw_errno("unable to open keyring '" + path.string() + "'", errno);
  }
  if ((st.st_mode & 077) != 0) {
    throw Error(ErrorKind::unsafe, "keyring '" + path.string() +
                                       "' may be read or changed by other users; run chmod 600 on it");
  }
  auto json = nlohmann::json::parse(read_file(path), nullptr, false);
  if (json.is_discarded() || json.value("format", "") != "lifeboat-keyring" ||
      !json.contains("keys") || !json["keys"].is_object()) {
    throw Error(ErrorKind::corrupt, "keyring '" + path.string() + "' is damaged or not a keyring");
  }
  return json;
}

// Runs `change` on the keyring under an exclusive lock, then writes it back atomically.
template <typename Change>
void update_keyring(const fs::path& path, Change&& change) {
  auto lock_path = path.string() + ".lock";
  make_directories(path.has_parent_path() ? path.parent_path() : fs::path("."));
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock || ::flock(lock.get(), LOCK_EX) != 0) {
    throw_errno("unable to lock keyring '" + path.string() + "'", errno);
  }
  std::error_code ec;
  auto json = fs::exists(path, ec) ? load_keyring(path)
                                   : nlohmann::json{{"format", "lifeboat-keyring"}, {"version", 1},
                                                    {"keys", nlohmann::json::object()}};
  change(json);
  write_file_atomic(path, json.dump(2) + "\n", 0600);
}

nlohmann::json new_version(std::uint32_t version) {
  std::array<std::uint8_t, 32> material{};
  random_bytes(material);
  auto encoded = to_base64(material);
  OPENSSL_cleanse(material.data(), material.size());
  return {{"version", version}, {"created", format_utc(std::chrono::system_clock::now())}, {"material", encoded}};
}

class LocalKms final : public KmsDriver {
 public:
  explicit LocalKms(LocalKmsOptions options) : m_options(std::move(options)) {
    auto json = load_keyring(m_options.keyring);
    auto keys = json["keys"];
    if (!keys.contains(m_options.key)) {
      throw Error(ErrorKind::not_found, "key '" + m_options.key + "' not found in keyring '" +
                                            m_options.keyring.string() +
                                            "'; create it with: lifeboat keys create");
    }
    for (const auto& entry : keys[m_options.key]) {
      auto material = from_base64(entry.value("material", ""));
      if (!material || material->size() != 32) {
        throw Error(ErrorKind::corrupt, "keyring '" + m_options.keyring.string() +
                                            "' has damaged material for key '" + m_options.key + "'");
      }
      m_versions.emplace_back(entry.value("version", 0u), SecretBytes(material->data(), material->size()));
      OPENSSL_cleanse(material->data(), material->size());
    }
    if (m_versions.empty()) {
      throw Error(ErrorKind::corrupt, "key '" + m_options.key + "' has no versions");
    }
  }

  KeyDescription describe() const override {
    return {"local:" + m_options.key + "#" + std::to_string(m_versions.back().first), "local", ""};
  }

  std::vector<std::uint8_t> wrap(const SecretBytes& plaintext) override {
    const auto& [version, key] = m_versions.back();
    std::vector<std::uint8_t> out(k_overhead + plaintext.size());
    std::copy(k_magic.begin(), k_magic.end(), out.begin());
    for (int i = 0; i < 4; ++i) {
      out[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(version >> (8 * i));
    }
    auto box = gcm_seal(std::span(key.data(), key.size()), aad_for(m_options.key, version),
                        std::span(plaintext.data(), plaintext.size()));
    std::copy(box.begin(), box.end(), out.begin() + 8);
    return out;
  }

  SecretBytes unwrap(const std::vector<std::uint8_t>& wrapped) override {
    auto refuse = [&] {
      return Error(ErrorKind::corrupt, "unable to unwrap with key 'local:" + m_options.key +
                                           "': authentication failed; the blob is damaged or was "
                                           "wrapped by another key");
    };
    if (wrapped.size() <= k_overhead || !std::equal(k_magic.begin(), k_magic.end(), wrapped.begin())) {
      throw refuse();
    }
    std::uint32_t version = 0;
    for (int i = 3; i >= 0; --i) {
      version = (version << 8) | wrapped[4 + static_cast<std::size_t>(i)];
    }
    const SecretBytes* key = nullptr;
    for (const auto& [v, material] : m_versions) {
      key = v == version ? &material : key;
    }
    if (key == nullptr) {
      throw refuse();
    }
    SecretBytes plaintext(wrapped.size() - k_overhead);
    if (!gcm_open(std::span(key->data(), key->size()), aad_for(m_options.key, version),
                  std::span(wrapped).subspan(8), std::span(plaintext.data(), plaintext.size()))) {
      throw refuse();
    }
    return plaintext;
  }

 private:
  LocalKmsOptions m_options;
  std::vector<std::pair<std::uint32_t, SecretBytes>> m_versions;
};

}  // namespace

LocalKmsOptions parse_local_address(const std::string& address) {
  constexpr std::string_view k_scheme = "local://";
  auto bad = [&](const std::string& why) {
    return Error(ErrorKind::usage, "invalid KMS address '" + address + "': " + why);
  };
  if (!address.starts_with(k_scheme)) {
    throw bad("expected local:///PATH/TO/KEYRING?key=NAME");
  }
  auto rest = address.substr(k_scheme.size());
  auto q = rest.find('?');
  if (q == std::string::npos || !rest.substr(q + 1).starts_with("key=") || q == 0) {
    throw bad("expected local:///PATH/TO/KEYRING?key=NAME");
  }
  auto name = rest.substr(q + 5);
  if (name.empty() || name.size() > 64 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
          std::string::npos) {
    throw bad("the key name must be 1-64 letters, digits, '-', '_' or '.'");
  }
  return LocalKmsOptions{.keyring = rest.substr(0, q), .key = name};
}

std::unique_ptr<KmsDriver> make_local_kms(const LocalKmsOptions& options) {
  return std::make_unique<LocalKms>(options);
}

void create_local_key(const LocalKmsOptions& options) {
  update_keyring(options.keyring, [&](nlohmann::json& json) {
    if (json["keys"].contains(options.key)) {
      throw Error(ErrorKind::already_exists, "key '" + options.key + "' already exists in keyring '" +
                                                 options.keyring.string() + "'");
    }
    json["keys"][options.key] = nlohmann::json::array({new_version(1)});
  });
}

std::uint32_t rotate_local_key(const LocalKmsOptions& options) {
  std::uint32_t version = 0;
  update_keyring(options.keyring, [&](nlohmann::json& json) {
    if (!json["keys"].contains(options.key)) {
      throw Error(ErrorKind::not_found, "key '" + options.key + "' not found in keyring '" +
                                            options.keyring.string() + "'");
    }
    auto& versions = json["keys"][options.key];
    version = versions.back().value("version", 0u) + 1;
    versions.push_back(new_version(version));
  });
  return version;
}

std::vector<LocalKeyVersion> describe_local_key(const LocalKmsOptions& options) {
  auto json = load_keyring(options.keyring);
  if (!json["keys"].contains(options.key)) {
    throw Error(ErrorKind::not_found, "key '" + options.key + "' not found in keyring '" +
                                          options.keyring.string() + "'");
  }
  std::vector<LocalKeyVersion> out;
  for (const auto& entry : json["keys"][options.key]) {
    out.push_back({entry.value("version", 0u), entry.value("created", "")});
  }
  return out;
}

}  // namespace lifeboat::kms
