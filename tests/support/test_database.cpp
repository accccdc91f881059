// TestDatabase (test_env.hpp): a database of its own on the PostgreSQL test server.
#include <libpq-fe.h>

#include <stdexcept>

#include "support/test_env.hpp"
#include "util/bytes.hpp"

namespace lifeboat::test {

namespace {

// The URL with its database (the path) replaced by `name`; a query string stays.
std::string with_database(const std::string& url, const std::string& name) {
  auto query = url.find('?');
  auto head = url.substr(0, query);
  auto tail = query == std::string::npos ? "" : url.substr(query);
  auto authority = head.find("://");
  auto slash = head.find('/', authority == std::string::npos ? 0 : authority + 3);
  return head.substr(0, slash) + "/" + name + tail;
}

PGconn* connect_or_throw(const std::string& url) {
  auto password = pg_password().value_or("");
  const char* keys[] = {"dbname", "password", nullptr};
  const char* values[] = {url.c_str(), password.empty() ? nullptr : password.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keys, values, 1);
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    throw std::runtime_error("test database: " + message);
  }
  return connection;
}

std::string run(PGconn* connection, const std::string& statements) {
  PGresult* result = PQexec(connection, statements.c_str());
  auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string message = PQerrorMessage(connection);
    PQclear(result);
    throw std::runtime_error(statements.substr(0, 80) + ": " + message);
  }
  std::string value;
  if (PQntuples(result) > 0 && PQnfields(result) > 0) {
    value = PQgetvalue(result, 0, 0);
  }
  PQclear(result);
  return value;
}

}  // namespace

struct TestDatabase::Connection {
  PGconn* connection;
  ~Connection() { PQfinish(connection); }
};

TestDatabase::TestDatabase(const std::string& server)
    : m_server(server), m_name("lb_test_" + random_hex(6)), m_url(with_database(server, m_name)) {
  PGconn* admin = connect_or_throw(server);
  try {
    run(admin, "CREATE DATABASE " + m_name);
  } catch (...) {
    PQfinish(admin);
    throw;
  }
  PQfinish(admin);
  m_connection.reset(new Connection{connect_or_throw(m_url)});
}

TestDatabase::~TestDatabase() {
  m_connection.reset();
  try {
    PGconn* admin = connect_or_throw(m_server);
    PQclear(PQexec(admin, ("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)").c_str()));
    PQfinish(admin);
  } catch (const std::exception&) {
    // The server went away; the throwaway cluster goes with its directory.
  }
}

db::DatabaseOptions TestDatabase::options() const {
  return db::DatabaseOptions{.url = m_url, .password = pg_password().value_or("")};
}

std::string TestDatabase::sql(const std::string& statements) const {
  return run(m_connection->connection, statements);
}

std::string TestDatabase::digest(const std::string& table) const {
  return sql(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') "
      "FROM " +
      table + " t");
}

}  // namespace lifeboat::test
