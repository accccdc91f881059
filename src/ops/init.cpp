// `lifeboat init` (init.hpp).
#include "ops/init.hpp"

#include "kms/kms.hpp"
#include "ops/bootstrap.hpp"
#include "ops/catalog.hpp"
#include "ops/keyring.hpp"
#include "store/store.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::ops {

namespace fs = std::filesystem;

InitResult init(const InitOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.log) {
      options.log(line);
    }
  };
  check_release(options.release, "the installation");
  InitResult result;
  // The user data first: a document that would leak a secret stops init before it
  // has made anything.
  result.user_data = {.installation = options.installation,
                      .region = options.region,
                      .store = options.store,
                      .kms = options.kms,
                      .bootstrap = options.bootstrap_key,
                      .database = options.database_url,
                      .release = options.release};
  userdata::parse_user_data(userdata::to_json(result.user_data), "the addresses given to init");

  // 1. The KMS key: made where lifeboat can make it, otherwise adopted.
  result.key_created = kms::create_key_if_missing(options.kms);
  auto kms = kms::Kms::open(options.kms);
  result.key_id = kms.describe().key_id;
  say(std::string(result.key_created ? "created" : "adopted") + " KMS key '" + result.key_id + "'");

  // 2. The bootstrap bundle: an existing one keeps its seal, or the keyring it seals
  // would never open again.
  auto store = store::Store::open(options.store);
  std::optional<BootstrapBundle> bundle;
  if (store.stat(options.bootstrap_key)) {
    try {
      bundle = read_bootstrap(store, options.bootstrap_key, kms);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::corrupt) {
        throw;
      }
      throw Error(ErrorKind::unsafe, "refusing to replace the bootstrap bundle '" +
                                         options.bootstrap_key + "' in '" + store.describe() +
                                         "': KMS key '" + result.key_id + "' cannot open it (" +
                                         e.what() + "); init with the key that sealed it");
    }
    if (bundle->installation != options.installation) {
      throw Error(ErrorKind::unsafe, "refusing to replace the bootstrap bundle '" +
                                         options.bootstrap_key + "': it is installation '" +
                                         bundle->installation + "', not '" + options.installation +
                                         "'");
    }
    result.bundle = "adopted";
    if (!options.database_password.empty() &&
        options.database_password != bundle->database_password) {
      bundle->database_password = options.database_password;
      result.bundle = "updated";
    }
  } else {
    if (options.keyring && fs::exists(fs::symlink_status(*options.keyring))) {
      throw Error(ErrorKind::unsafe,
                  "refusing to make a new bootstrap bundle: a keyring exists at '" +
                      options.keyring->string() +
                      "' and a new seal could never open it; put back the "
                      "bundle that sealed it ('" +
                      options.bootstrap_key + "')");
    }
    bundle = BootstrapBundle{.installation = options.installation,
                             .database_password = options.database_password};
    bundle->secrets[k_keyring_seal_secret] = encode_seal(new_keyring_seal());
    result.bundle = "created";
  }
  if (result.bundle != "adopted") {
    write_bootstrap(store, options.bootstrap_key, kms, *bundle);
  }
  say(result.bundle + " the bootstrap bundle '" + options.bootstrap_key + "' in '" +
      store.describe() + "'");

  // 3. The keyring, where init runs on the instance itself.
  if (options.keyring) {
    auto seal = decode_seal(bundle->secrets.at(k_keyring_seal_secret));
    if (fs::exists(fs::symlink_status(*options.keyring))) {
      try {
        unseal_keyring(*options.keyring, seal);
      } catch (const Error& e) {
        throw Error(ErrorKind::unsafe, "refusing to replace the keyring '" +
                                           options.keyring->string() + "': " + e.what());
      }
      result.keyring = "adopted";
    } else {
      create_keyring(*options.keyring, options.installation, seal);
      result.keyring = "created";
    }
    say(result.keyring + " the installation keyring '" + options.keyring->string() + "'");
  }
  return result;
}

}  // namespace lifeboat::ops
