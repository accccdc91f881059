#!/bin/bash
# Store benchmark: lifeboat vs `aws s3` vs rclone against the same radosgw, in one run.
# Shapes: one 1 GiB object (put, get) and 10,000 objects of 4 KiB (put, get).
# Prints seconds, MB/s or objects/s, peak RSS, and lifeboat's ratio to the best other.
# Usage: bench/store_bench.sh   (starts its own rgw; set BENCH_SIZE_MB / BENCH_FILES to scale)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE_MB=${BENCH_SIZE_MB:-1024}
FILES=${BENCH_FILES:-10000}
bash scripts/install-deps.sh
for p in rclone time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target lifeboat >/dev/null
LB=$ROOT/build/lifeboat

W=$ROOT/.work/bench
RGW=$ROOT/.work/bench-rgw
mkdir -p "$W"
RGW_PORT=${RGW_PORT:-7481}
trap 'bash "$ROOT/scripts/servers/stop-rgw.sh" "$RGW"; rm -rf "$W"' EXIT
RGW_PORT=$RGW_PORT RGW_MON_PORT=3310 bash scripts/servers/start-rgw.sh "$RGW"
export AWS_ACCESS_KEY_ID=LIFEBOATTESTKEY1
export AWS_SECRET_ACCESS_KEY=lifeboat/test/secret/0123456789abcdef
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_PAGER= AWS_EC2_METADATA_DISABLED=true
# rclone reads AWS_CA_BUNDLE and refuses its own http transport when it is set.
unset AWS_CA_BUNDLE
EP=http://127.0.0.1:$RGW_PORT
AWS="aws --endpoint-url $EP"
$AWS s3api create-bucket --bucket bench >/dev/null
export RCLONE_CONFIG_RGW_TYPE=s3 RCLONE_CONFIG_RGW_PROVIDER=Ceph RCLONE_CONFIG_RGW_ENDPOINT=$EP
export RCLONE_CONFIG_RGW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
export RCLONE_CONFIG_RGW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
LBS="s3://bench?endpoint=$EP&region=us-east-1"

echo "generating data: one ${SIZE_MB} MiB file, ${FILES} files of 4 KiB" >&2
head -c "${SIZE_MB}M" /dev/urandom > "$W/big.bin"
mkdir -p "$W/small"
python3 - "$W/small" "$FILES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    sub = os.path.join(d, "%02d" % (i % 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "f%05d" % i), "wb") as f:
        f.write(os.urandom(4096))
PY

# measure NAME COMMAND...: runs it RUNS times (default 3), records the best wall
# seconds and the peak RSS (MiB) of all runs.
declare -A SECS RSS
RUNS=${BENCH_RUNS:-3}
measure() {
  local name=$1; shift
  local best="" peak=0
  for _ in $(seq 1 "$RUNS"); do
    sync
    /usr/bin/time -f '%e %M' -o "$W/time.txt" "$@" >/dev/null 2>"$W/err.txt" ||
      { echo "$name failed:"; cat "$W/err.txt"; exit 1; }
    read -r s kb < "$W/time.txt"
    if [ -z "$best" ] || [ "$(echo "$s < $best" | bc)" = 1 ]; then best=$s; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  SECS[$name]=$best; RSS[$name]=$((peak / 1024))
  printf '%-28s %8.2f s %7d MiB RSS  (best of %d)\n' "$name" "$best" "$((peak / 1024))" "$RUNS"
}
clean() { $AWS s3 rm --recursive --quiet s3://bench/ >/dev/null; rm -rf "$W/out"; mkdir -p "$W/out"; }

# Warm up: the first large write to a fresh cluster is slower for whoever goes first.
head -c 256M "$W/big.bin" > "$W/warm.bin"
$AWS s3 cp --quiet "$W/warm.bin" s3://bench/warm.bin
"$LB" -q store put "$W/warm.bin" "s3://bench/warm2.bin?endpoint=$EP"
clean
measure lifeboat-put-1g "$LB" -q store put "$W/big.bin" "s3://bench/lb/big.bin?endpoint=$EP"
measure aws-put-1g $AWS s3 cp --quiet "$W/big.bin" s3://bench/aws/big.bin
measure rclone-put-1g rclone copyto --ignore-times "$W/big.bin" rgw:bench/rclone/big.bin
measure lifeboat-get-1g "$LB" -q store get "s3://bench/lb/big.bin?endpoint=$EP" "$W/out/lb.bin"
measure aws-get-1g $AWS s3 cp --quiet s3://bench/aws/big.bin "$W/out/aws.bin"
measure rclone-get-1g rclone copyto --ignore-times rgw:bench/rclone/big.bin "$W/out/rclone.bin"
cmp "$W/big.bin" "$W/out/lb.bin"
# The same downloads to standard output (discarded): the network and the client alone,
# without the local file system's writeback, which varies most between runs.
measure lifeboat-stream-1g sh -c "'$LB' -q store cat 's3://bench/lb/big.bin?endpoint=$EP' > /dev/null"
measure aws-stream-1g sh -c "$AWS s3 cp --quiet s3://bench/aws/big.bin - > /dev/null"
measure rclone-stream-1g sh -c "rclone cat rgw:bench/rclone/big.bin > /dev/null"
clean
RUNS=1 measure lifeboat-put-small "$LB" -q store put -r -j 16 "$W/small" "s3://bench/lb/?endpoint=$EP"
RUNS=1 measure aws-put-small $AWS s3 sync --quiet "$W/small" s3://bench/aws/
RUNS=1 measure rclone-put-small rclone copy "$W/small" rgw:bench/rclone/
RUNS=1 measure lifeboat-get-small "$LB" -q store get -r -j 16 "s3://bench/lb?endpoint=$EP" "$W/out/lb"
RUNS=1 measure aws-get-small $AWS s3 sync --quiet s3://bench/aws/ "$W/out/aws"
RUNS=1 measure rclone-get-small rclone copy rgw:bench/rclone/ "$W/out/rclone"
diff -r "$W/small" "$W/out/lb" >/dev/null

echo
echo "ratios (time of the best other tool / lifeboat's time; > 1 means lifeboat is faster):"
for shape in put-1g get-1g stream-1g put-small get-small; do
  best=$(printf '%s\n%s\n' "${SECS[aws-$shape]}" "${SECS[rclone-$shape]}" | sort -g | head -1)
  printf '  %-10s lifeboat %6.2f s, best other %6.2f s, ratio %.2fx, lifeboat RSS %d MiB\n' \
    "$shape" "${SECS[lifeboat-$shape]}" "$best" \
    "$(echo "$best / ${SECS[lifeboat-$shape]}" | bc -l)" "${RSS[lifeboat-$shape]}"
done
