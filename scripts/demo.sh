#!/bin/bash
# The main job (README "Run the drill"): a local single-region disaster-recovery drill
# on the embedded defaults (a file:// store, a local:// keyring). `lifeboat init` readies
# the region, a first `lifeboat boot` installs an instance (its keyring), a sample
# installation fills it — internal data directories and a throwaway PostgreSQL cluster
# holding rows and secrets encrypted with the installation keyring — and `lifeboat
# backup` snapshots it. Then the instance is terminated and its database lost; a fresh
# `lifeboat boot` with the same user data recovers both by itself, `lifeboat verify`
# reads the canaries back, and the drill checks every file checksum, every table's rows,
# and that the unsealed keyring still decrypts the restored secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target lifeboat
LB=$ROOT/build/lifeboat

DEMO=$(mktemp -d /tmp/lifeboat-demo.XXXXXX)
chmod 755 "$DEMO"
# The first free port from 55442 on, so that another PostgreSQL on the machine is no bar.
PG_PORT=${DEMO_PG_PORT:-}
if [ -z "$PG_PORT" ]; then
  for PG_PORT in $(seq 55442 55499); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null || break
  done
fi
cleanup() {
  bash "$ROOT/scripts/servers/stop-pg.sh" "$DEMO/pg" >/dev/null 2>&1 || true
  rm -rf "$DEMO"
}
trap cleanup EXIT
T0=$(date +%s.%N)
step() { printf '\n== %6.1fs  %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*"; }

step "a throwaway PostgreSQL cluster on 127.0.0.1:$PG_PORT"
bash scripts/servers/start-pg.sh "$DEMO/pg" "$PG_PORT" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=postgres
PGPASSWORD=$(cat "$DEMO/pg/password")
export PGPASSWORD LIFEBOAT_DATABASE_PASSWORD=$PGPASSWORD
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE tfe"

step "lifeboat init: the KMS key, the bootstrap bundle and the user data of region 'local'"
INSTANCE=$DEMO/instance
DATA=$INSTANCE/var/lib/tfe
CONF=$INSTANCE/etc/tfe
KMS="local://$DEMO/keyring?key=tfe"
cat > "$DEMO/lifeboat.toml" <<TOML
installation = "demo"
release = "201705-2"
store = "file://$DEMO/store"
kms = "$KMS"
[database]
url = "postgres://postgres@127.0.0.1:$PG_PORT/tfe"
[backup]
paths = ["$DATA", "$CONF"]
[keyring]
path = "$DATA/vault/keyring.sealed"
[boot]
state_dir = "$INSTANCE/var/lib/lifeboat"
runtime_dir = "$INSTANCE/run/lifeboat"
start_hooks = ["echo 'application started' >> $DEMO/app.log"]
health_check = "test -s $INSTANCE/run/lifeboat/keyring.json"
TOML
# As an operator would, from flags, away from the instance: its first boot makes the keyring.
"$LB" init --installation demo --release 201705-2 --store "file://$DEMO/store" --kms "$KMS" \
  --database "postgres://postgres@127.0.0.1:$PG_PORT/tfe" --output "$DEMO/user-data.json"
cat "$DEMO/user-data.json"
export LIFEBOAT_CONFIG=$DEMO/lifeboat.toml

step "lifeboat boot: the first instance installs (a new keyring, unsealed for the application)"
"$LB" boot --user-data "$DEMO/user-data.json"

step "a sample installation in $INSTANCE"
mkdir -p "$DATA/archivist" "$DATA/logs" "$CONF"
echo '{"installation":"demo","release":"201705-2","hostname":"tfe.example"}' > "$CONF/settings.json"
for i in $(seq 1 40); do head -c 512K /dev/urandom > "$DATA/archivist/state-$i.tfstate"; done
for i in $(seq 1 2000); do echo "run-$i applied at $(date -u +%FT%TZ)"; done > "$DATA/logs/runs.log"
ln -s runs.log "$DATA/logs/current"
# The application encrypts its secrets with the installation keyring that boot unsealed.
vault_key() { sed -n 's/.*"k1":"\([^"]*\)".*/\1/p' "$INSTANCE/run/lifeboat/keyring.json"; }
VAULT_KEY=$(vault_key)
[ -n "$VAULT_KEY" ]
psql -qX -v ON_ERROR_STOP=1 -d tfe <<SQL
CREATE EXTENSION pgcrypto;
CREATE TABLE workspaces (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE runs (id serial PRIMARY KEY, workspace_id int REFERENCES workspaces, status text, plan bytea);
CREATE TABLE secrets (id serial PRIMARY KEY, workspace_id int REFERENCES workspaces, name text,
                      ciphertext bytea NOT NULL);
INSERT INTO workspaces (name) SELECT 'workspace-' || g FROM generate_series(1, 200) g;
INSERT INTO runs (workspace_id, status, plan)
  SELECT 1 + g % 200, (ARRAY['applied','errored','discarded'])[1 + g % 3], gen_random_bytes(256)
  FROM generate_series(1, 20000) g;
INSERT INTO secrets (workspace_id, name, ciphertext)
  SELECT g, 'AWS_SECRET_ACCESS_KEY', pgp_sym_encrypt('secret-of-workspace-' || g, '$VAULT_KEY')
  FROM generate_series(1, 200) g;
SQL

tables() {  # every table's row count and a digest of its rows
  psql -qXAt -d tfe -c "SELECT 'workspaces', count(*), md5(string_agg(w::text, ',' ORDER BY id)) FROM workspaces w" \
    -c "SELECT 'runs', count(*), md5(string_agg(r::text, ',' ORDER BY id)) FROM runs r" \
    -c "SELECT 'secrets', count(*), md5(string_agg(s::text, ',' ORDER BY id)) FROM secrets s"
}
tables > "$DEMO/tables.before"
(cd "$INSTANCE" && find var/lib/tfe etc -type f -print0 | sort -z | xargs -0 sha256sum) > "$DEMO/files.before"

step "lifeboat backup (the agent's hourly snapshot; config: $LIFEBOAT_CONFIG)"
NAME=$("$LB" backup)
"$LB" list

step "disaster: the instance is terminated (its whole disk is gone) and the database with it"
rm -rf "$INSTANCE"
psql -qX -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE tfe" -c "CREATE DATABASE tfe"

step "lifeboat boot: a fresh instance with the same user data recovers by itself"
"$LB" boot --user-data "$DEMO/user-data.json"

step "lifeboat verify: the canaries"
"$LB" verify

step "checking with the standard tools"
(cd "$INSTANCE" && sha256sum --quiet -c "$DEMO/files.before")
tables > "$DEMO/tables.after"
diff "$DEMO/tables.before" "$DEMO/tables.after"
canary=$(psql -qXAt -d tfe -c "SELECT count(*) FROM lifeboat.canary WHERE snapshot = '$NAME'")
[ "$canary" = 1 ]
[ "$(vault_key)" = "$VAULT_KEY" ]
decrypted=$(psql -qXAt -d tfe -c "SELECT pgp_sym_decrypt(ciphertext, '$(vault_key)')
                                  FROM secrets WHERE workspace_id = 42")
[ "$decrypted" = secret-of-workspace-42 ]

step "lifeboat boot again: a reboot with nothing changed restores nothing"
"$LB" boot --user-data "$DEMO/user-data.json"

files=$(wc -l < "$DEMO/files.before")
elapsed=$(echo "$(date +%s.%N) - $T0" | bc)
echo
echo "drill passed in $(printf '%.1f' "$elapsed") s: snapshot $NAME"
echo "  boot       the terminated instance was recovered by 'lifeboat boot' alone"
echo "  files      $files restored, every SHA-256 matches"
while IFS='|' read -r table rows _; do
  echo "  $(printf '%-10s' "$table") $rows rows restored, content digest matches"
done < "$DEMO/tables.after"
echo "  canary     row for $NAME present; 'lifeboat verify' passed"
echo "  secrets    the keyring boot unsealed decrypts the restored secrets"
