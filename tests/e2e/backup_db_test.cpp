// Backup and restore with a real PostgreSQL database (and rgw), hooks, and the agent.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_env.hpp"
#include "util/bytes.hpp"
#include "util/fs.hpp"

namespace lifeboat::test {

namespace {

namespace fs = std::filesystem;

// A database of its own on the test server, dropped at the end.
struct Db {
  std::string name = "lb_e2e_" + random_hex(6);
  std::string url;
  std::string env;  // PGPASSWORD=… for psql, LIFEBOAT_DATABASE_PASSWORD=… for lifeboat
  explicit Db(const std::string& server) {
    url = server.substr(0, server.rfind('/') + 1) + name;
    auto password = pg_password().value_or("");
    env = "PGPASSWORD='" + password + "' LIFEBOAT_DATABASE_PASSWORD='" + password + "' ";
    admin("CREATE DATABASE " + name);
  }
  ~Db() { admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); }
  std::string admin_url() const { return url.substr(0, url.rfind('/') + 1) + "postgres"; }
  CommandResult admin(const std::string& sql) const {
    return run_shell(env + "psql -qXAt -v ON_ERROR_STOP=1 '" + admin_url() + "' -c \"" + sql + "\"");
  }
  std::string sql(const std::string& statement) const {
    auto result = run_shell(env + "psql -qXAt -v ON_ERROR_STOP=1 '" + url + "' -c \"" + statement + "\"");
    EXPECT_EQ(result.status, 0) << statement << ": " << result.err;
    return trim(result.out);
  }
  void recreate_empty() const {
    admin("DROP DATABASE " + name + " WITH (FORCE)");
    admin("CREATE DATABASE " + name);
  }
  std::string digest() const {
    return sql("SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY id)) FROM items t") +
           "/" + sql("SELECT count(*) || ':' || md5(string_agg(o::text, ',' ORDER BY id)) FROM owners o");
  }
  void fill() const {
    sql("CREATE TABLE owners (id serial PRIMARY KEY, name text UNIQUE NOT NULL); "
        "CREATE TABLE items (id bigserial PRIMARY KEY, owner int REFERENCES owners, "
        "body bytea, note text); CREATE INDEX items_note ON items (note); "
        "INSERT INTO owners (name) SELECT 'owner-' || g FROM generate_series(1, 50) g; "
        "INSERT INTO items (owner, body, note) SELECT 1 + g % 50, "
        "decode(repeat(md5(g::text), 64), 'hex'), 'note ' || g FROM generate_series(1, 20000) g");
  }
};

struct Rig {
  TempDir dir;
  Db db;
  std::string store;
  std::string kms;
  explicit Rig(const std::string& server, std::string store_address = "")
      : db(server), store(std::move(store_address)) {
    fs::create_directories(data());
    std::ofstream(data() / "state.bin") << random_data(3 << 20, 11);
    kms = "local://" + (dir.path() / "keyring").string() + "?key=tfe";
    if (store.empty()) {
      store = "file://" + (dir.path() / "store").string();
    }
    EXPECT_EQ(run_lifeboat({"keys", "create", "--kms", kms}).status, 0);
    db.fill();
  }
  fs::path data() const { return dir.path() / "data"; }
  CommandResult lifeboat(const std::string& args, const std::string& extra_env = "") const {
    return run_shell(db.env + extra_env + LIFEBOAT_BINARY + " " + args + " --store '" + store +
                     "' --kms '" + kms + "' --database '" + db.url + "'");
  }
  CommandResult backup(const std::string& extra = "") const {
    return lifeboat("backup --json --release 201705-1 --path '" + data().string() + "' " + extra);
  }
};

}  // namespace

