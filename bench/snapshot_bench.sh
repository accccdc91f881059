#!/bin/bash
# Snapshot benchmark: `lifeboat snapshot create` / `verify` / `decrypt` against
# `tar | zstd -1 -T2` and `tar czf` on the same generated dataset, in one run.
# Usage: bench/snapshot_bench.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE=${1:-1024}
bash scripts/install-deps.sh
dpkg-query -W -f='${Status}' time 2>/dev/null | grep -q "install ok installed" ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target lifeboat >/dev/null
LB=$ROOT/build/lifeboat
W=$ROOT/.work/snapbench
rm -rf "$W"; mkdir -p "$W/data"
trap 'rm -rf "$W"' EXIT
echo "generating ${SIZE} MiB dataset" >&2
python3 bench/gen_dataset.py "$W/data" "$SIZE"
KMS="local://$W/keyring?key=bench"
"$LB" -q keys create --kms "$KMS" >/dev/null

declare -A SECS RSS
measure() {
  local name=$1; shift
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f '%e %M' -o "$W/time.txt" "$@" >/dev/null 2>"$W/err.txt" ||
    { echo "$name failed:"; cat "$W/err.txt"; exit 1; }
  read -r s kb < "$W/time.txt"
  SECS[$name]=$s; RSS[$name]=$((kb / 1024))
  printf '%-26s %8.2f s %7d MiB RSS\n' "$name" "$s" "$((kb / 1024))"
}

measure lifeboat-create "$LB" -q snapshot create --kms "$KMS" --path "$W/data" "$W/snap.lb"
measure tar-zstd-write sh -c "tar cf - -C '$W' data | zstd -q -1 -T2 > '$W/data.tar.zst'"
measure tar-gzip-write tar czf "$W/data.tar.gz" -C "$W" data
measure lifeboat-verify "$LB" -q snapshot verify --kms "$KMS" "$W/snap.lb"
measure tar-zstd-read sh -c "zstd -q -d -T2 < '$W/data.tar.zst' | tar tf - > /dev/null"
measure tar-gzip-read tar tzf "$W/data.tar.gz"
measure lifeboat-decrypt "$LB" -q snapshot decrypt --kms "$KMS" "$W/snap.lb" "$W/plain.tar.zst"

echo
printf 'sizes: snapshot %s, tar.zst %s, tar.gz %s bytes\n' "$(stat -c %s "$W/snap.lb")" \
  "$(stat -c %s "$W/data.tar.zst")" "$(stat -c %s "$W/data.tar.gz")"
r() { echo "$1 / $2" | bc -l; }
printf 'write: lifeboat / (tar|zstd -1 -T2) = %.2fx time (target <= 1.2); tar czf / lifeboat = %.1fx (target >= 8)\n' \
  "$(r "${SECS[lifeboat-create]}" "${SECS[tar-zstd-write]}")" "$(r "${SECS[tar-gzip-write]}" "${SECS[lifeboat-create]}")"
printf 'read (verify: every chunk authenticated, every file hashed): %.2f s vs write %.2f s; RSS write %d MiB, read %d MiB (target <= 128)\n' \
  "${SECS[lifeboat-verify]}" "${SECS[lifeboat-create]}" "${RSS[lifeboat-create]}" "${RSS[lifeboat-verify]}"
