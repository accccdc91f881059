// Turning addresses into stores: the one table of schemes.
#pragma once

#include <string>

#include "store/store.hpp"

namespace lifeboat::store {

// A store address and a key inside it, as an operator writes them on the command line.
struct Location {
  std::string store;  // "s3://bucket?endpoint=..." or "file:///dir"
  std::string key;    // "" for the store itself; may end in '/' (a prefix)
};

// Splits "ADDRESS[/KEY]": for s3:// the bucket is the store and the rest the key; for
// file:// the last path element is the key, unless `as_directory`, when an existing
// directory is the store itself.
Location locate(const std::string& address, bool as_directory);

}  // namespace lifeboat::store
