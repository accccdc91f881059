// The pkcs11: KMS driver.
#include "kms/pkcs11/pkcs11_kms.hpp"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

namespace lifeboat::kms {

namespace {

constexpr std::array<std::uint8_t, 4> k_magic = {'L', 'B', 'P', '1'};
constexpr std::size_t k_iv = 12;
constexpr std::size_t k_tag = 16;
constexpr std::size_t k_head = 4 + 4 + k_iv;  // magic, version, iv

std::map<std::string, std::string> split(const std::string& text, char separator) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(separator, start);
    if (end == std::string::npos) {
      end = text.size();
    }
    auto pair = text.substr(start, end - start);
    auto eq = pair.find('=');
    if (eq != std::string::npos) {
      out[pair.substr(0, eq)] = percent_decode(pair.substr(eq + 1));
    }
    start = end + 1;
  }
  return out;
}

std::string rv_name(CK_RV rv) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "CKR 0x%lx", static_cast<unsigned long>(rv));
  return buffer;
}

std::string label_of(const unsigned char* padded, std::size_t size) {
  std::string label(reinterpret_cast<const char*>(padded), size);
  while (!label.empty() && label.back() == ' ') {
    label.pop_back();
  }
  return label;
}

// One loaded module, initialised once per process and shared by every key using it.
class Module {
 public:
  static std::shared_ptr<Module> load(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<Module>> loaded;
    std::lock_guard lock(mutex);
    if (auto module = loaded[path].lock()) {
      return module;
    }
    auto module = std::shared_ptr<Module>(new Module(path));
    loaded[path] = module;
    return module;
  }

  ~Module() {
    if (m_functions != nullptr) {
      m_functions->C_Finalize(nullptr);
    }
    if (m_handle != nullptr) {
      dlclose(m_handle);
    }
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* f() const { return m_functions; }

 private:
  explicit Module(const std::string& path) {
    m_handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (m_handle == nullptr) {
      throw Error(ErrorKind::not_found, "unable to load PKCS#11 module '" + path + "': " + dlerror());
    }
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(m_handle, "C_GetFunctionList"));
    if (get == nullptr || get(&m_functions) != CKR_OK) {
      throw Error(ErrorKind::usage, "'" + path + "' is not a PKCS#11 module");
    }
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    auto rv = m_functions->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      m_functions = nullptr;
      throw Error(ErrorKind::io, "unable to initialise PKCS#11 module '" + path + "': " + rv_name(rv));
    }
  }

  void* m_handle = nullptr;
  CK_FUNCTION_LIST* m_functions = nullptr;
};

