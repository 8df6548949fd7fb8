#!/usr/bin/env bash
# Scale figures for the lab (docs/LAB.md "Scale"): a private Mosquitto on a free loopback port,
# `headroom hub` on 127.0.0.1:0, and headroom_lab_load publishing N simulated rooms' summaries
# (2 Hz, real proto encoder, one MQTT connection per room; no JACK) and opening M WebSocket viewers
# of the hub. Prints headroom_lab_load's report (PASS/FAIL against the targets: update age p99 at the
# viewers < 1 s, hub < 20 % of one core; the hub's RSS is reported). Everything it starts is stopped
# on the way out (trap), whatever happens.
#
# Usage: bench/run_lab_load.sh [--build DIR] [--rooms N] [--viewers M] [--seconds S] [--keep-logs]
#                              [-- more headroom_lab_load options, e.g. --rate 4]
# Defaults: --build build-labrel (relative to the repository), 40 rooms, 50 viewers, 30 s.
# Needs mosquitto (the broker); builds nothing (ninja -C BUILD headroom headroom_lab_load first).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=run_lab_load.sh
source "$repo/bench/load_common.sh"
build="$repo/build-labrel"
rooms=40
viewers=50
seconds=30
keep_logs=0
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --rooms) rooms=$2; shift 2 ;;
        --viewers) viewers=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --keep-logs) keep_logs=1; shift ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run_lab_load.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

headroom="$build/server/headroom"
load="$build/bench/headroom_lab_load"
require_built "$build" "headroom headroom_lab_load" "$headroom" "$load"
mosquitto=$(command -v mosquitto || true)
[[ -z "$mosquitto" && -x /usr/sbin/mosquitto ]] && mosquitto=/usr/sbin/mosquitto
[[ -n "$mosquitto" ]] || { echo "run_lab_load.sh: mosquitto not installed (apt-get install mosquitto)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/headroom-lab-load.XXXXXX")
broker_pid="" hub_pid=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop "$hub_pid" "headroom hub"
    stop "$broker_pid" mosquitto
    finish_work "$status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port for the broker (Mosquitto cannot listen on port 0 and report it).
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 10000\n' "$port" >"$work/mosquitto.conf"
"$mosquitto" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker_pid=$!
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "run_lab_load.sh: mosquitto did not start" >&2; cat "$work/mosquitto.log" >&2; exit 1; }

"$headroom" hub --mqtt "mqtt://127.0.0.1:$port" --listen 127.0.0.1:0 >"$work/hub.log" 2>&1 &
hub_pid=$!
hub_port=$(listening_port "$work/hub.log" "$hub_pid" 0.1)
[[ -n "$hub_port" ]] || { echo "run_lab_load.sh: headroom hub did not start" >&2; cat "$work/hub.log" >&2; exit 1; }
echo "run_lab_load.sh: mosquitto pid $broker_pid on port $port; hub pid $hub_pid on port $hub_port; work dir $work" >&2

cmd=("$load" --mqtt "mqtt://127.0.0.1:$port" --hub "ws://127.0.0.1:$hub_port/ws" --rooms "$rooms" --viewers "$viewers"
     --seconds "$seconds" --hub-pid "$hub_pid" --broker-pid "$broker_pid" "${extra[@]}")
echo "run_lab_load.sh: ${cmd[*]}" >&2
"${cmd[@]}"
kill -0 "$hub_pid" 2>/dev/null || { echo "run_lab_load.sh: headroom hub died during the run" >&2; tail -20 "$work/hub.log" >&2; exit 1; }
grep -E "ignored|stopped sending|error|warning" "$work/hub.log" | tail -5 >&2 || true
