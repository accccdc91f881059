// `lifeboat keys create|show|rotate`: key-encryption keys of the local KMS.
#include <cstdlib>
#include <iostream>

#include "cli/context.hpp"
#include "kms/local/local_kms.hpp"
#include "kms/pkcs11/pkcs11_kms.hpp"
#include "util/error.hpp"

namespace lifeboat::cli {

namespace {

kms::LocalKmsOptions local_options(const std::string& address) {
  if (address.empty()) {
    throw Error(ErrorKind::usage, "no KMS given: pass --kms ADDRESS or set LIFEBOAT_KMS");
  }
  if (!address.starts_with("local:")) {
    if (!address.starts_with("pkcs11:") && !address.starts_with("awskms:")) {
      kms::Kms::open(address);  // an unknown scheme: says which drivers exist
    }
    throw Error(ErrorKind::unsupported,
                "AWS KMS keys are made and rotated in AWS KMS itself");
  }
  return kms::parse_local_address(address);
}

void show(const Globals& globals, const std::string& address) {
  if (!address.empty() && !address.starts_with("local:")) {
    auto description = kms::Kms::open(address).describe();
    if (globals.json) {
      print_json({{"current_key_id", description.key_id}, {"provider", description.provider}});
    } else {
      std::cout << "key " << description.key_id << " (" << description.provider
                << "; the key never leaves it)\n";
    }
    return;
  }
  auto options = local_options(address);
  auto versions = kms::describe_local_key(options);
  auto current = "local:" + options.key + "#" + std::to_string(versions.back().version);
  if (globals.json) {
    auto rows = nlohmann::json::array();
    for (const auto& v : versions) {
      rows.push_back({{"version", v.version}, {"created", v.created}});
    }
    print_json({{"key", options.key}, {"keyring", options.keyring.string()},
                {"current_key_id", current}, {"versions", rows}});
    return;
  }
  std::cout << "key " << options.key << " in " << options.keyring.string() << " (current "
            << current << ")\n";
  for (const auto& v : versions) {
    std::cout << "  version " << v.version << "  created " << v.created << '\n';
  }
}

}  // namespace

void add_keys_commands(CLI::App& app, Globals& globals) {
  auto* group = app.add_subcommand("keys", "Create, show and rotate key-encryption keys");
  group->require_subcommand(1);
  group->footer(R"(KMS ADDRESSES
  local:///etc/lifeboat/keyring?key=NAME   a keyring file (0600) of versioned AES-256 keys
  pkcs11:token=T;object=O?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=FILE
                                           a non-extractable AES-256 key in an HSM; rotation
                                           adds objects O#2, O#3, ...
  awskms:arn:aws:kms:REGION:ACCOUNT:key/ID  an AWS KMS key (made in AWS KMS; show only)

EXAMPLES
  lifeboat keys create --kms 'local:///etc/lifeboat/keyring?key=tfe'
  lifeboat keys rotate --kms 'local:///etc/lifeboat/keyring?key=tfe'
  lifeboat keys show --json --kms 'local:///etc/lifeboat/keyring?key=tfe'
Key material is never printed. Rotation keeps old versions, so old snapshots stay readable.

EXIT STATUS
  0 success, 1 failure, 2 usage error, 3 refused as unsafe (a keyring others can read))");
  auto address = std::make_shared<std::string>();
  if (const char* env = std::getenv("LIFEBOAT_KMS")) {
    *address = env;
  }
  group->add_option("--kms", *address, "KMS address (env LIFEBOAT_KMS)");
  group->add_subcommand("create", "Create a key (and the keyring if needed)")
      ->callback([address, &globals] {
        if (address->starts_with("pkcs11:")) {
          kms::create_pkcs11_key(kms::parse_pkcs11_address(*address));
        } else {
          kms::create_local_key(local_options(*address));
        }
        show(globals, *address);
      });
  group->add_subcommand("show", "Show a key's versions")->callback([address, &globals] {
    show(globals, *address);
  });
  group->add_subcommand("rotate", "Add a new version; new wraps use it")
      ->callback([address, &globals] {
        if (address->starts_with("pkcs11:")) {
          kms::rotate_pkcs11_key(kms::parse_pkcs11_address(*address));
        } else {
          kms::rotate_local_key(local_options(*address));
        }
        show(globals, *address);
      });
}

}  // namespace lifeboat::cli