class Pkcs11Kms final : public KmsDriver {
 public:
  explicit Pkcs11Kms(Pkcs11Options options) : m_options(std::move(options)) {
    m_module = Module::load(m_options.module_path);
    m_slot = find_slot();
    // Login is per application and token: one session kept open holds it.
    m_login_session = open_session();
    auto rv = f()->C_Login(m_login_session, CKU_USER,
                           reinterpret_cast<unsigned char*>(m_options.pin.data()), m_options.pin.size());
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE) {
      throw Error(ErrorKind::auth, "unable to log in to PKCS#11 token '" + m_options.token +
                                       "': the PIN was rejected");
    }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
      throw Error(ErrorKind::auth, "unable to log in to PKCS#11 token '" + m_options.token + "': " + rv_name(rv));
    }
  }

  ~Pkcs11Kms() override {
    std::lock_guard lock(m_mutex);
    for (auto session : m_idle) {
      f()->C_CloseSession(session);
    }
    f()->C_Logout(m_login_session);
    f()->C_CloseSession(m_login_session);
  }
  Pkcs11Kms(const Pkcs11Kms&) = delete;
  Pkcs11Kms& operator=(const Pkcs11Kms&) = delete;

  // Finds every version of the key; with `create`, makes version 1 (non-extractable,
  // sensitive) if it is missing; with `rotate`, adds the next version.
  void open_key(bool create, bool rotate = false) {
    auto session = take();
    try {
      for (std::uint32_t version = 1;; ++version) {
        auto key = find_key(session, label_for(version));
        if (!key) {
          break;
        }
        m_keys[version] = *key;
      }
      if (create) {
        if (!m_keys.empty()) {
          throw Error(ErrorKind::already_exists, "key '" + key_id() + "' already exists");
        }
        m_keys[1] = generate(session, label_for(1));
      }
      if (m_keys.empty()) {
        throw Error(ErrorKind::not_found, "key '" + key_id() +
                                              "' not found on the token; create it with lifeboat "
                                              "keys create");
      }
      if (rotate) {
        auto next = m_keys.rbegin()->first + 1;
        m_keys[next] = generate(session, label_for(next));
      }
    } catch (...) {
      give(session);
      throw;
    }
    give(session);
  }

  KeyDescription describe() const override {
    return {key_id() + "#" + std::to_string(current()), "pkcs11", ""};
  }

  std::vector<std::uint8_t> wrap(const SecretBytes& plaintext) override {
    auto version = current();
    std::vector<std::uint8_t> out(k_head + plaintext.size() + k_tag);
    std::copy(k_magic.begin(), k_magic.end(), out.begin());
    for (int i = 0; i < 4; ++i) {
      out[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(version >> (8 * i));
    }
    random_bytes(std::span(out).subspan(8, k_iv));
    auto aad = aad_bytes(version);
    CK_GCM_PARAMS params{out.data() + 8, k_iv, k_iv * 8, aad.data(), aad.size(), k_tag * 8};
    CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
    auto session = take();
    CK_ULONG length = plaintext.size() + k_tag;
    auto rv = f()->C_EncryptInit(session, &mechanism, m_keys.at(version));
    if (rv == CKR_OK) {
      rv = f()->C_Encrypt(session, const_cast<unsigned char*>(plaintext.data()), plaintext.size(),
                          out.data() + k_head, &length);
    }
    give(session);
    if (rv != CKR_OK || length != plaintext.size() + k_tag) {
      throw Error(ErrorKind::io, "unable to wrap with key '" + key_id() + "': " + rv_name(rv));
    }
    return out;
  }

  SecretBytes unwrap(const std::vector<std::uint8_t>& wrapped) override {
    auto refuse = [&] {
      return Error(ErrorKind::corrupt, "unable to unwrap with key '" + key_id() +
                                           "': authentication failed; the blob is damaged or was "
                                           "wrapped by another key");
    };
    if (wrapped.size() <= k_head + k_tag || !std::equal(k_magic.begin(), k_magic.end(), wrapped.begin())) {
      throw refuse();
    }
    std::uint32_t version = 0;
    for (int i = 3; i >= 0; --i) {
      version = (version << 8) | wrapped[4 + static_cast<std::size_t>(i)];
    }
    auto key = m_keys.find(version);
    if (key == m_keys.end()) {
      throw refuse();
    }
    auto input = std::vector<std::uint8_t>(wrapped.begin() + k_head, wrapped.end());
    std::vector<std::uint8_t> iv(wrapped.begin() + 8, wrapped.begin() + k_head);
    auto aad = aad_bytes(version);
    CK_GCM_PARAMS params{iv.data(), k_iv, k_iv * 8, aad.data(), aad.size(), k_tag * 8};
    CK_MECHANISM mechanism{CKM_AES_GCM, &params, sizeof params};
    SecretBytes plaintext(input.size());
    CK_ULONG length = plaintext.size();
    auto session = take();
    auto rv = f()->C_DecryptInit(session, &mechanism, key->second);
    if (rv == CKR_OK) {
      rv = f()->C_Decrypt(session, input.data(), input.size(), plaintext.data(), &length);
    }
    give(session);
    if (rv != CKR_OK || length != input.size() - k_tag) {
      throw refuse();  // any failure to decrypt is a failed authentication
    }
    return SecretBytes(plaintext.data(), length);
  }

 private:
  CK_FUNCTION_LIST* f() const { return m_module->f(); }
  std::string key_id() const { return "pkcs11:token=" + m_options.token + ";object=" + m_options.object; }
  // Version 1 is the object labelled as the address says; version n > 1 is "LABEL#n".
  std::string label_for(std::uint32_t version) const {
    return version == 1 ? m_options.object : m_options.object + "#" + std::to_string(version);
  }
  std::uint32_t current() const { return m_keys.rbegin()->first; }
  std::vector<std::uint8_t> aad_bytes(std::uint32_t version) const {
    auto text = "lifeboat-pkcs11:" + label_for(version);
    return {text.begin(), text.end()};
  }

  CK_SLOT_ID find_slot() {
    CK_ULONG count = 0;
    f()->C_GetSlotList(CK_TRUE, nullptr, &count);
    std::vector<CK_SLOT_ID> slots(count);
    if (count > 0 && f()->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) {
      count = 0;
    }
    for (CK_ULONG i = 0; i < count; ++i) {
      CK_TOKEN_INFO info{};
      if (f()->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
          label_of(info.label, sizeof info.label) == m_options.token) {
        return slots[i];
      }
    }
    throw Error(ErrorKind::not_found, "PKCS#11 token '" + m_options.token + "' not found in module '" +
                                          m_options.module_path + "'");
  }

  CK_SESSION_HANDLE open_session() {
    CK_SESSION_HANDLE session = 0;
    auto rv = f()->C_OpenSession(m_slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
    if (rv != CKR_OK) {
      throw Error(ErrorKind::io, "unable to open a session on token '" + m_options.token + "': " + rv_name(rv));
    }
    return session;
  }

  // Sessions are not shared between threads: each operation takes one from the pool.
  CK_SESSION_HANDLE take() {
    {
      std::lock_guard lock(m_mutex);
      if (!m_idle.empty()) {
        auto session = m_idle.back();
        m_idle.pop_back();
        return session;
      }
    }
    return open_session();
  }

  void give(CK_SESSION_HANDLE session) {
    std::lock_guard lock(m_mutex);
    m_idle.push_back(session);
  }

  std::optional<CK_OBJECT_HANDLE> find_key(CK_SESSION_HANDLE session, std::string label) {
    CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
    CK_ATTRIBUTE query[] = {{CKA_CLASS, &key_class, sizeof key_class},
                            {CKA_LABEL, label.data(), label.size()}};
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG count = 0;
    if (f()->C_FindObjectsInit(session, query, 2) != CKR_OK) {
      return std::nullopt;
    }
    f()->C_FindObjects(session, &found, 1, &count);
    f()->C_FindObjectsFinal(session);
    return count == 1 ? std::optional(found) : std::nullopt;
  }

  CK_OBJECT_HANDLE generate(CK_SESSION_HANDLE session, std::string label) {
    CK_MECHANISM mechanism{CKM_AES_KEY_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE;
    CK_BBOOL no = CK_FALSE;
    CK_ULONG length = 32;
    CK_OBJECT_CLASS key_class = CKO_SECRET_KEY;
    CK_KEY_TYPE key_type = CKK_AES;
    CK_ATTRIBUTE attributes[] = {
        {CKA_CLASS, &key_class, sizeof key_class}, {CKA_KEY_TYPE, &key_type, sizeof key_type},
        {CKA_TOKEN, &yes, sizeof yes},             {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes},         {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_ENCRYPT, &yes, sizeof yes},           {CKA_DECRYPT, &yes, sizeof yes},
        {CKA_VALUE_LEN, &length, sizeof length},
        {CKA_LABEL, label.data(), label.size()}};
    CK_OBJECT_HANDLE key = 0;
    auto rv = f()->C_GenerateKey(session, &mechanism, attributes, std::size(attributes), &key);
    if (rv != CKR_OK) {
      throw Error(ErrorKind::io, "unable to create key '" + key_id() + "': " + rv_name(rv));
    }
    return key;
  }

  Pkcs11Options m_options;
  std::shared_ptr<Module> m_module;
  CK_SLOT_ID m_slot = 0;
  CK_SESSION_HANDLE m_login_session = 0;
  std::map<std::uint32_t, CK_OBJECT_HANDLE> m_keys;  // version -> key object
  std::mutex m_mutex;
  std::vector<CK_SESSION_HANDLE> m_idle;
};

}  // namespace

Pkcs11Options parse_pkcs11_address(const std::string& address) {
  auto bad = [](const std::string& why) {
    return Error(ErrorKind::usage, "invalid PKCS#11 address: " + why +
                                       " (expected pkcs11:token=T;object=O?module-path=M&pin-source=FILE)");
  };
  if (!address.starts_with("pkcs11:")) {
    throw bad("it does not start with pkcs11:");
  }
  auto rest = address.substr(7);
  auto q = rest.find('?');
  auto path = split(rest.substr(0, q), ';');
  auto query = q == std::string::npos ? std::map<std::string, std::string>{} : split(rest.substr(q + 1), '&');
  Pkcs11Options options{.module_path = query["module-path"], .token = path["token"],
                        .object = path["object"], .pin = query["pin-value"]};
  if (options.token.empty() || options.object.empty()) {
    throw bad("token= and object= are required");
  }
  if (options.module_path.empty()) {
    throw bad("module-path= is required");
  }
  if (query.contains("pin-source")) {
    auto pin = read_file(query["pin-source"]);
    while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) {
      pin.pop_back();
    }
    options.pin = pin;
  }
  if (options.pin.empty()) {
    throw bad("a PIN is required: pin-source=FILE or pin-value=PIN");
  }
  return options;
}

std::unique_ptr<KmsDriver> make_pkcs11_kms(const Pkcs11Options& options) {
  auto kms = std::make_unique<Pkcs11Kms>(options);
  kms->open_key(false);
  return kms;
}

void create_pkcs11_key(const Pkcs11Options& options) { Pkcs11Kms(options).open_key(true); }

std::uint32_t rotate_pkcs11_key(const Pkcs11Options& options) {
  Pkcs11Kms kms(options);
  kms.open_key(false, true);
  auto id = kms.describe().key_id;
  return static_cast<std::uint32_t>(std::stoul(id.substr(id.rfind('#') + 1)));
}

}  // namespace lifeboat::kms
