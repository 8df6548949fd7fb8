#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine: install what Headroom needs, build it in
# Release, and run a live demo studio — `headroom demo` playing a synthetic band into JACK and
# `headroom serve` metering it — then print the dashboard's address for this machine and for
# tablets on the LAN. Ctrl-C stops everything it started, and nothing else. docs/DEMO.md and
# docs/DEPLOY.md explain the choices.
#
# Usage: deploy/run.sh [--scenario NAME] [--port PORT] [--local] [--for SECONDS]
#   --scenario NAME  clean (default), hot-vocal, gain-stacking, drum-bus-overdriven, mix-bus-red,
#                    limited-mix; while it runs, type another name (or 1-6) and Enter to switch
#   --port PORT      HTTP port (default 8080; the next free one when taken; 0: any free port)
#   --local          listen on 127.0.0.1 only, without tokens (default: the LAN, with tokens)
#   --for SECONDS    stop by itself after SECONDS (non-interactive runs, the first-run test)
#
# JACK: a running server (JACK2, or PipeWire's JACK when run under `pw-jack`) is used as it is;
# without one a private `jackd -d dummy` (48 kHz, 256 frames, no real-time scheduling needed) is
# started for this run and stopped with it.
#
# Environment (for tests and packagers): HEADROOM_SKIP_INSTALL=1 skips apt-get;
# HEADROOM_BINARY=PATH uses that headroom executable instead of building;
# HEADROOM_BUILD_DIR (default build/release) is where it builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$(pwd)

scenario=clean
port=8080
local_only=0
run_for=0
while (($#)); do
  case "$1" in
    --scenario) scenario=${2:?--scenario needs a name}; shift 2 ;;
    --port) port=${2:?--port needs a number}; shift 2 ;;
    --local) local_only=1; shift ;;
    --for) run_for=${2:?--for needs seconds}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "deploy/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ ]] && ((port <= 65535)) || { echo "deploy/run.sh: --port must be 0..65535" >&2; exit 2; }
[[ "$run_for" =~ ^[0-9]+$ ]] || { echo "deploy/run.sh: --for must be whole seconds" >&2; exit 2; }

say() { echo "headroom: $*"; }

# ---- dependencies and build ---------------------------------------------------------------------
if [[ "${HEADROOM_SKIP_INSTALL:-0}" != 1 ]]; then deploy/install-dependencies.sh; fi
if [[ -n "${HEADROOM_BINARY:-}" ]]; then
  headroom=$HEADROOM_BINARY
else
  build_dir=${HEADROOM_BUILD_DIR:-build/release}
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEADROOM_BUILD_TESTS=OFF \
    -DHEADROOM_BUILD_BENCH=OFF >/dev/null
  cmake --build "$build_dir" --parallel "$(nproc)" --target headroom
  headroom=$build_dir/server/headroom
fi
"$headroom" demo --scenario "$scenario" --help >/dev/null # a wrong scenario name stops here (exit 2)

