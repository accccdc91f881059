// The settings table (settings.hpp). Add a row here and a paragraph to
// doc/configuration.md; the unit test checks that both exist.
#include "settings/settings.hpp"

#include "util/error.hpp"

namespace lifeboat::settings {

namespace {

constexpr Row k_table[] = {
    {"installation", "LIFEBOAT_INSTALLATION", "installation", Type::string, "\"default\"", false,
     "backup restore list prune agent init", "the installation's name, recorded in every snapshot"},
    {"release", "LIFEBOAT_RELEASE", "release", Type::string, "", false,
     "backup restore agent init verify",
     "the installation's release, YYYYMM-N; restore refuses snapshots of a newer one"},
    {"region", "LIFEBOAT_REGION", "region", Type::string, "\"local\"", false, "backup agent init",
     "the region this instance runs in, recorded in every snapshot"},
    {"store", "LIFEBOAT_STORE", "store", Type::string, "", false,
     "backup restore list prune agent init",
     "the store address: file:///DIR or s3://BUCKET[/PREFIX]?endpoint=URL&region=R"},
    {"kms", "LIFEBOAT_KMS", "kms", Type::string, "", false, "backup restore list prune agent init",
     "the KMS address that wraps each snapshot's data key (local://, pkcs11:, awskms:)"},
    {"prefix", "LIFEBOAT_PREFIX", "prefix", Type::string, "\"tfe-backup/\"", false,
     "backup restore list prune agent init boot", "where snapshots live in the store"},
    {"database.url", "LIFEBOAT_DATABASE", "database", Type::string, "", false,
     "backup restore agent init",
     "PostgreSQL to dump with each snapshot, postgres://USER@HOST:PORT/DB (no password)"},
    {"database.password", "LIFEBOAT_DATABASE_PASSWORD", "", Type::string, "", true,
     "backup restore agent init verify", "the database password (else PGPASSWORD or ~/.pgpass)"},
    {"database.bin_dir", "LIFEBOAT_PG_BIN_DIR", "", Type::string, "", false,
     "backup restore agent boot", "where pg_dump and pg_restore are; empty: search PATH"},
    {"backup.paths", "LIFEBOAT_PATHS", "path", Type::list, "", false, "backup agent boot",
     "directories and files of internal data to snapshot (absolute)"},
    {"backup.exclude", "", "exclude", Type::list, "", false, "backup agent",
     "fnmatch(3) patterns of paths to leave out"},
    {"backup.lease", "", "", Type::duration, "\"15m\"", false, "backup agent",
     "how long a backup's lease lasts unless renewed; a crashed backup's lease expires"},
    {"hooks.pre", "", "", Type::list, "", false, "backup agent",
     "commands (sh -c) run before a backup, in order, e.g. to quiesce the application"},
    {"hooks.post", "", "", Type::list, "", false, "backup agent",
     "commands run after a backup, whether it succeeded or not"},
    {"hooks.timeout", "", "", Type::duration, "\"5m\"", false, "backup agent boot",
     "how long one hook may run before it is killed and the backup fails"},
    {"retention.hourly", "", "keep-hourly", Type::integer, "24", false, "prune agent",
     "keep the newest snapshot of each of this many most recent hours"},
    {"retention.daily", "", "keep-daily", Type::integer, "7", false, "prune agent",
     "keep the newest snapshot of each of this many most recent days"},
    {"retention.weekly", "", "keep-weekly", Type::integer, "4", false, "prune agent",
     "keep the newest snapshot of each of this many most recent weeks"},
    {"agent.interval", "", "interval", Type::duration, "\"1h\"", false, "agent",
     "time between snapshots"},
    {"agent.jitter", "", "", Type::number, "0.1", false, "agent",
     "each wait is lengthened by up to this fraction of the interval, at random"},
    {"agent.retry", "", "", Type::duration, "\"1m\"", false, "agent",
     "first wait after a failed snapshot, doubling up to the interval"},
    {"agent.status_file", "", "status-file", Type::string, "", false, "agent",
     "a JSON status file rewritten after every run; empty: none"},
    {"agent.metrics_listen", "", "metrics-listen", Type::string, "\"127.0.0.1:9464\"", false,
     "agent", "loopback address for Prometheus metrics at /metrics; empty: none"},
    {"keyring.path", "LIFEBOAT_KEYRING", "keyring", Type::string, "", false, "init boot",
     "the sealed installation keyring file, inside one of backup.paths so snapshots carry it"},
    {"bootstrap.key", "LIFEBOAT_BOOTSTRAP", "bootstrap", Type::string, "", false, "init",
     "the bootstrap bundle's key in the store; empty: PREFIX + bootstrap/bundle.lifeboat"},
    {"boot.user_data", "LIFEBOAT_USER_DATA", "user-data", Type::string, "", false, "boot",
     "the user-data document: a file, or an http(s) URL read with the EC2 IMDSv2 flow"},
    {"boot.state_dir", "LIFEBOAT_STATE_DIR", "state-dir", Type::string, "\"/var/lib/lifeboat\"",
     false, "boot verify", "where the boot journal lives; outside every backed-up path"},
    {"boot.runtime_dir", "LIFEBOAT_RUNTIME_DIR", "runtime-dir", Type::string, "\"/run/lifeboat\"",
     false, "boot verify", "where the keyring is unsealed to (0700, files 0600); a tmpfs"},
    {"boot.upgrade_hooks", "", "", Type::list, "", false, "boot",
     "commands run once each, in order, when the release is newer than the data's"},
    {"boot.start_hooks", "", "", Type::list, "", false, "boot",
     "commands that start the application, after the keyring is unsealed"},
    {"boot.health_check", "", "health-check", Type::string, "", false, "boot",
     "a command that exits 0 once the application is healthy; retried every 250 ms"},
    {"boot.health_timeout", "", "", Type::duration, "\"5m\"", false, "boot",
     "how long boot waits for the health check to pass"},
};

}  // namespace

std::span<const Row> table() { return k_table; }

const Row& row(std::string_view key) {
  for (const auto& candidate : k_table) {
    if (candidate.key == key) {
      return candidate;
    }
  }
  throw Error(ErrorKind::internal, "no setting '" + std::string(key) + "' in the settings table");
}

}  // namespace lifeboat::settings
