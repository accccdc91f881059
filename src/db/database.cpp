// PostgreSQL through libpq (database.hpp); dump and restore in dump.cpp.
#include "db/database.hpp"

#include <libpq-fe.h>

#include "db/internal.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::db {

namespace {

std::string first_line(std::string text) {
  auto newline = text.find('\n');
  if (newline != std::string::npos) {
    text.resize(newline);
  }
  // "connection to server at … failed: FATAL:  password …" → the part that says why.
  for (const char* marker : {"failed: ", "FATAL:  ", "ERROR:  "}) {
    auto at = text.rfind(marker);
    if (at != std::string::npos) {
      text = text.substr(at + std::strlen(marker));
    }
  }
  return text;
}

ErrorKind connect_error_kind(const std::string& message) {
  if (message.find("password authentication failed") != std::string::npos ||
      message.find("no password supplied") != std::string::npos ||
      message.find("no pg_hba.conf entry") != std::string::npos) {
    return ErrorKind::auth;
  }
  if (message.find("does not exist") != std::string::npos) {
    return ErrorKind::not_found;
  }
  if (message.find("invalid") != std::string::npos || message.find("missing") != std::string::npos) {
    return ErrorKind::usage;
  }
  return ErrorKind::transient;
}

std::string remedy(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::auth:
      return "; set LIFEBOAT_DATABASE_PASSWORD or 'database.password'";
    case ErrorKind::transient:
      return "; check that the server runs and listens on that address";
    default:
      return "";
  }
}

}  // namespace

Result::Result(PGresult* result) : m_result(result) {}
Result::~Result() { PQclear(m_result); }
int Result::rows() const { return PQntuples(m_result); }
std::string Result::text(int row, int column) const {
  return PQgetisnull(m_result, row, column) ? std::string() : PQgetvalue(m_result, row, column);
}

Result exec(PGconn* connection, const std::string& what, const std::string& sql,
            const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& param : params) {
    values.push_back(param.c_str());
  }
  Result result(PQexecParams(connection, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw Error(ErrorKind::io, "unable to " + what + ": " + first_line(PQerrorMessage(connection)));
  }
  return result;
}

Connection connect(const DatabaseOptions& options) {
  if (options.url.empty()) {
    throw Error(ErrorKind::usage, "no database address given; set 'database.url'");
  }
  const char* keys[] = {"dbname", "password", "connect_timeout", "application_name", nullptr};
  const char* values[] = {options.url.c_str(),
                          options.password.empty() ? nullptr : options.password.c_str(), "10",
                          "lifeboat", nullptr};
  PGconn* connection = PQconnectdbParams(keys, values, 1);
  if (connection == nullptr) {
    throw Error(ErrorKind::io, "unable to connect to database '" + redact(options.url) +
                                   "': out of memory");
  }
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = first_line(PQerrorMessage(connection));
    PQfinish(connection);
    auto kind = connect_error_kind(message);
    throw Error(kind, "unable to connect to database '" + redact(options.url) + "': " + message +
                          remedy(kind));
  }
  // The server's notices ("schema \"lifeboat\" already exists, skipping") would go to
  // stderr, into the output of every command; nothing lifeboat does needs them.
  PQsetNoticeProcessor(connection, [](void*, const char*) {}, nullptr);
  return Connection(connection);
}

Database Database::open(const DatabaseOptions& options) {
  return Database(options, connect(options).release());
}

Database::Database(DatabaseOptions options, PGconn* connection)
    : m_options(std::move(options)), m_connection(connection) {}

Database::Database(Database&& other) noexcept
    : m_options(std::move(other.m_options)), m_connection(other.m_connection) {
  other.m_connection = nullptr;
}

Database::~Database() {
  if (m_connection != nullptr) {
    PQfinish(m_connection);
  }
}

std::string Database::display() const { return redact(m_options.url); }

bool Database::is_empty() const {
  auto result = exec(m_connection, "inspect database '" + display() + "'",
                     "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                     "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
                     "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')");
  return result.text(0, 0) == "0";
}

