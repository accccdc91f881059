// What tests share: temporary directories, the test servers' addresses and a database of
// its own, running the lifeboat binary.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "store/s3/s3_store.hpp"

namespace lifeboat::test {

// A fresh directory, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

// The S3 test server's base address (LIFEBOAT_TEST_S3, e.g.
// "s3://lifeboat-test?endpoint=http://127.0.0.1:7480"), or nullopt when none is
// configured. Use REQUIRE_S3() in a test to skip there on a developer machine — and to
// fail under CI, where LIFEBOAT_TEST_NO_SKIP=1.
std::optional<std::string> s3_base_address();

// The base address with a fresh random prefix appended, so tests never share keys.
std::string fresh_s3_address(const std::string& base);

// The pkcs11: address of key `object` on a SoftHSM2 token made for this test process
// (in a temporary directory, SOFTHSM2_CONF set for this process and its children), or
// nullopt if SoftHSM2 is not installed. The key itself is not created.
std::optional<std::string> softhsm_address(const std::string& object);

// The PostgreSQL test server's URL (LIFEBOAT_TEST_PG, e.g.
// "postgres://postgres@127.0.0.1:55432/postgres") and its password
// (LIFEBOAT_TEST_PG_PASSWORD); nullopt when none is configured. See REQUIRE_PG.
std::optional<std::string> pg_url();
std::optional<std::string> pg_password();

// A database of its own on the PostgreSQL test server: created empty, dropped
// (WITH (FORCE), so connections left open do not stop it) when the object goes.
class TestDatabase {
 public:
  // `server` is pg_url(); the password is pg_password().
  explicit TestDatabase(const std::string& server);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return m_name; }
  // The server's URL with this database's name in place of its own.
  const std::string& url() const { return m_url; }
  // What Database::open takes: url() and the server's password.
  db::DatabaseOptions options() const;

  // Runs one or more statements on a connection of this object's own and returns the
  // first value of the last result ("" if it has none). Throws std::runtime_error with
  // the server's message.
  std::string sql(const std::string& statements) const;
  // "rows:md5 of every row as text, in order" of one table, to compare contents.
  std::string digest(const std::string& table) const;

 private:
  std::string m_server;
  std::string m_name;
  std::string m_url;
  struct Connection;
  std::unique_ptr<Connection> m_connection;
};

// True when a missing server must fail the test instead of skipping it.
bool skips_forbidden();

struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the lifeboat binary with `args`, feeding `input` on stdin.
CommandResult run_lifeboat(const std::vector<std::string>& args, const std::string& input = "");

// Runs a shell command; returns its status and output.
CommandResult run_shell(const std::string& command);

// `text` without the newlines and spaces at its end (a command's output line).
std::string trim(std::string text);

// Deterministic pseudo-random bytes (incompressible, reproducible).
std::string random_data(std::size_t size, std::uint64_t seed);

}  // namespace lifeboat::test

// Skips (developer machine) or fails (CI) when no S3 server is configured.
#define REQUIRE_S3(base)                                                              \
  auto base##_opt = ::lifeboat::test::s3_base_address();                             \
  if (!base##_opt) {                                                                  \
    if (::lifeboat::test::skips_forbidden()) {                                        \
      FAIL() << "LIFEBOAT_TEST_S3 is not set and skipping is forbidden (CI)";         \
    }                                                                                 \
    GTEST_SKIP() << "LIFEBOAT_TEST_S3 is not set; run scripts/test.sh to start rgw"; \
  }                                                                                   \
  const std::string base = *base##_opt

#define REQUIRE_PG(server)                                                          \
  auto server##_opt = ::lifeboat::test::pg_url();                                   \
  if (!server##_opt) {                                                              \
    if (::lifeboat::test::skips_forbidden()) {                                      \
      FAIL() << "LIFEBOAT_TEST_PG is not set and skipping is forbidden (CI)";       \
    }                                                                               \
    GTEST_SKIP() << "LIFEBOAT_TEST_PG is not set; run scripts/test.sh to start it"; \
  }                                                                                 \
  const std::string server = *server##_opt