# ---- what this run starts, and how it is stopped ------------------------------------------------
state=$(mktemp -d "${TMPDIR:-/tmp}/headroom-run.XXXXXX")
started=() # "name:pid", in start order; stopped in reverse order
private_server=""
stopping=0
stop_everything() {
  ((stopping)) && return
  stopping=1
  trap - INT TERM
  local i entry pid name
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    entry=${started[i]}; name=${entry%%:*}; pid=${entry##*:}
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "$name did not stop in 5 s: killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  # A private server's shared-memory files carry its name; nothing else's is touched.
  if [[ -n "$private_server" ]]; then rm -f /dev/shm/*"$private_server"* 2>/dev/null || true; fi
  exec 3>&- 2>/dev/null || true
  rm -rf "$state"
  ((${#started[@]})) && say "stopped everything this run started"
}
trap 'stop_everything' EXIT
trap 'echo; stop_everything; exit 130' INT
trap 'stop_everything; exit 143' TERM
trap 'stop_everything; exit 129' HUP

start() { # start NAME COMMAND...: in the background, output to $state/NAME.log
  local name=$1; shift
  # setsid: a session of its own, so the terminal's Ctrl-C reaches only this script, which then
  # stops its children in order (serve, the demo, jackd). setsid keeps the pid (it only forks for
  # a group leader, which a background child of a script is not).
  setsid "$@" >"$state/$name.log" 2>&1 <"${stdin_for_next:-/dev/null}" &
  started+=("$name:$!")
  stdin_for_next=""
}
pid_of() { local e; for e in "${started[@]}"; do [[ ${e%%:*} == "$1" ]] && echo "${e##*:}"; done; }
alive() { kill -0 "$(pid_of "$1")" 2>/dev/null; }
wait_for() { # wait_for SECONDS WHAT COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do
    if ((SECONDS >= deadline)); then say "timed out waiting for $what"; return 1; fi
    sleep 0.2
  done
}

# ---- JACK: the running server, or a private dummy one --------------------------------------------
export JACK_NO_START_SERVER=1 # nothing here may spawn a server behind our back
jack_up() { jack_lsp -s "$1" >/dev/null 2>&1; }
server=${JACK_DEFAULT_SERVER:-default}
if jack_up "$server"; then
  say "using the running JACK server '$server'"
else
  server="headroom-demo-$$"
  private_server=$server
  say "no JACK server running: starting a private one ('$server', dummy driver, 48 kHz, 256 frames)"
  JACK_NO_AUDIO_RESERVATION=1 start jackd jackd --no-realtime -n "$server" -d dummy -r 48000 -p 256
  if ! wait_for 20 "jackd to accept clients" jack_up "$server"; then
    cat "$state/jackd.log"
    if grep -q "Too many servers already active" "$state/jackd.log"; then
      say "JACK's table of servers (/dev/shm/jack-shm-registry, 8 rows) is full. A server that was killed"
      say "(kill -9, a crash) keeps its row until a server of the same name starts again. Stop the JACK"
      say "servers you no longer need (pgrep -a jackd); if none is running at all, removing that file resets it."
    fi
    exit 1
  fi
fi

# Client names are exact: on a shared server that already has a demo (a second run), this run's
# clients get a suffix, and its copy of the session names the suffixed ports.
demo_client=headroom-demo
serve_client=headroom
if jack_lsp -s "$server" 2>/dev/null | grep -q "^headroom-demo:\|^headroom:"; then
  demo_client=headroom-demo-$$
  serve_client=headroom-$$
fi
session=$state/demo.json
sed "s/\"headroom-demo:/\"$demo_client:/g" deploy/sessions/demo.json >"$session"

# ---- the demo ----------------------------------------------------------------------------------
interactive=0
if [[ -t 0 && "$run_for" == 0 ]]; then interactive=1; fi
demo_args=(demo --session "$session" --jack-server "$server" --client-name "$demo_client" --scenario "$scenario")
if ((interactive)); then
  mkfifo "$state/demo.in"
  stdin_for_next=$state/demo.in
  start demo "$headroom" "${demo_args[@]}"
  exec 3>"$state/demo.in" # keeps the demo's standard input open; scenario names go through it
else
  start demo "$headroom" "${demo_args[@]}" --no-stdin
fi

# ---- the server ----------------------------------------------------------------------------------
random_token() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
lan_addresses=()
if ((local_only)); then
  listen_host=127.0.0.1
else
  listen_host=0.0.0.0
  read -r -a lan_addresses <<<"$(hostname -I 2>/dev/null || true)"
  # Fresh tokens every run: a URL shared with a tablet works until this run stops. They reach
  # serve through its environment, never its command line (ps shows that to every user).
  export HEADROOM_VIEWER_TOKEN=$(random_token)
  export HEADROOM_CONTROL_TOKEN=$(random_token)
fi
serve_args=(serve --session "$session" --jack-server "$server" --client-name "$serve_client")
for address in "${lan_addresses[@]}"; do
  [[ "$address" == *:* ]] && address="[$address]" # IPv6 in a Host header
  serve_args+=(--allow-host "$address")
done
if ((!local_only)); then serve_args+=(--allow-host "$(hostname)" --allow-host "$(hostname).local"); fi

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listening=""
for attempt in $(seq 0 19); do
  try_port=$port
  if ((port != 0)); then
    try_port=$((port + attempt))
    if port_taken "$try_port"; then say "port $try_port is in use: trying $((try_port + 1))"; continue; fi
  fi
  start "serve-$attempt" "$headroom" "${serve_args[@]}" --listen "$listen_host:$try_port"
  serve_log=$state/serve-$attempt.log
  listening_line() { grep -o "listening on https\?://[^ ]*" "$serve_log" | head -1; }
  if wait_for 20 "headroom serve to listen" bash -c "grep -q 'listening on' '$serve_log' || ! kill -0 $(pid_of "serve-$attempt")"; then
    listening=$(listening_line || true)
  fi
  [[ -n "$listening" ]] && break
  ((port == 0)) && break
  say "headroom serve could not listen on port $try_port: $(tail -1 "$serve_log")"
done
[[ -n "$listening" ]] || { say "headroom serve did not start"; cat "$state"/serve-*.log; exit 1; }
serve_name=${started[-1]%%:*}
bound_port=${listening##*:}; bound_port=${bound_port%%/*}

# ---- where to look -----------------------------------------------------------------------------
wait_for 20 "the demo's ports" bash -c "jack_lsp -s '$server' 2>/dev/null | grep -q '^$demo_client:master/output/1'" ||
  { cat "$state/demo.log"; exit 1; }
echo
say "the demo studio is live (scenario $scenario)"
if ((local_only)); then
  echo "  on this machine:   http://localhost:$bound_port/"
else
  echo "  on this machine:   http://localhost:$bound_port/#token=$HEADROOM_CONTROL_TOKEN"
  echo "                     (the control token: may reset peak holds and loudness)"
  for address in "${lan_addresses[@]}"; do
    [[ "$address" == *:* ]] && address="[$address]"
    echo "  tablets on the LAN: http://$address:$bound_port/#token=$HEADROOM_VIEWER_TOKEN"
  done
  ((${#lan_addresses[@]})) || echo "  (no LAN address found: hostname -I is empty)"
  echo "                     (the viewer token; new tokens every run; the dashboard reads #token=)"
fi
echo "  JACK server '$server': ports $demo_client:<node>/<stage>/<n> -> $serve_client"
if ((interactive)); then
  echo "  switch scenario: type clean, hot-vocal, gain-stacking, drum-bus-overdriven, mix-bus-red,"
  echo "  limited-mix (or 1-6) and Enter. Ctrl-C stops everything."
elif ((run_for)); then
  echo "  stopping in $run_for s (or on SIGINT/SIGTERM)"
fi
echo

# ---- run until Ctrl-C, --for, or a child dies ----------------------------------------------------
# From here the traps only set a flag: `read -t` times out with a longjmp that would cut a longer
# trap short; the loop does the stopping.
interrupted=0
trap 'interrupted=130' INT
trap 'interrupted=143' TERM
trap 'interrupted=129' HUP
deadline=$((run_for > 0 ? SECONDS + run_for : 0))
while ((!interrupted)); do
  for name in demo "$serve_name" ${private_server:+jackd}; do
    if ! alive "$name"; then say "$name stopped unexpectedly:"; tail -5 "$state/$name.log"; exit 1; fi
  done
  if ((deadline && SECONDS >= deadline)); then break; fi
  if ((interactive)); then
    if read -r -t 0.5 line && [[ -n "$line" ]]; then
      echo "$line" >&3
      sleep 0.3
      tail -1 "$state/demo.log" | sed 's/^.*headroom demo: /headroom: /'
    fi
  else
    sleep 0.5
  fi
done
((interrupted == 130)) && echo
stop_everything
exit "$interrupted"