TEST(BackupDatabase, RoundTripOnRgwWithCanaries) {
  REQUIRE_S3(base);
  REQUIRE_PG(server);
  Rig rig(server, fresh_s3_address(base));
  auto before = rig.db.digest();
  auto backed = rig.backup();
  ASSERT_EQ(backed.status, 0) << backed.err;
  auto record = nlohmann::json::parse(backed.out);
  auto name = record["name"].get<std::string>();
  EXPECT_EQ(record["database"]["row_counts"]["public.items"], 20000);
  EXPECT_EQ(record["database"]["row_counts"]["public.owners"], 50);
  EXPECT_GT(record["database_bytes"].get<std::uint64_t>(), 100'000u);
  // The canaries: a row in the live database and a blob in the store.
  EXPECT_EQ(rig.db.sql("SELECT count(*) FROM lifeboat.canary WHERE snapshot = '" + name + "'"), "1");
  auto blob = run_lifeboat({"store", "cat", rig.store.substr(0, rig.store.find('?')) + "/" +
                                                record["canary"]["blob_key"].get<std::string>() +
                                                rig.store.substr(rig.store.find('?'))});
  ASSERT_EQ(blob.status, 0) << blob.err;
  EXPECT_EQ(to_hex(sha256(as_bytes(blob.out))), record["canary"]["blob_sha256"]);

  // Disaster: the disk and the database are gone.
  auto files = read_file(rig.data() / "state.bin");
  fs::remove_all(rig.data());
  rig.db.recreate_empty();
  auto restored = rig.lifeboat("--json restore latest --release 201705-1");
  ASSERT_EQ(restored.status, 0) << restored.err;
  auto result = nlohmann::json::parse(restored.out);
  EXPECT_EQ(result["database"], "restored");
  EXPECT_EQ(result["canary_found"], true);
  EXPECT_EQ(rig.db.digest(), before);
  EXPECT_EQ(read_file(rig.data() / "state.bin"), files);

  // Again: the database already holds this snapshot, and is left alone.
  rig.db.sql("INSERT INTO owners (name) VALUES ('written after the restore')");
  auto again = rig.lifeboat("--json restore --release 201705-1");
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["database"], "already restored");
  EXPECT_EQ(rig.db.sql("SELECT count(*) FROM owners"), "51");
}

TEST(BackupDatabase, NonEmptyDatabaseNeedsForce) {
  REQUIRE_PG(server);
  Rig rig(server);
  auto before = rig.db.digest();
  ASSERT_EQ(rig.backup().status, 0);
  rig.db.recreate_empty();
  rig.db.sql("CREATE TABLE unrelated (x int); INSERT INTO unrelated VALUES (1)");
  auto refused = rig.lifeboat("restore");
  EXPECT_EQ(refused.status, 3) << refused.err;
  EXPECT_NE(refused.err.find("holds data; pass --force"), std::string::npos) << refused.err;
  EXPECT_EQ(rig.db.sql("SELECT count(*) FROM unrelated"), "1");
  // --force replaces what the dump holds.
  rig.db.sql("CREATE TABLE owners (id serial PRIMARY KEY, name text); INSERT INTO owners (name) VALUES ('stale')");
  auto forced = rig.lifeboat("restore --force");
  ASSERT_EQ(forced.status, 0) << forced.err;
  EXPECT_EQ(rig.db.digest(), before);
}

TEST(BackupDatabase, KillAfterTheDatabaseThenRerun) {
  REQUIRE_PG(server);
  Rig rig(server);
  auto before = rig.db.digest();
  ASSERT_EQ(rig.backup().status, 0);
  auto files = read_file(rig.data() / "state.bin");
  std::ofstream(rig.data() / "state.bin") << "changed";
  rig.db.recreate_empty();
  auto killed = rig.lifeboat("restore", "LIFEBOAT_CRASH_AT=restore.after-database ");
  EXPECT_EQ(killed.status, 137) << killed.err;
  EXPECT_EQ(read_file(rig.data() / "state.bin"), "changed");  // not swapped yet
  auto rerun = rig.lifeboat("--json restore");
  ASSERT_EQ(rerun.status, 0) << rerun.err;
  EXPECT_EQ(nlohmann::json::parse(rerun.out)["database"], "already restored");
  EXPECT_EQ(rig.db.digest(), before);
  EXPECT_EQ(read_file(rig.data() / "state.bin"), files);
}

TEST(BackupDatabase, KillDuringTheDumpRestoreRollsBack) {
  REQUIRE_PG(server);
  Rig rig(server);
  // Incompressible rows, so that the dump spans several 8 MiB segments and the crash
  // lands after the first: pg_restore has seen only part of the dump.
  rig.db.sql("INSERT INTO items (owner, body, note) SELECT 1, (SELECT decode(string_agg(md5(random()::text "
             "|| g || i), ''), 'hex') FROM generate_series(1, 64) i), 'more' FROM generate_series(1, 20000) g");
  ASSERT_EQ(rig.backup().status, 0);
  rig.db.recreate_empty();
  auto killed = rig.lifeboat("restore", "LIFEBOAT_CRASH_AT=restore.mid-extract ");
  EXPECT_EQ(killed.status, 137) << killed.err;
  // pg_restore's one transaction never committed: the database is still empty.
  EXPECT_EQ(rig.db.sql("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"), "0");
  ASSERT_EQ(rig.lifeboat("restore").status, 0);
}

