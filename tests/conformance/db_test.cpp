// The database library against the PostgreSQL test server: connecting and its errors,
// emptiness, row counts, the canary row. Dump and restore are in db_dump_test.cpp.
#include <gtest/gtest.h>

#include "db/database.hpp"
#include "support/test_env.hpp"
#include "util/error.hpp"

namespace lifeboat::test {
namespace {

using db::Database;

// The URL with `password` set as its user's password (postgres://user:password@…).
std::string with_password(const std::string& url, const std::string& password) {
  auto at = url.find('@');
  return url.substr(0, at) + ":" + password + url.substr(at);
}

// The error Database::open throws for `options`; fails the test if it connects.
Error open_error(const db::DatabaseOptions& options) {
  try {
    Database::open(options);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "connected to '" << options.url << "'";
  return Error(ErrorKind::internal, "");
}

TEST(Database, WrongPasswordIsAuthAndNeverPrinted) {
  REQUIRE_PG(server);
  auto e = open_error({.url = server, .password = "not-the-password-4711"});
  EXPECT_EQ(e.kind(), ErrorKind::auth) << e.what();
  std::string message = e.what();
  EXPECT_TRUE(message.starts_with("unable to connect to database '" + server + "': ")) << message;
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_EQ(message.find("4711"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(Database, PasswordInTheUrlIsRedacted) {
  REQUIRE_PG(server);
  auto url = with_password(server, "url-secret-4711");
  auto e = open_error({.url = url});
  EXPECT_EQ(e.kind(), ErrorKind::auth) << e.what();
  EXPECT_EQ(std::string(e.what()).find("url-secret-4711"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find(":***@"), std::string::npos) << e.what();
  // A password in the options overrides the URL's, as libpq's keywords do.
  auto database = Database::open({.url = url, .password = pg_password().value_or("")});
  EXPECT_EQ(database.display().find("url-secret-4711"), std::string::npos);
}

TEST(Database, UnreachableServerIsTransient) {
  auto e = open_error({.url = "postgres://app@127.0.0.1:1/app", .password = "secret-4711"});
  EXPECT_EQ(e.kind(), ErrorKind::transient) << e.what();
  EXPECT_TRUE(
      std::string(e.what()).starts_with("unable to connect to database "
                                        "'postgres://app@127.0.0.1:1/app': "))
      << e.what();
  EXPECT_EQ(std::string(e.what()).find("secret-4711"), std::string::npos);
}

TEST(Database, MissingDatabaseIsNotFound) {
  REQUIRE_PG(server);
  TestDatabase existing(server);
  auto url = existing.url() + "_missing";
  auto e = open_error({.url = url, .password = pg_password().value_or("")});
  EXPECT_EQ(e.kind(), ErrorKind::not_found) << e.what();
  EXPECT_NE(std::string(e.what()).find(existing.name() + "_missing"), std::string::npos);
}

TEST(Database, NoUrlIsUsage) {
  EXPECT_EQ(open_error({}).kind(), ErrorKind::usage);
}

TEST(Database, IsEmptyUntilARelationExists) {
  REQUIRE_PG(server);
  TestDatabase target(server);
  auto database = Database::open(target.options());
  EXPECT_TRUE(database.is_empty());
  target.sql("CREATE FUNCTION answer() RETURNS int LANGUAGE sql AS 'SELECT 42'");
  EXPECT_TRUE(database.is_empty()) << "a function is not a relation";
  target.sql("CREATE SEQUENCE lonely");
  EXPECT_FALSE(database.is_empty());
  target.sql("DROP SEQUENCE lonely");
  EXPECT_TRUE(database.is_empty());
  target.sql("CREATE SCHEMA app; CREATE VIEW app.v AS SELECT 1 AS one");
  EXPECT_FALSE(database.is_empty());
}

TEST(Database, RowCountsCoverTablesButNotViews) {
  REQUIRE_PG(server);
  TestDatabase target(server);
  target.sql(
      "CREATE TABLE plain (id int); INSERT INTO plain SELECT generate_series(1, 7);"
      "CREATE SCHEMA app; CREATE TABLE app.\"Mixed Case\" (id int); INSERT INTO app.\"Mixed Case\" "
      "VALUES (1), (2);"
      "CREATE TABLE parted (id int) PARTITION BY RANGE (id);"
      "CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100);"
      "CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (200);"
      "INSERT INTO parted VALUES (1), (150), (199);"
      "CREATE VIEW plain_view AS SELECT * FROM plain; CREATE TABLE empty_one (id int)");
  auto counts = Database::open(target.options()).row_counts();
  db::RowCounts expected = {
      {"app.Mixed Case", 2}, {"public.empty_one", 0}, {"public.parted", 3}, {"public.plain", 7}};
  EXPECT_EQ(counts, expected);
}

TEST(Database, CanaryPlantReadAndLatest) {
  REQUIRE_PG(server);
  TestDatabase target(server);
  auto database = Database::open(target.options());
  EXPECT_FALSE(database.read_canary("tfe-a").has_value()) << "no canary table yet";
  EXPECT_FALSE(database.latest_canary().has_value());
  database.plant_canary(
      {.snapshot = "tfe-a", .token = "t1", .blob_key = "k1", .blob_sha256 = "s1"});
  database.plant_canary(
      {.snapshot = "tfe-b", .token = "t2", .blob_key = "k2", .blob_sha256 = "s2"});
  auto a = database.read_canary("tfe-a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->token, "t1");
  EXPECT_EQ(a->blob_key, "k1");
  EXPECT_EQ(a->blob_sha256, "s1");
  EXPECT_EQ(a->created.size(), 20u) << a->created;  // 2024-01-02T03:04:05Z
  EXPECT_FALSE(database.read_canary("tfe-c").has_value());
  EXPECT_EQ(database.latest_canary()->snapshot, "tfe-b");
  // Planting again replaces the row and makes it the newest.
  database.plant_canary(
      {.snapshot = "tfe-a", .token = "t3", .blob_key = "k3", .blob_sha256 = "s3"});
  EXPECT_EQ(database.read_canary("tfe-a")->token, "t3");
  EXPECT_EQ(database.latest_canary()->snapshot, "tfe-a");
  EXPECT_EQ(target.sql("SELECT count(*) FROM lifeboat.canary"), "2");
}

}  // namespace
}  // namespace lifeboat::test
