// pg_dump and pg_restore as streams against the PostgreSQL test server: a dump read
// from a pipe restores to identical content, counts come from the dumped snapshot, an
// abandoned restore leaves nothing, and failures are one line naming the tool.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "db/database.hpp"
#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {
namespace {

namespace fs = std::filesystem;
using db::Database;

// Tables with keys, foreign keys, an index, sequences, a view, bytea and numeric in
// two schemas; `items` rows of 1 KiB of incompressible bytes each.
void fill(const TestDatabase& source, int items) {
  source.sql(
      "CREATE TABLE owners (id serial PRIMARY KEY, name text UNIQUE NOT NULL);"
      "CREATE TABLE items (id bigserial PRIMARY KEY, owner int NOT NULL REFERENCES owners, "
      "body bytea, note text);"
      "CREATE INDEX items_note ON items (note);"
      "CREATE SCHEMA ledger;"
      "CREATE TABLE ledger.entries (id int PRIMARY KEY, item bigint REFERENCES items, "
      "amount numeric(12, 2), at timestamptz);"
      "CREATE SEQUENCE ledger.tickets START 1000;"
      "SELECT nextval('ledger.tickets') FROM generate_series(1, 5);"
      "CREATE VIEW owner_totals AS SELECT owner, count(*) FROM items GROUP BY owner;"
      "INSERT INTO owners (name) SELECT 'owner-' || g FROM generate_series(1, 50) g;"
      "INSERT INTO items (owner, body, note) SELECT 1 + g % 50, decode((SELECT "
      "string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 64) i), 'hex'), "
      "'note ' || g FROM generate_series(1, " +
      std::to_string(items) +
      ") g;"
      "INSERT INTO ledger.entries SELECT g, 1 + g % " +
      std::to_string(items) +
      ", g * 1.25, '2024-01-01'::timestamptz + g * "
      "interval '1 minute' FROM generate_series(1, 1000) g");
}

// Everything fill() made, as one comparable string.
std::string contents(const TestDatabase& database) {
  return database.digest("owners") + " " + database.digest("items") + " " +
         database.digest("ledger.entries") + " " +
         database.sql("SELECT last_value FROM ledger.tickets") + " " +
         database.sql("SELECT last_value FROM items_id_seq") + " " +
         database.sql(
             "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
             "WHERE schemaname IN ('public', 'ledger')") +
         " " + database.sql("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") + " " +
         database.digest("owner_totals");
}

std::string read_all(db::Dump& dump) {
  std::string out;
  std::vector<std::uint8_t> buffer(1 << 16);
  while (auto n = dump.read(buffer)) {
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

void restore_all(const Database& target, std::string_view dump, bool clean) {
  auto restore = target.open_restore(clean);
  for (std::size_t at = 0; at < dump.size(); at += 1 << 16) {
    restore->write(as_bytes(dump.substr(at, 1 << 16)));
  }
  restore->finish();
}

// A directory holding an executable `name` with `script` as its body.
fs::path tool_dir(const TempDir& dir, const std::string& name, const std::string& script) {
  auto path = dir.path() / name;
  std::ofstream(path) << "#!/bin/sh\n" << script << "\n";
  fs::permissions(path, fs::perms::owner_all);
  return dir.path();
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(DatabaseDump, RestoredFromAPipeIsIdentical) {
  REQUIRE_PG(server);
  TestDatabase source(server), target(server);
  fill(source, 20000);  // 20 MB of bytea
  auto dump = Database::open(source.options()).open_dump();
  auto started = std::chrono::steady_clock::now();
  auto data = read_all(*dump);
  auto dumped = std::chrono::steady_clock::now();
  EXPECT_GT(data.size(), 20u << 20) << "random bytes do not compress";
  auto restored = Database::open(target.options());
  ASSERT_TRUE(restored.is_empty());
  restore_all(restored, data, false);
  auto done = std::chrono::steady_clock::now();
  EXPECT_EQ(contents(target), contents(source));
  db::RowCounts expected = {
      {"ledger.entries", 1000}, {"public.items", 20000}, {"public.owners", 50}};
  EXPECT_EQ(dump->row_counts(), expected);
  EXPECT_EQ(restored.row_counts(), expected);
  using ms = std::chrono::milliseconds;
  std::cout << "dump " << data.size() << " bytes in "
            << std::chrono::duration_cast<ms>(dumped - started).count() << " ms, restore in "
            << std::chrono::duration_cast<ms>(done - dumped).count() << " ms\n";
}

TEST(DatabaseDump, CountsAndRowsAreThoseOfTheExportedSnapshot) {
  REQUIRE_PG(server);
  TestDatabase source(server), target(server);
  fill(source, 2000);
  auto dump = Database::open(source.options()).open_dump();
  // Rows that arrive once the dump has begun, through another connection, are in
  // neither the counts nor the dump.
  source.sql("INSERT INTO items (owner, note) SELECT 1, 'late' FROM generate_series(1, 500)");
  std::vector<std::uint8_t> buffer(4096);
  std::string data;
  auto n = dump->read(buffer);
  data.append(reinterpret_cast<const char*>(buffer.data()), n);
  source.sql(
      "INSERT INTO items (owner, note) SELECT 2, 'later' FROM generate_series(1, 500);"
      "DELETE FROM ledger.entries WHERE id <= 100");
  data += read_all(*dump);
  EXPECT_EQ(dump->row_counts().at("public.items"), 2000u);
  EXPECT_EQ(dump->row_counts().at("ledger.entries"), 1000u);
  EXPECT_EQ(source.sql("SELECT count(*) FROM items"), "3000");
  restore_all(Database::open(target.options()), data, false);
  EXPECT_EQ(Database::open(target.options()).row_counts(), dump->row_counts());
}

TEST(DatabaseDump, AbandonedRestoreLeavesTheDatabaseEmpty) {
  REQUIRE_PG(server);
  TestDatabase source(server), target(server);
  fill(source, 5000);
  auto data = read_all(*Database::open(source.options()).open_dump());
  auto database = Database::open(target.options());
  const std::string restoring =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
      "AND application_name = 'lifeboat' AND xact_start IS NOT NULL";
  {
    auto restore = database.open_restore(false);
    restore->write(as_bytes(std::string_view(data).substr(0, data.size() / 2)));
    // Half the data is in: pg_restore's one transaction is open and has created tables.
    for (int i = 0; i < 100 && target.sql(restoring) == "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(target.sql(restoring), "1");
  }
  // pg_restore was killed; once the server has noticed, its transaction is rolled back.
  for (int i = 0; i < 250 && target.sql(restoring) != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(target.sql(restoring), "0");
  EXPECT_TRUE(database.is_empty());
}

TEST(DatabaseDump, CleanRestoreReplacesWhatTheDumpHolds) {
  REQUIRE_PG(server);
  TestDatabase source(server), target(server);
  fill(source, 1000);
  auto data = read_all(*Database::open(source.options()).open_dump());
  auto database = Database::open(target.options());
  restore_all(database, data, false);
  target.sql("INSERT INTO owners (name) VALUES ('stray'); CREATE TABLE unrelated (id int)");
  // Without clean the first CREATE fails and the whole restore rolls back.
  auto message = error_of([&] { restore_all(database, data, false); });
  EXPECT_TRUE(message.starts_with("pg_restore into database '" + target.url() + "' failed"))
      << message;
  EXPECT_NE(message.find("already exists"), std::string::npos) << message;
  EXPECT_EQ(target.sql("SELECT count(*) FROM owners"), "51");
  restore_all(database, data, true);
  EXPECT_EQ(contents(target), contents(source));
  // --clean drops only what the dump holds: a table it does not know stays.
  EXPECT_EQ(target.sql("SELECT to_regclass('unrelated') IS NOT NULL"), "t");
}

TEST(DatabaseDump, FailingPgDumpIsOneLineNamingIt) {
  REQUIRE_PG(server);
  TestDatabase source(server);
  fill(source, 10);
  TempDir dir;
  // The real pg_dump, made to fail: it is told to dump a table that does not exist.
  auto bin = tool_dir(dir, "pg_dump", "exec pg_dump \"$@\" --table=no_such_table --strict-names");
  auto options = source.options();
  options.bin_dir = bin;
  auto dump = Database::open(options).open_dump();
  auto message = error_of([&] { read_all(*dump); });
  EXPECT_TRUE(
      message.starts_with("pg_dump of database '" + source.url() + "' failed (exit status 1): "))
      << message;
  EXPECT_NE(message.find("no matching tables were found"), std::string::npos) << message;
}

TEST(DatabaseDump, MissingPgDumpIsNotFound) {
  REQUIRE_PG(server);
  TestDatabase source(server);
  TempDir dir;
  auto options = source.options();
  options.bin_dir = dir.path();
  try {
    Database::open(options).open_dump();
    FAIL() << "pg_dump ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
    EXPECT_NE(std::string(e.what()).find("pg_dump'"), std::string::npos) << e.what();
  }
}

TEST(DatabaseDump, PasswordsReachTheToolsOnlyThroughTheirEnvironment) {
  REQUIRE_PG(server);
  TestDatabase source(server), target(server);
  fill(source, 10);
  TempDir dir;
  auto log = (dir.path() / "arguments").string();
  auto record = "echo \"$0 $*\" >> " + log + "; exec $(basename $0) \"$@\"";
  tool_dir(dir, "pg_dump", record);
  tool_dir(dir, "pg_restore", record);
  // A wrong password in the URL and the right one in the options: the options win, for
  // our connection and for the tools'.
  auto with_wrong = [&](const TestDatabase& database) {
    auto options = database.options();
    auto at = options.url.find('@');
    options.url = options.url.substr(0, at) + ":wrong-4711" + options.url.substr(at);
    options.bin_dir = dir.path();
    return options;
  };
  auto data = read_all(*Database::open(with_wrong(source)).open_dump());
  restore_all(Database::open(with_wrong(target)), data, false);
  EXPECT_EQ(contents(target), contents(source));
  auto arguments = read_file(log);
  EXPECT_NE(arguments.find("pg_dump --format=custom"), std::string::npos) << arguments;
  EXPECT_NE(arguments.find("pg_restore --single-transaction"), std::string::npos) << arguments;
  EXPECT_EQ(arguments.find("4711"), std::string::npos) << arguments;
  if (auto password = pg_password(); password && !password->empty()) {
    EXPECT_EQ(arguments.find(*password), std::string::npos) << arguments;
  }
}

}  // namespace
}  // namespace lifeboat::test
