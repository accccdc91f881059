#!/bin/bash
# Stops the daemons start-rgw.sh started in DIR, by their pid files, rgw first.
C=${1:?usage: stop-rgw.sh DIR}
for n in client.rgw.a osd.0 mon.a; do
  f=$C/run/$n.pid
  [ -f "$f" ] || continue
  p=$(cat "$f")
  kill "$p" 2>/dev/null
  for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$p" 2>/dev/null && kill -9 "$p"
  rm -f "$f"
done
exit 0
