// pg_dump and pg_restore as streams (database.hpp).
#include <libpq-fe.h>

#include "db/internal.hpp"
#include "util/error.hpp"
#include "util/redact.hpp"

namespace lifeboat::db {

namespace {

// The connection as the environment of pg_dump or pg_restore (PGHOST, PGPORT, PGUSER,
// PGPASSWORD, …), so that nothing secret appears on their command lines, and the
// database name for their --dbname.
struct ChildConnection {
  std::vector<std::pair<std::string, std::string>> env;
  std::string dbname;
};

ChildConnection child_connection(const DatabaseOptions& options, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &error);
  if (parsed == nullptr) {
    std::string why = error != nullptr ? error : "malformed";
    PQfreemem(error);
    throw Error(ErrorKind::usage, "database address '" + redact(options.url) + "' is malformed: " + why);
  }
  ChildConnection child;
  for (auto* option = parsed; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || option->envvar == nullptr) {
      continue;
    }
    // The password in the options overrides the URL's, as it does for our own
    // connection (connect()).
    if (std::strcmp(option->keyword, "password") == 0 && !options.password.empty()) {
      continue;
    }
    child.env.emplace_back(option->envvar, option->val);
  }
  PQconninfoFree(parsed);
  // The database the server says we are connected to: the URL may name none (then
  // libpq picks the user's name) or name it through a parameter.
  child.dbname = dbname;
  if (!options.password.empty()) {
    child.env.emplace_back("PGPASSWORD", options.password);
  }
  child.env.emplace_back("PGAPPNAME", "lifeboat");
  return child;
}

// The database as a conninfo string for --dbname: a bare name containing '=' or
// starting with "postgres://" would itself be read as a connection string.
std::string dbname_argument(const std::string& name) {
  std::string quoted = "dbname='";
  for (char c : name) {
    if (c == '\'' || c == '\\') {
      quoted += '\\';
    }
    quoted += c;
  }
  return quoted + "'";
}

// The line that says why pg_dump or pg_restore failed. Their stderr ends with context
// such as "Command was: CREATE …" (which may hold anything the dump holds, a user
// mapping's password included), so the last "<tool>: error: " line is taken, not the
// last line.
std::string tool_error(const std::string& tail, const std::string& tool) {
  auto marker = tool + ": error: ";
  auto at = tail.rfind(marker);
  if (at == std::string::npos) {
    return last_line(tail);
  }
  auto end = tail.find('\n', at);
  auto line = tail.substr(at + marker.size(),
                          end == std::string::npos ? std::string::npos : end - at - marker.size());
  // "could not execute query: ERROR:  schema … already exists": the server's own prefix.
  auto server = line.find("ERROR:  ");
  if (server != std::string::npos) {
    line.erase(server, std::strlen("ERROR:  "));
  }
  return line;
}

std::string tool(const DatabaseOptions& options, const char* name) {
  return options.bin_dir.empty() ? name : (options.bin_dir / name).string();
}

class PgDump final : public Dump {
 public:
  PgDump(const DatabaseOptions& options, const std::string& display)
      : m_display(display), m_connection(connect(options)) {
    auto* connection = m_connection.get();
    auto what = "dump database '" + display + "'";
    // The dump's transaction: its snapshot is exported to pg_dump and the rows are
    // counted in it, so the counts describe exactly the rows dumped.
    exec(connection, what, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    auto snapshot = exec(connection, what, "SELECT pg_export_snapshot()").text(0, 0);
    m_counts = count_rows(connection, what);
    auto child = child_connection(options, PQdb(connection));
    m_process.emplace(Process::spawn(
        {.argv = {tool(options, "pg_dump"), "--format=custom", "--no-password",
                  "--snapshot=" + snapshot, "--dbname=" + dbname_argument(child.dbname)},
         .env_add = child.env,
         .pipe_stdout = true}));
  }

  // Members go in reverse order: pg_dump is killed (if it still runs) before the
  // transaction whose snapshot it reads is closed.
  std::size_t read(std::span<std::uint8_t> out) override {
    if (m_done) {
      return 0;
    }
    auto n = m_process->read_stdout(out);
    if (n == 0) {
      m_done = true;
      auto status = m_process->wait();
      if (status != 0) {
        throw Error(ErrorKind::io, "pg_dump of database '" + m_display + "' failed (exit status " +
                                       std::to_string(status) +
                                       "): " + tool_error(m_process->stderr_tail(), "pg_dump"));
      }
    }
    return n;
  }

  const RowCounts& row_counts() const override { return m_counts; }

 private:
  std::string m_display;
  Connection m_connection;
  RowCounts m_counts;
  std::optional<Process> m_process;
  bool m_done = false;
};

class PgRestore final : public Restore {
 public:
  PgRestore(const DatabaseOptions& options, const std::string& display, const std::string& dbname,
            bool clean)
      : m_display(display) {
    auto child = child_connection(options, dbname);
    // One transaction: killed or failed at any point, nothing of the dump stays.
    // --no-owner: objects belong to the restoring role, which need not be the role that
    // owned them where the dump was taken (another region's database).
    std::vector<std::string> argv = {tool(options, "pg_restore"), "--single-transaction",
                                     "--exit-on-error", "--no-owner", "--no-password",
                                     "--dbname=" + dbname_argument(child.dbname)};
    if (clean) {
      argv.insert(argv.end(), {"--clean", "--if-exists"});
    }
    m_process.emplace(Process::spawn({.argv = argv, .env_add = child.env, .pipe_stdin = true}));
  }

  void write(std::span<const std::uint8_t> data) override {
    if (!m_process) {
      throw Error(ErrorKind::internal, "pg_restore into database '" + m_display + "' has finished");
    }
    try {
      m_process->write_stdin(data);
    } catch (const Error&) {
      fail();
    }
  }

  void finish() override {
    if (!m_process) {
      return;
    }
    auto status = m_process->wait();
    if (status != 0) {
      fail(status);
    }
    m_process.reset();
  }

 private:
  [[noreturn]] void fail(int status = -1) {
    if (status < 0) {
      status = m_process->wait();
    }
    throw Error(ErrorKind::io, "pg_restore into database '" + m_display + "' failed (exit status " +
                                   std::to_string(status) +
                                   "): " + tool_error(m_process->stderr_tail(), "pg_restore") +
                                   "; nothing of the dump was kept");
  }

  std::string m_display;
  std::optional<Process> m_process;
};

}  // namespace

std::unique_ptr<Dump> Database::open_dump() const {
  return std::make_unique<PgDump>(m_options, display());
}

std::unique_ptr<Restore> Database::open_restore(bool clean) const {
  return std::make_unique<PgRestore>(m_options, display(), PQdb(m_connection), clean);
}

}  // namespace lifeboat::db
