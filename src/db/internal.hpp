// What database.cpp and dump.cpp share: libpq results and connections.
#pragma once

#include <libpq-fe.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "util/process.hpp"

namespace lifeboat::db {

// Owns a PGresult.
class Result {
 public:
  explicit Result(PGresult* result);
  ~Result();
  Result(Result&& other) noexcept : m_result(other.m_result) { other.m_result = nullptr; }
  Result(const Result&) = delete;
  PGresult* get() const { return m_result; }
  int rows() const;
  std::string text(int row, int column) const;

 private:
  PGresult* m_result;
};

// Runs one statement; throws Error(io) "unable to WHAT: <server's message>".
Result exec(PGconn* connection, const std::string& what, const std::string& sql,
            const std::vector<std::string>& params = {});

// Closes a connection (PQfinish).
struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;

// Connects as Database::open does.
Connection connect(const DatabaseOptions& options);

RowCounts count_rows(PGconn* connection, const std::string& what);

}  // namespace lifeboat::db
