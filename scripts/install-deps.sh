#!/bin/bash
# Installs what lifeboat needs to build, test and demo, from Debian's packages.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

BUILD=(cmake g++ make pkg-config libssl-dev libcurl4-openssl-dev libzstd-dev libarchive-dev libp11-kit-dev libcli11-dev libpq-dev libmicrohttpd-dev
       nlohmann-json3-dev libtomlplusplus-dev libfmt-dev libpugixml-dev libgtest-dev libgmock-dev libbenchmark-dev
       clang libclang-rt-14-dev)
TEST=(postgresql-15 postgresql-client-15 ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl awscli zstd tar softhsm2 opensc)

missing=()
for package in "${BUILD[@]}" "${TEST[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "lifeboat: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
