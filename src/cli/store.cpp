// `lifeboat store`: inspect and move objects in any store, as an operator would with `aws s3`.
#include "cli/store_commands.hpp"

#include <cstdlib>

namespace lifeboat::cli {

void add_store_commands(CLI::App& app, Globals& globals) {
  auto* group = app.add_subcommand("store", "Inspect and move objects in a store");
  group->require_subcommand(1);
  group->footer(R"(ADDRESSES
  file:///var/lib/lifeboat/store/KEY           a local directory
  s3://BUCKET/KEY?endpoint=URL&region=R        any S3-compatible service
  A bare KEY is taken from the store in --store or LIFEBOAT_STORE.
  S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or ~/.aws/credentials).

EXIT STATUS
  0 success, 1 failure, 2 usage error, 3 refused as unsafe)");
  auto shared = std::make_shared<StoreGlobals>();
  if (const char* env = std::getenv("LIFEBOAT_STORE")) {
    shared->store = env;
  }
  group->add_option("--store", shared->store,
                    "Store for bare keys (env LIFEBOAT_STORE)");
  add_store_ls(*group, globals, shared);
  add_store_get(*group, globals, shared);
  add_store_put(*group, globals, shared);
  add_store_rm(*group, globals, shared);
  add_store_cat(*group, globals, shared);
}

}  // namespace lifeboat::cli
