#!/bin/bash
# Stops a cluster started by start-pg.sh. Usage: stop-pg.sh DIR
set -uo pipefail
DIR=$(realpath -m "$1")
BIN=/usr/lib/postgresql/15/bin
[ -f "$DIR/data/postmaster.pid" ] || exit 0
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
else
  "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
fi
