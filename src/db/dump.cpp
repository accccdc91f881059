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

ChildConnection child_connection(const DatabaseOptions& options) {
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
    if (std::strcmp(option->keyword, "dbname") == 0) {
      child.dbname = option->val;
    }
    child.env.emplace_back(option->envvar, option->val);
  }
  PQconninfoFree(parsed);
  if (!options.password.empty()) {
    child.env.emplace_back("PGPASSWORD", options.password);
  }
  child.env.emplace_back("PGAPPNAME", "lifeboat");
  return child;
}

std::string tool(const DatabaseOptions& options, const char* name) {
  return options.bin_dir.empty() ? name : (options.bin_dir / name).string();
}

class PgDump final : public Dump {
 public:
  PgDump(const DatabaseOptions& options, const std::string& display)
      : m_display(display), m_connection(connect(options)) {
    auto what = "dump database '" + display + "'";
    // The dump's transaction: its snapshot is exported to pg_dump and the rows are
    // counted in it, so the counts describe exactly the rows dumped.
    exec(m_connection, what, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    auto snapshot = exec(m_connection, what, "SELECT pg_export_snapshot()").text(0, 0);
    m_counts = count_rows(m_connection, what);
    auto child = child_connection(options);
    m_process.emplace(Process::spawn(
        {.argv = {tool(options, "pg_dump"), "--format=custom", "--no-password",
                  "--snapshot=" + snapshot, "--dbname=" + child.dbname},
         .env_add = child.env,
         .pipe_stdout = true}));
  }

  ~PgDump() override {
    m_process.reset();  // kills pg_dump if it still runs
    PQfinish(m_connection);
  }

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
                                       "): " + last_line(m_process->stderr_tail()));
      }
    }
    return n;
  }

  const RowCounts& row_counts() const override { return m_counts; }

 private:
  std::string m_display;
  PGconn* m_connection;
  RowCounts m_counts;
  std::optional<Process> m_process;
  bool m_done = false;
};

class PgRestore final : public Restore {
 public:
  PgRestore(const DatabaseOptions& options, const std::string& display, bool clean)
      : m_display(display) {
    auto child = child_connection(options);
    // One transaction: killed or failed at any point, nothing of the dump stays.
    // --no-owner: objects belong to the restoring role, which need not be the role that
    // owned them where the dump was taken (another region's database).
    std::vector<std::string> argv = {tool(options, "pg_restore"), "--single-transaction",
                                     "--exit-on-error", "--no-owner", "--no-password",
                                     "--dbname=" + child.dbname};
    if (clean) {
      argv.insert(argv.end(), {"--clean", "--if-exists"});
    }
    m_process.emplace(Process::spawn({.argv = argv, .env_add = child.env, .pipe_stdin = true}));
  }

  void write(std::span<const std::uint8_t> data) override {
    try {
      m_process->write_stdin(data);
    } catch (const Error&) {
      fail();
    }
  }

  void finish() override {
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
                                   "): " + last_line(m_process->stderr_tail()) +
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
  return std::make_unique<PgRestore>(m_options, display(), clean);
}

}  // namespace lifeboat::db
