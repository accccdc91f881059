// `lifeboat init`: make one region ready to boot an instance of the installation —
// the KMS key, the bootstrap bundle (with the keyring's seal), the installation keyring
// and the user-data document that points at them. Safe to run again: what exists and
// opens is adopted, never replaced.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "userdata/user_data.hpp"

namespace lifeboat::ops {

struct InitOptions {
  std::string installation = "default";  // Default: "default"
  std::string region = "local";          // Default: "local"
  std::string release;                   // YYYYMM-N. Required
  std::string store;                     // the region's store address. Required
  std::string kms;                       // the region's KMS key address. Required
  // Where the bootstrap bundle goes in the store. Default: PREFIX + "bootstrap/bundle.lifeboat"
  std::string bootstrap_key = "tfe-backup/bootstrap/bundle.lifeboat";
  std::string database_url;       // without a password; empty: no database. Default: none
  std::string database_password;  // secret; into the bundle only. Default: none
  // Write the sealed keyring here too (on the instance itself). Default: the first boot
  // makes it
  std::optional<std::filesystem::path> keyring;
  std::function<void(const std::string&)> log;  // one line per step. Default: none
};

struct InitResult {
  userdata::UserData user_data;  // the document to give the instance
  std::string key_id;            // the KMS key's current version
  bool key_created = false;
  std::string bundle;   // "created", "updated" (new password) or "adopted"
  std::string keyring;  // "created", "adopted" or "" (not written here)
};

// Runs init. Throws Error(unsafe) for a bootstrap bundle already in the store that
// this KMS key cannot open or that belongs to another installation, and for a keyring
// at `keyring` that the bundle's seal does not open — replacing either would make the
// installation's secrets unreadable. Error(usage) for a user-data document that would
// hold a secret (a pin-value in the KMS address, a password in the database URL).
InitResult init(const InitOptions& options);

}  // namespace lifeboat::ops
