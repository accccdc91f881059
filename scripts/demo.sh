#!/bin/bash
# The main job (README "Run the drill"). For now, until backup and restore exist: a
# local drill on the embedded defaults (a file:// store, a local:// keyring) — puts a
# sample installation's files through `lifeboat store` and reads them back, then takes
# an encrypted snapshot of them, verifies it, destroys the data, restores it from the
# snapshot with standard tools, and checks every checksum.
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

echo "== verify the copy"
(cd "$DEMO/data" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$DEMO/before.sum"
(cd "$DEMO/restored" && sha256sum --quiet -c "$DEMO/before.sum")

KMS="local://$DEMO/keyring?key=demo"
echo "== a key and an encrypted snapshot"
"$LB" keys create --kms "$KMS"
"$LB" snapshot create --kms "$KMS" --path "$DEMO/data" --installation demo --release 201705-2 \
  "$STORE/tfe-backup/demo.lb"
"$LB" snapshot inspect "$STORE/tfe-backup/demo.lb"
"$LB" snapshot verify --kms "$KMS" "$STORE/tfe-backup/demo.lb"

echo "== destroy the data, restore it from the snapshot"
rm -rf "$DEMO/data"
"$LB" snapshot decrypt --kms "$KMS" "$STORE/tfe-backup/demo.lb" "$DEMO/demo.tar.zst"
mkdir -p "$DEMO/root" && tar --zstd -xf "$DEMO/demo.tar.zst" -C "$DEMO/root"
(cd "$DEMO/root/${DEMO#/}/data" && sha256sum --quiet -c "$DEMO/before.sum")

files=$(wc -l < "$DEMO/before.sum")
echo "demo passed: $files files went through $STORE and back, and through an encrypted"
echo "snapshot that was verified, decrypted and restored; every SHA-256 matches"
