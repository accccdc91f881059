// `lifeboat store` end to end: the binary against file:// and the real S3 server, with
// the server's own client (aws s3api) reading what lifeboat wrote and the other way round.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_env.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {

namespace {

void write(const std::filesystem::path& path, const std::string& data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// "s3://bucket/t-xxxx?endpoint=..." → ("bucket", "t-xxxx/", "http://...").
struct S3Parts {
  std::string bucket, prefix, endpoint;
};
S3Parts split(const std::string& address) {
  auto rest = address.substr(5);
  auto q = rest.find('?');
  auto path = rest.substr(0, q);
  auto slash = path.find('/');
  auto endpoint = rest.substr(rest.find("endpoint=") + 9);
  endpoint = endpoint.substr(0, endpoint.find('&'));
  return {path.substr(0, slash), path.substr(slash + 1) + "/", endpoint};
}

// The address of KEY under the store address (the query string kept at the end).
std::string at(const std::string& address, const std::string& key) {
  auto q = address.find('?');
  return address.substr(0, q) + "/" + key + (q == std::string::npos ? "" : address.substr(q));
}

}  // namespace

TEST(StoreCli, FileStorePutLsCatGetRm) {
  TempDir dir;
  auto store = "file://" + (dir.path() / "store").string();
  write(dir.path() / "in.bin", random_data(3'000'000, 21));
  auto put = run_lifeboat({"store", "put", (dir.path() / "in.bin").string(), store + "/a/in.bin"});
  ASSERT_EQ(put.status, 0) << put.err;

  auto ls = run_lifeboat({"store", "ls", "--json", "-r", store});
  ASSERT_EQ(ls.status, 0) << ls.err;
  auto rows = nlohmann::json::parse(ls.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["key"], "a/in.bin");
  EXPECT_EQ(rows[0]["size"], 3'000'000);

  auto cat = run_lifeboat({"store", "cat", store + "/a/in.bin"});
  EXPECT_EQ(cat.status, 0);
  EXPECT_TRUE(cat.out == random_data(3'000'000, 21));

  auto get = run_lifeboat({"store", "get", store + "/a/in.bin", (dir.path() / "out.bin").string()});
  EXPECT_EQ(get.status, 0) << get.err;
  EXPECT_TRUE(read_file(dir.path() / "out.bin") == random_data(3'000'000, 21));

  auto rm = run_lifeboat({"store", "rm", store + "/a/in.bin"});
  EXPECT_EQ(rm.status, 0) << rm.err;
  EXPECT_EQ(run_lifeboat({"store", "ls", "-r", store}).out, "");
}

TEST(StoreCli, ErrorsAreOneLineWithTheContractsExitCodes) {
  TempDir dir;
  auto store = "file://" + (dir.path() / "store").string();
  auto missing = run_lifeboat({"store", "cat", store + "/nothing"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;

  auto bad_address = run_lifeboat({"store", "ls", "ftp://nowhere"});
  EXPECT_EQ(bad_address.status, 2);
  EXPECT_NE(bad_address.err.find("unknown store address"), std::string::npos);

  auto bad_flag = run_lifeboat({"store", "ls", "--no-such-flag", store});
  EXPECT_EQ(bad_flag.status, 2);

  auto json = run_lifeboat({"--json", "store", "cat", store + "/nothing"});
  EXPECT_EQ(json.status, 1);
  EXPECT_EQ(nlohmann::json::parse(json.out)["kind"], "not_found");
}

TEST(StoreCli, IfAbsentRefusesToReplace) {
  TempDir dir;
  auto store = "file://" + (dir.path() / "store").string();
  ASSERT_EQ(run_lifeboat({"store", "put", "-", store + "/lease"}, "one").status, 0);
  auto again = run_lifeboat({"store", "put", "--if-absent", "-", store + "/lease"}, "two");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(run_lifeboat({"store", "cat", store + "/lease"}).out, "one");
}

TEST(StoreCli, RecursivePutAndGetOfADirectory) {
  TempDir dir;
  auto store = "file://" + (dir.path() / "store").string();
  for (int i = 0; i < 50; ++i) {
    write(dir.path() / "tree" / std::to_string(i % 5) / ("f" + std::to_string(i)),
          random_data(4096, static_cast<std::uint64_t>(i)));
  }
  ASSERT_EQ(run_lifeboat({"store", "put", "-r", (dir.path() / "tree").string(), store + "/t/"}).status, 0);
  auto got = run_lifeboat({"store", "get", "-r", store + "/t", (dir.path() / "back").string()});
  ASSERT_EQ(got.status, 0) << got.err;
  for (int i = 0; i < 50; ++i) {
    auto rel = std::filesystem::path(std::to_string(i % 5)) / ("f" + std::to_string(i));
    EXPECT_EQ(read_file(dir.path() / "back" / rel), random_data(4096, static_cast<std::uint64_t>(i)));
  }
}

TEST(StoreCli, AwsCliReadsWhatLifeboatWroteAndBack) {
  REQUIRE_S3(base);
  auto address = fresh_s3_address(base);
  auto parts = split(address);
  TempDir dir;
  auto data = random_data(20'000'000, 22);  // multipart: 3 parts
  write(dir.path() / "up.bin", data);
  auto put = run_lifeboat({"store", "put", (dir.path() / "up.bin").string(), at(address, "x/up.bin")});
  ASSERT_EQ(put.status, 0) << put.err;

  auto aws = "aws --endpoint-url " + parts.endpoint + " s3api ";
  auto got = run_shell(aws + "get-object --bucket " + parts.bucket + " --key " + parts.prefix +
                       "x/up.bin " + (dir.path() / "aws.bin").string());
  ASSERT_EQ(got.status, 0) << got.err;
  EXPECT_TRUE(read_file(dir.path() / "aws.bin") == data);

  write(dir.path() / "from-aws.txt", "written by the aws cli");
  auto aws_put = run_shell(aws + "put-object --bucket " + parts.bucket + " --key '" + parts.prefix +
                           "y/from aws.txt' --body " + (dir.path() / "from-aws.txt").string());
  ASSERT_EQ(aws_put.status, 0) << aws_put.err;
  auto cat = run_lifeboat({"store", "cat", at(address, "y/from aws.txt")});
  EXPECT_EQ(cat.status, 0) << cat.err;
  EXPECT_EQ(cat.out, "written by the aws cli");

  auto ls = run_lifeboat({"--json", "store", "ls", at(address, "")});
  ASSERT_EQ(ls.status, 0) << ls.err;
  auto rows = nlohmann::json::parse(ls.out);
  ASSERT_EQ(rows.size(), 2u) << ls.out;
  EXPECT_EQ(rows[0]["prefix"], parts.prefix + "x/");
  EXPECT_EQ(rows[1]["prefix"], parts.prefix + "y/");

  auto rm = run_lifeboat({"store", "rm", "-r", at(address, "")});
  EXPECT_EQ(rm.status, 0) << rm.err;
  auto left = run_shell(aws + "list-objects-v2 --output json --bucket " + parts.bucket +
                        " --prefix " + parts.prefix);
  ASSERT_EQ(left.status, 0) << left.err;
  auto listing = left.out.empty() ? nlohmann::json::object() : nlohmann::json::parse(left.out);
  EXPECT_TRUE(!listing.contains("Contents") || listing["Contents"].empty()) << left.out;
}

}  // namespace lifeboat::test
