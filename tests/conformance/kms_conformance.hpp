// The KMS conformance suite: every KMS driver instantiates it (kms_instances.cpp).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "kms/kms.hpp"

namespace lifeboat::test {

// Makes two distinct keys of one driver (the second for wrong-key cases), or nullopt
// when the driver's server is not configured. `reopen` opens the first key afresh, after
// adding a version to it where the driver rotates keys (`rotates`).
struct KmsFactory {
  std::string name;
  std::function<std::optional<std::pair<kms::Kms, kms::Kms>>()> make;
  std::function<kms::Kms()> reopen;
  bool rotates = false;
};

inline void PrintTo(const KmsFactory& factory, std::ostream* out) { *out << factory.name; }

class KmsConformance : public ::testing::TestWithParam<KmsFactory> {
 protected:
  void SetUp() override;
  kms::Kms& key() { return m_keys->first; }
  kms::Kms& other() { return m_keys->second; }

 private:
  std::optional<std::pair<kms::Kms, kms::Kms>> m_keys;
};

}  // namespace lifeboat::test
