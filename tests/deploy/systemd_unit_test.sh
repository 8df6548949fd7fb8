#!/usr/bin/env bash
# deploy/headroom.service passes `systemd-analyze verify` and scores an exposure of at most 2.5
# ("OK") in `systemd-analyze security --offline=true`. verify checks that ExecStart's program
# exists, so it runs on a copy whose /usr/bin/headroom is the binary just built (nothing else
# changes). Usage: systemd_unit_test.sh UNIT HEADROOM_BINARY WORKDIR
set -euo pipefail
unit=$1 binary=$2 workdir=$3
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze not installed (apt-get install systemd)"; exit 1; }
rm -rf "$workdir" && mkdir -p "$workdir"
copy=$workdir/headroom.service
sed "s#/usr/bin/headroom#$binary#g" "$unit" >"$copy"
grep -q "^ExecStart=$binary serve --config /etc/headroom/headroom.json$" "$copy" ||
  { echo "FAIL: ExecStart is not '/usr/bin/headroom serve --config /etc/headroom/headroom.json'"; exit 1; }

if ! out=$(systemd-analyze verify "$copy" 2>&1) || [[ -n "$out" ]]; then
  echo "FAIL: systemd-analyze verify:"; echo "$out"; exit 1
fi
echo "systemd-analyze verify: clean"

security=$(systemd-analyze security --offline=true "$copy" 2>&1)
level=$(grep -o "Overall exposure level for [^:]*: [0-9.]*" <<<"$security" | grep -o "[0-9.]*$")
[[ -n "$level" ]] || { echo "FAIL: no exposure level in:"; echo "$security"; exit 1; }
echo "systemd-analyze security --offline=true: exposure $level"
awk -v l="$level" 'BEGIN { exit !(l <= 2.5) }' || { echo "FAIL: exposure $level above 2.5"; echo "$security"; exit 1; }

# What docs/DEPLOY.md promises the unit holds.
for line in User=headroom LimitRTPRIO=95 LimitMEMLOCK=infinity NoNewPrivileges=yes ProtectSystem=strict \
            ProtectHome=yes PrivateTmp=yes Restart=on-failure KillSignal=SIGTERM ReadWritePaths=/dev/shm; do
  grep -qx "$line" "$unit" || { echo "FAIL: the unit lacks $line"; exit 1; }
done
echo "PASS"
