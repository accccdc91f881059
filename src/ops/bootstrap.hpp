// The bootstrap bundle: the secrets an instance needs at boot (the database password,
// the seal of the installation keyring), encrypted under the region's KMS key and kept
// in the store where the user-data document points.
//
// A bundle is a snapshot (doc/snapshot-format.md) whose archive holds one JSON
// document, so it gets the snapshot's envelope for free: a fresh data key wrapped by
// the KMS, authenticated chunks, key slots that `snapshot rewrap` can change for
// another region's key, and the same tamper checks.
#pragma once

#include <map>
#include <string>

#include "kms/kms.hpp"
#include "store/store.hpp"

namespace lifeboat::ops {

struct BootstrapBundle {
  std::string installation;
  std::string database_password;              // may be empty (no database)
  std::map<std::string, std::string> secrets;  // further named secrets. Default: none
};

// Encrypts and stores the bundle at `key` (replacing what is there, whole).
void write_bootstrap(store::Store& store, const std::string& key, kms::Kms& kms,
                     const BootstrapBundle& bundle);

// Fetches and decrypts the bundle. Throws Error(not_found) if there is none and
// Error(corrupt) if it is damaged or no key slot opens with `kms` (naming the keys it
// was sealed for, never a secret).
BootstrapBundle read_bootstrap(const store::Store& store, const std::string& key, kms::Kms& kms);

}  // namespace lifeboat::ops
