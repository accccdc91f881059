#!/bin/bash
# The main job (README "Run the drill"). For now, until backup and restore exist: a
# local round trip through `lifeboat store` on the embedded default file:// store —
# puts a sample installation's files, lists them, reads them back, checks every
# checksum, and prints a short report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIFEBOAT_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" --target lifeboat
LB=$PWD/build/lifeboat

DEMO=$(mktemp -d /tmp/lifeboat-demo.XXXXXX)
trap 'rm -rf "$DEMO"' EXIT
STORE=file://$DEMO/store

echo "== a sample installation's internal data in $DEMO/data"
mkdir -p "$DEMO/data/config" "$DEMO/data/state" "$DEMO/data/blobs"
echo '{"installation":"demo","release":"201705-2"}' > "$DEMO/data/config/app.json"
for i in $(seq 1 20); do echo "run $i finished at $(date -u +%FT%TZ)" >> "$DEMO/data/state/runs.log"; done
head -c 24M /dev/urandom > "$DEMO/data/blobs/state-archive.bin"
for i in $(seq 1 200); do head -c 4096 /dev/urandom > "$DEMO/data/blobs/obj-$i"; done

echo "== put into $STORE"
"$LB" store put -r "$DEMO/data" "$STORE/demo/"
echo "== ls"
"$LB" store ls "$STORE/demo/"
echo "== get back into $DEMO/restored"
"$LB" store get -r "$STORE/demo" "$DEMO/restored"

echo "== verify"
(cd "$DEMO/data" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$DEMO/before.sum"
(cd "$DEMO/restored" && sha256sum --quiet -c "$DEMO/before.sum")
files=$(wc -l < "$DEMO/before.sum")
bytes=$(du -sb "$DEMO/data" | cut -f1)
echo "demo passed: $files files ($bytes bytes) stored in $STORE and read back; every SHA-256 matches"
