#!/usr/bin/env bash
# Load figures for `headroom serve`: a private JACK dummy server, `headroom generate` feeding a few
# ports, `headroom serve` metering a 128-meter-channel session on 127.0.0.1:0, and headroom_load
# opening N WebSocket clients against it. Prints headroom_load's report (PASS/FAIL against the
# targets: every client >= 29 frames/s, frame age p99 < 50 ms, server < 25 % of one core and < 64 MiB
# resident). Everything it starts is stopped on the way out (trap), whatever happens.
#
# Usage: bench/run_load.sh [--build DIR] [--clients N] [--seconds S] [--rate HZ] [--keep-logs]
#                          [-- more headroom_load options, e.g. --threads 2 --no-stats]
# Defaults: --build build-load (relative to the repository), 200 clients, 20 s, 30 Hz.
# Needs jackd (jackd2) and jack_lsp; builds nothing (ninja -C BUILD headroom headroom_load first).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=run_load.sh
source "$repo/bench/load_common.sh"
build="$repo/build-load"
clients=200
seconds=20
rate=30
keep_logs=0
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --keep-logs) keep_logs=1; shift ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run_load.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

headroom="$build/server/headroom"
load="$build/bench/headroom_load"
require_built "$build" "headroom headroom_load" "$headroom" "$load"
command -v jackd >/dev/null && command -v jack_lsp >/dev/null || { echo "run_load.sh: jackd/jack_lsp not installed" >&2; exit 2; }

server="load-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/headroom-load.XXXXXX")
export JACK_DEFAULT_SERVER="$server" JACK_NO_START_SERVER=1 JACK_NO_AUDIO_RESERVATION=1
jackd_pid="" gen_pid="" serve_pid=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop "$serve_pid" "headroom serve"
    stop "$gen_pid" "headroom generate"
    stop "$jackd_pid" jackd
    rm -f /dev/shm/*"$server"* 2>/dev/null || true
    finish_work "$status"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the session: 21 stereo channels x 3 taps (126) + the untapped stereo master, summed (2) = 128
ports=(a b c d e f g h)
session="$work/session.json"
{
    echo '{"name":"load test, 128 meter channels","room":"bench","reference":{"zero_vu_dbfs":-18,"rms":"aes17"},'
    echo ' "channels":['
    for i in $(seq 0 20); do
        l=${ports[$(( (2 * i) % 8 ))]} r=${ports[$(( (2 * i + 1) % 8 ))]}
        src="[\"gen:$l\",\"gen:$r\"]"
        sep=$([[ $i -lt 20 ]] && echo , || true)
        echo "  {\"id\":\"ch$i\",\"channels\":2,\"layout\":\"L,R\",\"bus\":\"master\",\"inserts\":[{\"name\":\"EQ\",\"kind\":\"eq\"}],"
        echo "   \"taps\":{\"input\":$src,\"pre_insert\":$src,\"post_fader\":$src}}$sep"
    done
    echo ' ],'
    echo ' "master":{"channels":2,"layout":"L,R"}}'
} >"$session"

echo "run_load.sh: JACK server $server, work dir $work" >&2
jackd --no-realtime -n "$server" -d dummy -r 48000 -p 256 >"$work/jackd.log" 2>&1 &
jackd_pid=$!
for _ in $(seq 100); do jack_lsp >/dev/null 2>&1 && break; sleep 0.2; done
jack_lsp >/dev/null 2>&1 || { echo "run_load.sh: jackd did not start" >&2; cat "$work/jackd.log" >&2; exit 1; }

gen_args=()
levels=(-18 -20 -12 -24 -15 -30 -9 -18)
for k in "${!ports[@]}"; do gen_args+=(--port "${ports[$k]}:sine:$(( 220 * (k + 1) )):${levels[$k]}"); done
"$headroom" generate --jack-server "$server" --client-name gen "${gen_args[@]}" >"$work/gen.log" 2>&1 &
gen_pid=$!

"$headroom" serve --session "$session" --jack-server "$server" --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
serve_pid=$!
port=$(listening_port "$work/serve.log" "$serve_pid" 0.2)
[[ -n "$port" ]] || { echo "run_load.sh: headroom serve did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
# Wait until serve's ports are fed by the generator (a meter without signal reads "no data").
for _ in $(seq 100); do
    [[ $(jack_lsp -c 2>/dev/null | grep -c '^ *headroom:') -ge 126 ]] && break
    sleep 0.2
done
grep -m1 "meter channels" "$work/serve.log" >&2 || true
echo "run_load.sh: serve pid $serve_pid on port $port; $(jack_lsp -c | grep -c '^ *headroom:') connections to serve's ports" >&2
sleep 1

cmd=("$load" --url "ws://127.0.0.1:$port/ws" --clients "$clients" --seconds "$seconds" --rate "$rate"
     --server-pid "$serve_pid" "${extra[@]}")
echo "run_load.sh: ${cmd[*]}" >&2
"${cmd[@]}"
kill -0 "$serve_pid" 2>/dev/null || { echo "run_load.sh: headroom serve died during the run" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
grep -E "slow|stall|error|warning" "$work/serve.log" | tail -5 >&2 || true
