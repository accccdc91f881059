// PostgreSQL: what backup and restore need of the database — whether it is empty, how
// many rows each table holds, the canary row, and a consistent logical dump and its
// restore through pg_dump and pg_restore.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "util/process.hpp"

typedef struct pg_conn PGconn;

namespace lifeboat::db {

struct DatabaseOptions {
  std::string url;       // libpq URI, "postgres://USER@HOST:PORT/DB". Required
  std::string password;  // secret; empty: the URL's, else PGPASSWORD or ~/.pgpass. Default: empty
  std::filesystem::path bin_dir;  // where pg_dump and pg_restore are; empty: PATH. Default: empty
};

// The row a backup plants and a restore (or `verify`) reads back to prove the database
// is the snapshot's: lifeboat.canary, one row per snapshot.
struct Canary {
  std::string snapshot;     // the snapshot's name
  std::string token;        // random, also in the canary blob
  std::string blob_key;     // the canary blob in the store
  std::string blob_sha256;  // its SHA-256
  std::string created;      // when it was planted (read back only)
};

// A secret the application's way: a random token encrypted with the installation
// keyring (ops/keyring.hpp), planted once when an installation is first booted and
// carried by every dump since. `verify` decrypts it with the unsealed keyring: if the
// keyring is not the one the database's secrets were encrypted with, it fails.
struct SecretCanary {
  std::string ciphertext;  // "KEYID:<base64>", as ops::encrypt_secret makes it
  std::string sha256;      // of the plaintext token, hex
};

using RowCounts = std::map<std::string, std::uint64_t>;  // "schema.table" → rows

// A running pg_dump -Fc whose output is read as a stream. The transaction whose
// snapshot it dumps stays open until this is destroyed; destroying it early kills
// pg_dump. Not thread-safe.
//
// The stream is a pipe, never seeked, so pg_dump writes no data offsets into its table
// of contents and pg_restore must read the entries in the order written. It does, with
// no extra option: measured on PostgreSQL 15 with tables in two schemas, foreign keys,
// indexes, sequences, a view, a materialized view, a large object and 20 MB of bytea,
// with and without --clean. Only parallel restore (-j) and a reordered list (-L) need a
// seekable file; lifeboat uses neither.
class Dump {
 public:
  virtual ~Dump() = default;
  // Reads the dump; 0 at its end, after which pg_dump has exited. Throws Error(io)
  // "pg_dump of database '…' failed (exit status N): <its error line>" if it failed.
  virtual std::size_t read(std::span<std::uint8_t> out) = 0;
  // Every table's rows, counted in the very transaction snapshot that is dumped.
  virtual const RowCounts& row_counts() const = 0;
};

// A running pg_restore fed from a stream, restoring in one transaction. Destroying it
// before finish() kills pg_restore, so the transaction rolls back and nothing of the
// dump is left in the database.
class Restore {
 public:
  virtual ~Restore() = default;
  // Throws Error(io) with pg_restore's error line if it has stopped (failed).
  virtual void write(std::span<const std::uint8_t> data) = 0;
  // Ends the input and waits for the commit. Throws Error(io) "pg_restore into
  // database '…' failed (exit status N): <its error line>; nothing of the dump was
  // kept" if it failed. Its error line is quoted, never the statement that failed
  // (which may hold anything the dump holds).
  virtual void finish() = 0;
};

// One connection to one database. Not thread-safe; move-only.
class Database {
 public:
  // Connects. Throws Error(auth) for a rejected password, Error(not_found) for a
  // database that does not exist, Error(transient) for a server that does not answer,
  // Error(usage) for no or a malformed URL, each one line naming the address (without
  // its password). A password in the options overrides the URL's. The server's notices
  // are dropped, never printed.
  static Database open(const DatabaseOptions& options);

  Database(Database&& other) noexcept;
  Database& operator=(Database&&) = delete;
  ~Database();

  // The address with any password replaced by ***.
  std::string display() const;

  // True when no table, view, sequence or other relation exists outside the system
  // schemas (extensions' functions don't count).
  bool is_empty() const;
  RowCounts row_counts() const;

  // Creates lifeboat.canary if needed and inserts (or replaces) the snapshot's row.
  void plant_canary(const Canary& canary);
  // The snapshot's canary row; nullopt if there is none (or no canary table).
  std::optional<Canary> read_canary(const std::string& snapshot) const;
  // The newest canary row by creation time.
  std::optional<Canary> latest_canary() const;
  // Creates lifeboat.secret_canary if needed and sets its one row.
  void plant_secret_canary(const SecretCanary& canary);
  // The secret canary; nullopt if none was planted.
  std::optional<SecretCanary> read_secret_canary() const;

  // A consistent dump: a REPEATABLE READ transaction exports its snapshot, counts every
  // table's rows in it, and pg_dump -Fc dumps exactly that snapshot.
  std::unique_ptr<Dump> open_dump() const;
  // pg_restore --single-transaction --exit-on-error --no-owner, with --clean --if-exists
  // when `clean` (replacing what the dump holds in a database that is not empty; objects
  // the dump does not hold stay). Objects belong to the connecting role (--no-owner);
  // grants are restored, so the roles they name must exist on the target server.
  // pg_dump and pg_restore get the connection through their environment (PGHOST,
  // PGPASSWORD, …), never their command line.
  std::unique_ptr<Restore> open_restore(bool clean) const;

 private:
  Database(DatabaseOptions options, PGconn* connection);
  DatabaseOptions m_options;
  PGconn* m_connection;
};

}  // namespace lifeboat::db