RowCounts count_rows(PGconn* connection, const std::string& what) {
  auto tables = exec(connection, what,
                     "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
                     "n.nspname || '.' || c.relname FROM pg_class c "
                     "JOIN pg_namespace n ON n.oid = c.relnamespace "
                     "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
                     "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                     "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
                     "ORDER BY 2");
  RowCounts counts;
  for (int i = 0; i < tables.rows(); ++i) {
    auto count = exec(connection, what, "SELECT count(*) FROM " + tables.text(i, 0));
    counts[tables.text(i, 1)] = std::stoull(count.text(0, 0));
  }
  return counts;
}

RowCounts Database::row_counts() const {
  return count_rows(m_connection, "count rows in '" + display() + "'");
}

void Database::plant_canary(const Canary& canary) {
  auto what = "plant the canary row in '" + display() + "'";
  exec(m_connection, what, "CREATE SCHEMA IF NOT EXISTS lifeboat");
  exec(m_connection, what,
       "CREATE TABLE IF NOT EXISTS lifeboat.canary (snapshot text PRIMARY KEY, token text NOT NULL, "
       "blob_key text NOT NULL, blob_sha256 text NOT NULL, created timestamptz NOT NULL DEFAULT now())");
  exec(m_connection, what,
       "INSERT INTO lifeboat.canary (snapshot, token, blob_key, blob_sha256) VALUES ($1, $2, $3, $4) "
       "ON CONFLICT (snapshot) DO UPDATE SET token = $2, blob_key = $3, blob_sha256 = $4, "
       "created = now()",
       {canary.snapshot, canary.token, canary.blob_key, canary.blob_sha256});
}

namespace {

bool table_exists(PGconn* connection, const std::string& what, const std::string& table) {
  return exec(connection, what, "SELECT to_regclass($1) IS NOT NULL", {table}).text(0, 0) == "t";
}

std::optional<Canary> canary_query(PGconn* connection, const std::string& what,
                                   const std::string& where, const std::vector<std::string>& params) {
  if (!table_exists(connection, what, "lifeboat.canary")) {
    return std::nullopt;
  }
  auto rows = exec(connection, what,
                   "SELECT snapshot, token, blob_key, blob_sha256, "
                   "to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                   "FROM lifeboat.canary " + where,
                   params);
  if (rows.rows() == 0) {
    return std::nullopt;
  }
  return Canary{rows.text(0, 0), rows.text(0, 1), rows.text(0, 2), rows.text(0, 3), rows.text(0, 4)};
}

}  // namespace

std::optional<Canary> Database::read_canary(const std::string& snapshot) const {
  return canary_query(m_connection, "read the canary row in '" + display() + "'",
                      "WHERE snapshot = $1", {snapshot});
}

std::optional<Canary> Database::latest_canary() const {
  return canary_query(m_connection, "read the canary row in '" + display() + "'",
                      "ORDER BY created DESC, snapshot DESC LIMIT 1", {});
}

}  // namespace lifeboat::db

namespace lifeboat::db {

void Database::plant_secret_canary(const SecretCanary& canary) {
  auto what = "plant the secret canary in '" + display() + "'";
  exec(m_connection, what, "CREATE SCHEMA IF NOT EXISTS lifeboat");
  exec(m_connection, what,
       "CREATE TABLE IF NOT EXISTS lifeboat.secret_canary (id int PRIMARY KEY CHECK (id = 1), "
       "ciphertext text NOT NULL, sha256 text NOT NULL, created timestamptz NOT NULL DEFAULT now())");
  exec(m_connection, what,
       "INSERT INTO lifeboat.secret_canary (id, ciphertext, sha256) VALUES (1, $1, $2) "
       "ON CONFLICT (id) DO UPDATE SET ciphertext = $1, sha256 = $2, created = now()",
       {canary.ciphertext, canary.sha256});
}

std::optional<SecretCanary> Database::read_secret_canary() const {
  auto what = "read the secret canary in '" + display() + "'";
  if (!table_exists(m_connection, what, "lifeboat.secret_canary")) {
    return std::nullopt;
  }
  auto rows = exec(m_connection, what, "SELECT ciphertext, sha256 FROM lifeboat.secret_canary");
  if (rows.rows() == 0) {
    return std::nullopt;
  }
  return SecretCanary{rows.text(0, 0), rows.text(0, 1)};
}

}  // namespace lifeboat::db
