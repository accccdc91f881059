#!/bin/bash
# The test command (README "Run the tests"; CI runs exactly this): installs what is
# missing, builds lifeboat twice (plain, and with AddressSanitizer + UBSan) and the
# fuzz target with clang, starts the test servers (Ceph radosgw, PostgreSQL 15),
# fuzzes briefly, runs every test through ctest against the servers, and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/.work
JOBS=$(nproc)

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo)" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIFEBOAT_TESTS=ON >/dev/null
cmake --build build -j "$JOBS"
echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)" >&2
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLIFEBOAT_SANITIZE=ON -DLIFEBOAT_TESTS=ON >/dev/null
cmake --build build-asan -j "$JOBS"

echo "== build (libFuzzer, clang)" >&2
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DLIFEBOAT_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$JOBS" --target snapshot_fuzz

# --- servers
mkdir -p "$WORK"
stop_servers() {
  bash "$ROOT/scripts/servers/stop-pg.sh" "$WORK/pg"
  bash "$ROOT/scripts/servers/stop-rgw.sh" "$WORK/rgw"
}
trap stop_servers EXIT
RGW_PORT=${RGW_PORT:-7480} bash scripts/servers/start-rgw.sh "$WORK/rgw"
PG_PORT=${PG_PORT:-55432}
LIFEBOAT_TEST_PG=$(bash scripts/servers/start-pg.sh "$WORK/pg" "$PG_PORT")
LIFEBOAT_TEST_PG_PASSWORD=$(cat "$WORK/pg/password")
export LIFEBOAT_TEST_PG LIFEBOAT_TEST_PG_PASSWORD

export AWS_ACCESS_KEY_ID=LIFEBOATTESTKEY1
export AWS_SECRET_ACCESS_KEY=lifeboat/test/secret/0123456789abcdef
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_PAGER= AWS_EC2_METADATA_DISABLED=true
ENDPOINT=http://127.0.0.1:${RGW_PORT:-7480}
aws --endpoint-url "$ENDPOINT" s3api create-bucket --bucket lifeboat-test >/dev/null 2>&1 ||
  aws --endpoint-url "$ENDPOINT" s3api head-bucket --bucket lifeboat-test
export LIFEBOAT_TEST_S3="s3://lifeboat-test?endpoint=$ENDPOINT&region=us-east-1"
export LIFEBOAT_TEST_NO_SKIP=1   # a missing server fails a test; it never skips

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== fuzz the snapshot parsers (20 s)" >&2
(cd build-fuzz && ctest --output-on-failure --no-tests=error)
echo "== tests (sanitizers)" >&2
(cd build-asan && ctest --output-on-failure --no-tests=error -j 2)
echo "== tests" >&2
(cd build && ctest --output-on-failure --no-tests=error -j 2)
