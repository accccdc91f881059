// The store conformance suite: every driver instantiates it (store_instances.cpp) and
// must pass every case, the adversarial ones included.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "store/store.hpp"

namespace lifeboat::test {

// Makes a store with nothing in it, or nullopt when its server is not configured.
struct StoreFactory {
  std::string name;
  std::function<std::optional<store::Store>()> make_empty;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

class StoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  store::Store& store() { return *m_store; }
  std::string put(const std::string& key, const std::string& data,
                  const store::WriteOptions& options = {});
  std::string get(const std::string& key, const store::ByteRange& range = {});
  std::vector<std::string> keys(const store::ListOptions& options);

 private:
  std::optional<store::Store> m_store;
};

}  // namespace lifeboat::test
