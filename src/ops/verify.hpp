// `lifeboat verify`: proves an instance whole after a boot, as PTFE's validation does —
// booted, database restored, keyring unsealed and decrypting a stored secret, blobs
// readable, release consistent — with the canaries every backup plants.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lifeboat::ops {

struct VerifyOptions {
  // The boot journal's directory (it records the user data and what was restored).
  // Default: /var/lib/lifeboat
  std::filesystem::path state_dir = "/var/lib/lifeboat";
  // Where boot unsealed the keyring. Default: /run/lifeboat
  std::filesystem::path runtime_dir = "/run/lifeboat";
  // The database password; empty: the one boot left in the runtime directory.
  // Default: empty
  std::string database_password;
  // The release the installation should be at; empty: the user data's. Default: empty
  std::string release;
};

struct Check {
  std::string name;  // "booted", "database", "keyring", "blobs", "release"
  bool ok = false;
  std::string detail;  // one line: what was seen
};

// Runs every check, whatever the others found; never throws for a failed check (the
// failure is in its Check), only for a broken environment (no state directory).
std::vector<Check> verify_installation(const VerifyOptions& options);

}  // namespace lifeboat::ops
