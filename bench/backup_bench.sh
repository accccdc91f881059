#!/bin/bash
# Backup and restore benchmark: `lifeboat backup` / `restore` (file store, and radosgw at
# the first size) against `tar czf`/`tar xzf` (PTFE's own format), `tar | zstd -1 -T2`,
# restic and borg, on the same generated dataset, in one run, caches dropped before
# each step. Prints times, peak RSS and the ratios the targets speak of.
# Usage: bench/backup_bench.sh [SIZE_MIB ...]   (default: 1024)
#   e.g. bench/backup_bench.sh 1024 4096 — the second size runs lifeboat only, for RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("${@:-1024}")
bash scripts/install-deps.sh
for p in time restic borgbackup bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target lifeboat >/dev/null
LB=$ROOT/build/lifeboat
W=$ROOT/.work/backupbench
RGW_DIR=$ROOT/.work/bench-rgw
stop() { bash scripts/servers/stop-rgw.sh "$RGW_DIR" >/dev/null 2>&1 || true; rm -rf "$W"; }
trap stop EXIT
rm -rf "$W"; mkdir -p "$W"

export RESTIC_PASSWORD=bench-password BORG_PASSPHRASE=bench-password
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export AWS_ACCESS_KEY_ID=LIFEBOATTESTKEY1 AWS_SECRET_ACCESS_KEY=lifeboat/test/secret/0123456789abcdef
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
KMS="local://$W/keyring?key=bench"

declare -A SECS RSS
measure() {
  local name=$1; shift
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f '%e %M' -o "$W/time.txt" "$@" >/dev/null 2>"$W/err.txt" ||
    { echo "$name failed:"; cat "$W/err.txt"; exit 1; }
  read -r s kb < "$W/time.txt"
  SECS[$name]=$s; RSS[$name]=$((kb / 1024))
  printf '  %-24s %8.2f s %7d MiB RSS\n' "$name" "$s" "$((kb / 1024))"
}
fresh() { rm -rf "$1"; mkdir -p "$1"; }
r() { echo "$1 / $2" | bc -l; }

first=1
for SIZE in "${SIZES[@]}"; do
  echo "== ${SIZE} MiB dataset (bench/gen_dataset.py)"
  fresh "$W/data"
  python3 bench/gen_dataset.py "$W/data" "$SIZE"
  rm -rf "$W/keyring"; "$LB" -q keys create --kms "$KMS" >/dev/null
  LBF=(--store "file://$W/lbstore" --kms "$KMS" --release 201705-1)
  rm -rf "$W/lbstore"
  measure lifeboat-backup "$LB" -q backup "${LBF[@]}" --path "$W/data"
  fresh "$W/out"
  measure lifeboat-restore "$LB" -q restore "${LBF[@]}" --target "$W/out/lb"
  rm -rf "$W/out" "$W/lbstore"
  if [ "$first" = 1 ]; then
    RGW_PORT=7490 RGW_MON_PORT=3310 bash scripts/servers/start-rgw.sh "$RGW_DIR" >/dev/null
    aws --endpoint-url http://127.0.0.1:7490 s3api create-bucket --bucket bench >/dev/null
    LBS=(--store "s3://bench?endpoint=http://127.0.0.1:7490&region=us-east-1" --kms "$KMS" --release 201705-1)
    measure lifeboat-backup-rgw "$LB" -q backup "${LBS[@]}" --path "$W/data"
    fresh "$W/out"
    measure lifeboat-restore-rgw "$LB" -q restore "${LBS[@]}" --target "$W/out/lb"
    bash scripts/servers/stop-rgw.sh "$RGW_DIR" >/dev/null 2>&1
    rm -rf "$W/out" "$RGW_DIR"

    measure tar-gzip-backup tar czf "$W/data.tar.gz" -C "$W" data
    fresh "$W/out"
    measure tar-gzip-restore tar xzf "$W/data.tar.gz" -C "$W/out"
    rm -rf "$W/out" "$W/data.tar.gz"
    measure tar-zstd-backup sh -c "tar cf - -C '$W' data | zstd -q -1 -T2 > '$W/data.tar.zst'"
    fresh "$W/out"
    measure tar-zstd-restore sh -c "zstd -q -d -T2 < '$W/data.tar.zst' | tar xf - -C '$W/out'"
    rm -rf "$W/out" "$W/data.tar.zst"
    restic init -q --repo "$W/restic" >/dev/null
    measure restic-backup restic -q --repo "$W/restic" backup "$W/data"
    fresh "$W/out"
    measure restic-restore restic -q --repo "$W/restic" restore latest --target "$W/out"
    rm -rf "$W/out" "$W/restic"
    borg init -e repokey "$W/borg" >/dev/null 2>&1
    measure borg-backup borg create "$W/borg::bench" "$W/data"
    fresh "$W/out"
    measure borg-restore sh -c "cd '$W/out' && borg extract '$W/borg::bench'"
    rm -rf "$W/out" "$W/borg"

    echo
    printf 'backup: restic / lifeboat = %.2fx (target >= 2.5); borg / lifeboat = %.2fx; tar czf / lifeboat = %.1fx (target >= 8); lifeboat / (tar|zstd) = %.2fx time\n' \
      "$(r "${SECS[restic-backup]}" "${SECS[lifeboat-backup]}")" \
      "$(r "${SECS[borg-backup]}" "${SECS[lifeboat-backup]}")" \
      "$(r "${SECS[tar-gzip-backup]}" "${SECS[lifeboat-backup]}")" \
      "$(r "${SECS[lifeboat-backup]}" "${SECS[tar-zstd-backup]}")"
    printf 'restore: restic / lifeboat = %.2fx; borg / lifeboat = %.2fx; tar xzf / lifeboat = %.2fx; lifeboat restore / backup = %.2fx time (target <= 1)\n' \
      "$(r "${SECS[restic-restore]}" "${SECS[lifeboat-restore]}")" \
      "$(r "${SECS[borg-restore]}" "${SECS[lifeboat-restore]}")" \
      "$(r "${SECS[tar-gzip-restore]}" "${SECS[lifeboat-restore]}")" \
      "$(r "${SECS[lifeboat-restore]}" "${SECS[lifeboat-backup]}")"
    printf 'rgw: backup %.2f s, restore %.2f s (restore / backup = %.2fx)\n' \
      "${SECS[lifeboat-backup-rgw]}" "${SECS[lifeboat-restore-rgw]}" \
      "$(r "${SECS[lifeboat-restore-rgw]}" "${SECS[lifeboat-backup-rgw]}")"
    first=0
  fi
  printf 'RSS at %s MiB: backup %d MiB, restore %d MiB (target <= 128)\n\n' "$SIZE" \
    "${RSS[lifeboat-backup]}" "${RSS[lifeboat-restore]}"
done
