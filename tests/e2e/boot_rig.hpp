// An instance for the boot tests: its directories, a config file, a database of its
// own, and the lifeboat commands run as the instance would run them.
#pragma once

#include <filesystem>
#include <string>

#include "support/test_env.hpp"

namespace lifeboat::test {

struct BootRigOptions {
  std::string store;  // the region's store address. Required
  std::string kms;    // the region's KMS key address. Required
  std::string release = "201705-1";
};

// A region on the embedded defaults: a file:// store and a local:// keyring in `dir`.
BootRigOptions local_region(const TempDir& dir);

class BootRig {
 public:
  // `server` is pg_url(). Writes the config; makes nothing else.
  BootRig(const std::string& server, BootRigOptions options);

  const BootRigOptions& options() const { return m_options; }
  TestDatabase& db() { return m_db; }
  const std::filesystem::path& dir() const { return m_dir.path(); }
  std::filesystem::path instance() const { return dir() / "instance"; }
  std::filesystem::path data() const { return instance() / "var/lib/tfe"; }
  std::filesystem::path etc() const { return instance() / "etc/tfe"; }
  std::filesystem::path keyring() const { return data() / "keyring.sealed"; }
  std::filesystem::path state() const { return instance() / "var/lib/lifeboat"; }
  std::filesystem::path runtime() const { return instance() / "run/lifeboat"; }
  std::filesystem::path user_data() const { return dir() / "user-data.json"; }
  // The lines the start and upgrade hooks append to.
  std::string start_log() const;
  std::string upgrade_log() const;

  // `lifeboat init` from flags alone (as on an operator's machine: no keyring), writing
  // the user data for `release`.
  CommandResult init(const std::string& release = "");
  // Rewrites the user data with another release (a new image of the application).
  void set_user_data_release(const std::string& release);
  // `lifeboat ARGS` with the instance's config and environment, e.g. "boot --json".
  CommandResult lifeboat(const std::string& args, const std::string& env = "") const;
  CommandResult boot(const std::string& env = "") const;
  CommandResult verify() const;
  // `lifeboat backup` of the instance at `release` (default: the rig's), printing its name.
  CommandResult backup(const std::string& release = "") const;

  // Application data: files in both paths, tables with rows in the database.
  void fill();
  // init, a first boot (which installs), fill(), then backup(release): an installation
  // that runs and has its snapshot. Returns the first command that failed, or the backup.
  CommandResult install_and_snapshot(const std::string& release = "");
  // The instance is terminated: its disk (data, state, runtime) is gone.
  void destroy_instance() const;
  // The database is lost too: every table dropped, as a new empty database would be.
  void empty_database();
  // SHA-256 of every file of internal data and its relative path, sorted.
  std::string files_digest() const;
  std::string db_digest();

 private:
  TempDir m_dir;
  TestDatabase m_db;
  BootRigOptions m_options;
  std::string m_env;
};

// The KMS key address for a boot test: a fresh object on the SoftHSM2 token, or FAIL
// (CI) / skip (a developer machine) where SoftHSM2 is missing.
#define REQUIRE_SOFTHSM(address, object)                                    \
  auto address##_opt = ::lifeboat::test::softhsm_address(object);           \
  if (!address##_opt) {                                                     \
    if (::lifeboat::test::skips_forbidden()) {                              \
      FAIL() << "SoftHSM2 is not installed and skipping is forbidden (CI)"; \
    }                                                                       \
    GTEST_SKIP() << "SoftHSM2 is not installed; run scripts/test.sh";       \
  }                                                                         \
  const std::string address = *address##_opt

}  // namespace lifeboat::test
