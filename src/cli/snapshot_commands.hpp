// The `snapshot` subcommands, one file each (snapshot_create.cpp, ...).
#pragma once

#include <memory>
#include <string>

#include "cli/context.hpp"
#include "kms/kms.hpp"
#include "store/store.hpp"

namespace lifeboat::cli {

struct SnapshotGlobals {
  std::string kms;  // --kms / LIFEBOAT_KMS
};

// A snapshot named by a local path or a store address.
struct SnapshotLocation {
  store::Store store;
  std::string key;
};
SnapshotLocation open_snapshot_location(const std::string& argument);

// Opens --kms; Error(usage) if none was given.
kms::Kms open_kms(const std::string& address);

void add_snapshot_create(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared);
void add_snapshot_inspect(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared);
void add_snapshot_verify(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared);
void add_snapshot_decrypt(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared);
void add_snapshot_rewrap(CLI::App& group, Globals& globals, std::shared_ptr<SnapshotGlobals> shared);

}  // namespace lifeboat::cli