TEST(BackupDatabase, HooksRunAroundTheBackup) {
  REQUIRE_PG(server);
  Rig rig(server);
  auto log = rig.dir.path() / "hooks.log";
  auto config = rig.dir.path() / "hooks.toml";
  std::ofstream(config) << "[hooks]\npre = [\"echo pre >> " << log.string() << "\"]\n"
                        << "post = [\"echo post >> " << log.string() << "\"]\n";
  ASSERT_EQ(rig.backup("--config '" + config.string() + "'").status, 0);
  EXPECT_EQ(read_file(log), "pre\npost\n");

  std::ofstream(config) << "[hooks]\npre = [\"echo quiesce failed >&2; exit 4\"]\n"
                        << "post = [\"echo post >> " << log.string() << "\"]\n"
                        << "timeout = \"10s\"\n";
  auto failed = rig.backup("--config '" + config.string() + "'");
  EXPECT_EQ(failed.status, 1);
  EXPECT_NE(failed.err.find("pre hook 1 'echo quiesce failed >&2; exit 4' failed with exit status 4: "
                            "quiesce failed"),
            std::string::npos)
      << failed.err;
  EXPECT_EQ(read_file(log), "pre\npost\npost\n");  // post hooks run after a failure too
  auto listed = run_lifeboat({"list", "--json", "--store", rig.store});
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 1u);
}

TEST(BackupDatabase, WrongPasswordIsOneClearLine) {
  REQUIRE_PG(server);
  Rig rig(server);
  auto failed = run_shell("LIFEBOAT_DATABASE_PASSWORD=wrong-password " + std::string(LIFEBOAT_BINARY) +
                          " backup --store '" + rig.store + "' --kms '" + rig.kms + "' --database '" +
                          rig.db.url + "' --path '" + rig.data().string() + "'");
  EXPECT_EQ(failed.status, 1);
  EXPECT_EQ(std::count(failed.err.begin(), failed.err.end(), '\n'), 1) << failed.err;
  EXPECT_EQ(failed.err.find("wrong-password"), std::string::npos) << failed.err;
  auto listed = run_lifeboat({"list", "--json", "--store", rig.store});
  EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 0u);
}

TEST(Agent, SnapshotsAtStartAndOnSigterm) {
  REQUIRE_PG(server);
  Rig rig(server);
  auto status = rig.dir.path() / "status.json";
  std::string command = rig.db.env + LIFEBOAT_BINARY + " agent --store '" + rig.store + "' --kms '" +
                        rig.kms + "' --database '" + rig.db.url + "' --path '" +
                        rig.data().string() + "' --interval 1h --metrics-listen 127.0.0.1:0" +
                        " --status-file '" + status.string() + "'";
  auto result = run_shell(command + " 2>" + (rig.dir.path() / "agent.log").string() +
                          " & pid=$!; for i in $(seq 1 300); do "
                          "grep -q '\"runs_total\": *1' '" + status.string() + "' 2>/dev/null && break; "
                          "sleep 0.1; done; kill -TERM $pid; wait $pid; echo status=$?");
  EXPECT_NE(result.out.find("status=0"), std::string::npos)
      << result.out << read_file(rig.dir.path() / "agent.log");
  auto final_status = nlohmann::json::parse(read_file(status));
  EXPECT_EQ(final_status["runs_total"], 2);
  EXPECT_EQ(final_status["failures_total"], 0);
  // Both snapshots fall in one hour, so the prune after the second keeps only it.
  auto listed = nlohmann::json::parse(run_lifeboat({"list", "--json", "--store", rig.store}).out);
  ASSERT_EQ(listed.size(), 1u) << read_file(rig.dir.path() / "agent.log");
  EXPECT_EQ(listed[0]["name"], final_status["last_snapshot"]);
}

}  // namespace lifeboat::test
