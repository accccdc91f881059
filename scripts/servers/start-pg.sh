#!/bin/bash
# Starts a throwaway PostgreSQL 15 cluster on 127.0.0.1:PORT with all its state in DIR:
# superuser "postgres", password (scram-sha-256) in DIR/password, sockets and logs in
# DIR. As root, the server runs as the unprivileged user postgres (initdb refuses
# root). Idempotent: a cluster already running in DIR is left as it is.
# Usage: start-pg.sh DIR [PORT]   (default 55432)
set -euo pipefail
DIR=$(realpath -m "$1")
PORT=${2:-55432}
BIN=/usr/lib/postgresql/15/bin
[ -x "$BIN/initdb" ] || { echo "start-pg: PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ -f "$DIR/data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$DIR"
  # The server must reach DIR through every directory above it.
  d=$DIR; while [ "$d" != / ]; do d=$(dirname "$d"); chmod o+x "$d" 2>/dev/null || true; done
fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  [ -f "$DIR/password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$DIR/password"
  chmod 600 "$DIR/password"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR/password"
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/password" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
  cat >> "$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off                 # a throwaway test server: speed over durability
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
fi
# The port on the command line wins over the one initdb wrote, so a reused DIR follows PORT.
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -o "-p $PORT" -w -t 60 start >/dev/null
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
