// The user-data document: parsing, refusing secrets, and the IMDSv2 flow against a
// loopback stand-in of the instance-metadata service.
#include "userdata/user_data.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/fake_imds.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"

namespace lifeboat::userdata {
namespace {

using test::FakeImds;

const char* k_document = R"({"version":1,"installation":"tfe","region":"eu-west-1",
  "store":"s3://tfe-data?region=eu-west-1","kms":"awskms:arn:aws:kms:eu-west-1:1:key/k",
  "bootstrap":"lifeboat/bootstrap/tfe.bundle","database":"postgres://tfe@db:5432/tfe",
  "release":"201705-2"})";

std::string usage_error(const std::string& text) {
  try {
    parse_user_data(text, "test");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    return e.what();
  }
  return "";
}

TEST(UserData, ParsesAndRoundTrips) {
  auto parsed = parse_user_data(k_document, "test");
  EXPECT_EQ(parsed.installation, "tfe");
  EXPECT_EQ(parsed.database, "postgres://tfe@db:5432/tfe");
  EXPECT_EQ(parsed.release, "201705-2");
  auto again = parse_user_data(to_json(parsed), "again");
  EXPECT_EQ(to_json(again), to_json(parsed));
}

TEST(UserData, RefusesWhatItMustNotHold) {
  std::string doc = k_document;
  auto with = [&](const std::string& from, const std::string& to) {
    auto copy = doc;
    copy.replace(copy.find(from), from.size(), to);
    return copy;
  };
  EXPECT_NE(usage_error("[1,2]").find("is not a JSON object"), std::string::npos);
  EXPECT_NE(usage_error(with("\"region\"", "\"regio\"")).find("has no \"region\""), std::string::npos);
  EXPECT_NE(usage_error(with("postgres://tfe@db", "postgres://tfe:hunter2@db")).find("holds a secret"),
            std::string::npos);
  EXPECT_EQ(usage_error(with("postgres://tfe@db", "postgres://tfe:hunter2@db")).find("hunter2"),
            std::string::npos);
  EXPECT_NE(usage_error(with("\"201705-2\"", "\"latest\"")).find("not YYYYMM-N"), std::string::npos);
  EXPECT_NE(usage_error(with("\"version\":1", "\"password\":\"x\"")).find("unknown field \"password\""),
            std::string::npos);
  EXPECT_NE(usage_error(with("\"tfe\",", "7,")).find("not a string"), std::string::npos);
}

TEST(UserData, ReadsAFile) {
  test::TempDir dir;
  std::ofstream(dir.path() / "user-data.json") << k_document;
  EXPECT_EQ(read_user_data((dir.path() / "user-data.json").string()).region, "eu-west-1");
  EXPECT_THROW(read_user_data((dir.path() / "missing.json").string()), Error);
}

TEST(UserData, ReadsOverImdsV2) {
  FakeImds imds(k_document);
  auto user_data = read_user_data(imds.url());
  EXPECT_EQ(user_data.bootstrap, "lifeboat/bootstrap/tfe.bundle");
  EXPECT_EQ(imds.tokens.load(), 1);
  EXPECT_EQ(imds.refused.load(), 0);
}

TEST(UserData, NoUserDataIsNotFound) {
  FakeImds imds("");
  try {
    read_user_data(imds.url());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_NE(std::string(e.what()).find("this instance has no user data"), std::string::npos);
  }
}

}  // namespace
}  // namespace lifeboat::userdata
