// Every store driver runs the conformance suite: file:// always, s3:// against the
// real S3 server the test scripts start (Ceph radosgw).
#include <memory>

#include "conformance/store_conformance.hpp"
#include "store/file/file_store.hpp"
#include "support/test_env.hpp"

namespace lifeboat::test {

namespace {

std::optional<store::Store> empty_file_store() {
  // Leaked on purpose: the directory must outlive the store, and tests are short.
  static std::vector<std::unique_ptr<TempDir>> dirs;
  dirs.push_back(std::make_unique<TempDir>());
  return store::Store::open("file://" + (dirs.back()->path() / "store").string());
}

std::optional<store::Store> empty_s3_store() {
  auto base = s3_base_address();
  if (!base) {
    return std::nullopt;
  }
  return store::Store::open(fresh_s3_address(*base));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(File, StoreConformance,
                         ::testing::Values(StoreFactory{"file", empty_file_store}),
                         [](const auto& param_info) { return param_info.param.name; });

INSTANTIATE_TEST_SUITE_P(Rgw, StoreConformance,
                         ::testing::Values(StoreFactory{"rgw", empty_s3_store}),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace lifeboat::test
