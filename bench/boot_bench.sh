#!/bin/bash
# Boot benchmark: boot-to-healthy of a destroyed instance (`lifeboat boot`, decision
# "recover", restore included) against `lifeboat restore latest` alone, against the
# manual alternative of extracting the same tree from a `tar | zstd -1 -T2` archive, and
# against `restic restore`, on the same generated dataset, in one run, caches dropped
# before each step. Also times a second boot with nothing changed (the reboot no-op).
# Files only: no database, so restore and boot do the same restore work and the
# difference between them is boot's own overhead (target < 1 s).
# Usage: bench/boot_bench.sh [SIZE_MIB ...]   (default: 1024)
#   REPS=N (default 3) rounds, interleaved; each step's median time and peak RSS printed.
#   LIFEBOAT_BIN=FILE times that binary instead of building build/lifeboat first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("${@:-1024}")
REPS=${REPS:-3}
bash scripts/install-deps.sh
for p in time restic bc; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
if [ -z "${LIFEBOAT_BIN:-}" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc)" --target lifeboat >/dev/null
fi
LB=${LIFEBOAT_BIN:-$ROOT/build/lifeboat}
W=$ROOT/.work/bootbench
trap 'rm -rf "$W"' EXIT
export RESTIC_PASSWORD=bench-password
DROP=no; sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null && DROP=yes
echo "$LB ($(git describe --always --dirty)), $(nproc) cores, caches dropped: $DROP, $REPS rounds"

declare -A ALL RSS
measure() {  # NAME CMD...: one timed run; stderr kept in $W/NAME.err
  local name=$1; shift
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f '%e %M' -o "$W/time.txt" "$@" >/dev/null 2>"$W/$name.err" ||
    { echo "$name failed:"; cat "$W/$name.err"; exit 1; }
  read -r s kb < "$W/time.txt"
  ALL[$name]="${ALL[$name]:-} $s"
  [ "$((kb / 1024))" -gt "${RSS[$name]:-0}" ] && RSS[$name]=$((kb / 1024))
  printf '  %-18s %8.2f s %7d MiB RSS\n' "$name" "$s" "$((kb / 1024))"
}
median() { tr ' ' '\n' <<<"${ALL[$1]}" | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
r() { echo "$1 / $2" | bc -l; }
d() { echo "$1 - $2" | bc -l; }
# The instance's disk is gone: its internal data, the boot journal, the runtime dir.
destroy() { rm -rf "$W/data" "$W/state" "$W/run" "$W/out"; }
# Every file of the data tree back, byte for byte (checked in the first round only).
check() { (cd "${2:-$W}" && sha256sum --quiet -c "$W/files.sha256") || { echo "$1: tree differs"; exit 1; }; }

for SIZE in "${SIZES[@]}"; do
  echo "== ${SIZE} MiB dataset (bench/gen_dataset.py)"
  rm -rf "$W"; mkdir -p "$W/data"
  python3 bench/gen_dataset.py "$W/data" "$SIZE"
  # The instance: one internal data path holding the sealed keyring; a trivial start
  # hook and a health check that passes once boot has unsealed the keyring, so what is
  # timed is boot-to-healthy, not an application. Store and KMS keyring outlive it.
  cat > "$W/lifeboat.toml" <<TOML
installation = "bench"
release = "201705-1"
store = "file://$W/lbstore"
kms = "local://$W/keyring?key=bench"
[backup]
paths = ["$W/data"]
[keyring]
path = "$W/data/keyring.sealed"
[boot]
state_dir = "$W/state"
runtime_dir = "$W/run"
start_hooks = ["true"]
health_check = "test -f $W/run/keyring.json"
TOML
  LBC=(--config "$W/lifeboat.toml")
  "$LB" -q init "${LBC[@]}" --output "$W/ud.json"
  "$LB" -q backup "${LBC[@]}" >/dev/null
  # The same tree (keyring included) in the manual alternatives' archives; not timed.
  (cd "$W" && find data -type f -print0 | sort -z | xargs -0 sha256sum) > "$W/files.sha256"
  tar cf - -C "$W" data | zstd -q -1 -T2 > "$W/data.tar.zst"
  restic init -q --repo "$W/restic" >/dev/null
  restic -q --repo "$W/restic" backup "$W/data" >/dev/null

  ALL=(); RSS=()
  for round in $(seq 1 "$REPS"); do
    echo " round $round"
    destroy
    measure boot-recover "$LB" boot "${LBC[@]}" --user-data "$W/ud.json"
    grep -q 'decision: recover' "$W/boot-recover.err" || { cat "$W/boot-recover.err"; exit 1; }
    [ "$round" = 1 ] && check boot-recover
    measure boot-reboot "$LB" boot "${LBC[@]}" --user-data "$W/ud.json"
    grep -q 'decision: reboot' "$W/boot-reboot.err" || { cat "$W/boot-reboot.err"; exit 1; }
    destroy
    measure lifeboat-restore "$LB" -q restore "${LBC[@]}" latest
    [ "$round" = 1 ] && check lifeboat-restore
    destroy
    measure tar-zstd-extract sh -c "zstd -q -d -T2 < '$W/data.tar.zst' | tar xf - -C '$W'"
    [ "$round" = 1 ] && check tar-zstd-extract
    destroy
    # restic puts the tree at its absolute path under the target: $W/out$W/data.
    measure restic-restore restic -q --repo "$W/restic" restore latest --target "$W/out"
    [ "$round" = 1 ] && check restic-restore "$W/out$W"
  done

  declare -A M
  for k in boot-recover boot-reboot lifeboat-restore tar-zstd-extract restic-restore; do M[$k]=$(median "$k"); done
  echo
  echo "medians of $REPS rounds at ${SIZE} MiB (peak RSS: the largest of the rounds):"
  printf '  %-18s %8s %9s\n' step seconds 'RSS MiB'
  for k in boot-recover boot-reboot lifeboat-restore tar-zstd-extract restic-restore; do
    printf '  %-18s %8.2f %9d\n' "$k" "${M[$k]}" "${RSS[$k]}"
  done
  printf 'boot / restore = %.2fx; boot - restore = %.2f s (boot overhead, target < 1 s); reboot no-op %.2f s (target well under 1 s)\n' \
    "$(r "${M[boot-recover]}" "${M[lifeboat-restore]}")" "$(d "${M[boot-recover]}" "${M[lifeboat-restore]}")" \
    "${M[boot-reboot]}"
  printf 'boot / (zstd -d | tar x) = %.2fx; restore / (zstd -d | tar x) = %.2fx; restic restore / boot = %.2fx\n' \
    "$(r "${M[boot-recover]}" "${M[tar-zstd-extract]}")" "$(r "${M[lifeboat-restore]}" "${M[tar-zstd-extract]}")" \
    "$(r "${M[restic-restore]}" "${M[boot-recover]}")"
  echo "boot's own report, last round: $(grep '^booted' "$W/boot-recover.err") / $(grep '^booted' "$W/boot-reboot.err")"
  printf 'every round, seconds:\n'
  for k in boot-recover boot-reboot lifeboat-restore tar-zstd-extract restic-restore; do
    printf '  %-18s%s\n' "$k" "${ALL[$k]}"
  done
  echo
done
