// Store addresses: accepted strings parse to the expected options, rejected ones say why.
#include <gtest/gtest.h>

#include "store/file/file_store.hpp"
#include "store/registry.hpp"
#include "store/s3/s3_store.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::store {

struct S3Case {
  std::string address;
  std::string bucket, prefix, endpoint, region;
  bool path_style;
};

TEST(S3Address, Accepted) {
  setenv("AWS_REGION", "", 1);
  setenv("AWS_DEFAULT_REGION", "", 1);
  const S3Case cases[] = {
      {"s3://bucket", "bucket", "", "https://s3.us-east-1.amazonaws.com", "us-east-1", false},
      {"s3://b-1.x/tfe/backups?region=eu-west-1", "b-1.x", "tfe/backups/",
       "https://s3.eu-west-1.amazonaws.com", "eu-west-1", true},
      {"s3://bkt/p/?endpoint=http://127.0.0.1:7480&region=us-east-1", "bkt", "p/",
       "http://127.0.0.1:7480", "us-east-1", true},
      {"s3://bkt?endpoint=http%3A%2F%2Fminio.local%3A9000%2F&style=virtual", "bkt", "",
       "http://minio.local:9000", "us-east-1", false},
  };
  for (const auto& c : cases) {
    auto options = parse_s3_address(c.address);
    EXPECT_EQ(options.bucket, c.bucket) << c.address;
    EXPECT_EQ(options.prefix, c.prefix) << c.address;
    EXPECT_EQ(options.endpoint, c.endpoint) << c.address;
    EXPECT_EQ(options.region, c.region) << c.address;
    EXPECT_EQ(options.path_style, c.path_style) << c.address;
  }
}

TEST(S3Address, Rejected) {
  const std::pair<std::string, std::string> cases[] = {
      {"s3:/bucket", "expected s3://"},
      {"s3://B", "bucket name"},
      {"s3://bucket?endpoint=ftp://x", "endpoint must start"},
      {"s3://bucket?colour=blue", "unknown option 'colour'"},
      {"s3://bucket?connections=0", "connections must be"},
      {"s3://bucket//x", "empty segment"},
      {"s3://a.b.c?style=virtual", "needs style=path"},
  };
  for (const auto& [address, message] : cases) {
    try {
      parse_s3_address(address);
      ADD_FAILURE() << address << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST(FileAddress, AcceptedAndRejected) {
  EXPECT_EQ(parse_file_address("file:///var/lib/lifeboat/store/").root,
            "/var/lib/lifeboat/store");
  EXPECT_EQ(parse_file_address("file://relative/dir").root, "relative/dir");
  EXPECT_THROW(parse_file_address("file://"), Error);
  EXPECT_THROW(parse_file_address("file:///x?opt=1"), Error);
}

TEST(Locate, SplitsStoreAndKey) {
  auto s3 = locate("s3://bkt/tfe-backup/snap?endpoint=http://h:1", false);
  EXPECT_EQ(s3.store, "s3://bkt?endpoint=http://h:1");
  EXPECT_EQ(s3.key, "tfe-backup/snap");
  auto file = locate("file:///srv/store/object", false);
  EXPECT_EQ(file.store, "file:///srv/store");
  EXPECT_EQ(file.key, "object");
  EXPECT_THROW(locate("ftp://x/y", false), Error);
}

TEST(Redact, HidesSecrets) {
  EXPECT_EQ(redact("pkcs11:token=t;object=o?module-path=/m.so&pin-value=1234"),
            "pkcs11:token=t;object=o?module-path=/m.so&pin-value=***");
  EXPECT_EQ(redact("postgres://app:hunter2@db:5432/tfe"), "postgres://app:***@db:5432/tfe");
  EXPECT_EQ(redact("s3://bucket?endpoint=http://h"), "s3://bucket?endpoint=http://h");
}

}  // namespace lifeboat::store
