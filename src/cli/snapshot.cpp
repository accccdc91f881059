// `lifeboat snapshot create|inspect|verify|decrypt|rewrap`: offline tools for one snapshot.
#include "cli/snapshot_commands.hpp"

#include <cstdlib>

#include "store/registry.hpp"
#include "util/error.hpp"

namespace lifeboat::cli {

SnapshotLocation open_snapshot_location(const std::string& argument) {
  if (argument.find("://") != std::string::npos) {
    auto location = store::locate(argument, false);
    return {store::Store::open(location.store), location.key};
  }
  auto path = std::filesystem::absolute(argument);
  return {store::Store::open("file://" + path.parent_path().string()), path.filename().string()};
}

kms::Kms open_kms(const std::string& address) {
  if (address.empty()) {
    throw Error(ErrorKind::usage, "no KMS given: pass --kms ADDRESS or set LIFEBOAT_KMS");
  }
  return kms::Kms::open(address);
}

void add_snapshot_commands(CLI::App& app, Globals& globals) {
  auto* group = app.add_subcommand("snapshot", "Make, inspect, verify, decrypt and rewrap snapshots");
  group->require_subcommand(1);
  group->footer(R"(A snapshot is one file or store object: a zstd-compressed PAX tar, encrypted in
chunks with AES-256-GCM under a fresh data key that KMS keys wrap (doc/snapshot-format.md).
FILE-OR-ADDRESS is a local path, file:///DIR/KEY or s3://BUCKET/KEY?endpoint=URL.

EXAMPLES
  lifeboat snapshot create --kms 'local:///etc/lifeboat/keyring?key=tfe' --path /var/lib/tfe snap.lb
  lifeboat snapshot inspect snap.lb
  lifeboat snapshot verify --kms 'local:///etc/lifeboat/keyring?key=tfe' snap.lb
  lifeboat snapshot decrypt --kms 'local:///etc/lifeboat/keyring?key=tfe' snap.lb out.tar.zst
  tar --zstd -xf out.tar.zst          # the manual restore of last resort

EXIT STATUS
  0 success, 1 failure (a damaged snapshot among them), 2 usage error, 3 refused as unsafe)");
  auto shared = std::make_shared<SnapshotGlobals>();
  if (const char* env = std::getenv("LIFEBOAT_KMS")) {
    shared->kms = env;
  }
  group->add_option("--kms", shared->kms, "KMS address (env LIFEBOAT_KMS)");
  add_snapshot_create(*group, globals, shared);
  add_snapshot_inspect(*group, globals, shared);
  add_snapshot_verify(*group, globals, shared);
  add_snapshot_decrypt(*group, globals, shared);
  add_snapshot_rewrap(*group, globals, shared);
}

}  // namespace lifeboat::cli
