// The `store` subcommands, one file each (store_ls.cpp, store_get.cpp, ...).
#pragma once

#include <memory>
#include <string>

#include "cli/context.hpp"

namespace lifeboat::cli {

// Options of the `store` group that its subcommands read.
struct StoreGlobals {
  std::string store;  // --store / LIFEBOAT_STORE
  int jobs = 8;       // parallel transfers for --recursive
};

void add_store_ls(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared);
void add_store_get(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared);
void add_store_put(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared);
void add_store_rm(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared);
void add_store_cat(CLI::App& group, Globals& globals, std::shared_ptr<StoreGlobals> shared);

}  // namespace lifeboat::cli
