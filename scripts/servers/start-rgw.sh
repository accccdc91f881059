#!/bin/bash
# Starts a single-node Ceph cluster (1 mon, 1 OSD on memstore, 1 radosgw) on loopback,
# with all state in DIR, and a test user. S3 endpoint http://127.0.0.1:${RGW_PORT:-7480};
# RGW_MON_PORT (default 3300) moves the monitor so that two clusters can run at once.
# Usage: start-rgw.sh DIR   (stop with stop-rgw.sh DIR)
set -euo pipefail
C=${1:?usage: start-rgw.sh DIR}
C=$(realpath -m "$C")
PORT=${RGW_PORT:-7480}
MON2=${RGW_MON_PORT:-3300}          # the monitor's msgr2 port; msgr1 is MON2 + 3489
MON1=$((MON2 + 3489))
ACCESS=${RGW_ACCESS_KEY:-LIFEBOATTESTKEY1}
SECRET=${RGW_SECRET_KEY:-lifeboat/test/secret/0123456789abcdef}
if [ -f "$C/run/client.rgw.a.pid" ] && kill -0 "$(cat "$C/run/client.rgw.a.pid")" 2>/dev/null; then
  echo "rgw already running in $C" >&2
  exit 0
fi
rm -rf "$C"
mkdir -p "$C"/{mon,osd/ceph-0,rgw,run,log,crash}
FSID=$(uuidgen)
cat > "$C/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $C/keyring
run dir = $C/run
admin socket = $C/run/\$name.asok
pid file = $C/run/\$name.pid
log file = $C/log/\$name.log
crash dir = $C/crash
mon data = $C/mon/ceph-\$id
osd data = $C/osd/ceph-\$id
osd objectstore = memstore
memstore device bytes = 8589934592
osd memory target = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 5
mon warn on insecure global id reclaim allowed = false
osd op num shards = 1
osd op num threads per shard = 2
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw dns name = 127.0.0.1
rgw data = $C/rgw
keyring = $C/rgw/keyring
# Reclaim deleted and overwritten objects within seconds, not hours: memstore keeps
# everything in RAM and a full OSD stalls every write.
rgw gc obj min wait = 2
rgw gc processor period = 5
rgw gc processor max time = 5
CONF
export CEPH_CONF=$C/ceph.conf
ceph-authtool --create-keyring "$C/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$C/keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]" "$C/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$C/monmap" --keyring "$C/keyring"
ceph-mon -i a
timeout 60 ceph -s >/dev/null
OSD_UUID=$(uuidgen)
OSD_SECRET=$(ceph-authtool --gen-print-key)
OSD_ID=$(echo "{\"cephx_secret\": \"$OSD_SECRET\"}" | ceph osd new "$OSD_UUID" -i -)
ceph-authtool --create-keyring "$C/osd/ceph-$OSD_ID/keyring" --name "osd.$OSD_ID" \
  --add-key "$OSD_SECRET" >/dev/null
ceph-osd -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" --keyring "$C/osd/ceph-$OSD_ID/keyring" \
  2>>"$C/log/osd-mkfs.log"
ceph-osd -i "$OSD_ID" --keyring "$C/osd/ceph-$OSD_ID/keyring" 2>>"$C/log/osd-start.log"
for _ in $(seq 1 120); do ceph osd stat 2>/dev/null | grep -q '1 up' && break; sleep 0.5; done
ceph auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' \
  -o "$C/rgw/keyring"
radosgw -n client.rgw.a
for _ in $(seq 1 240); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.5; done
curl -s -o /dev/null "http://127.0.0.1:$PORT/" || { echo "rgw did not start; see $C/log" >&2; exit 1; }
radosgw-admin -n client.admin user create --uid=lifeboat --display-name=lifeboat \
  --access-key="$ACCESS" --secret="$SECRET" >/dev/null
echo "rgw up on http://127.0.0.1:$PORT (state in $C)" >&2
