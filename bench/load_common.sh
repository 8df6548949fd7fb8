# Shared by bench/run_load.sh and bench/run_lab_load.sh (sourced, not run). The caller sets $script, its
# name for messages, before sourcing.

# require_built BUILD TARGETS EXE...: every EXE must be executable, or exit 2 with the ninja line to build it.
require_built() {
    local build=$1 targets=$2
    shift 2
    local exe
    for exe in "$@"; do
        [[ -x "$exe" ]] || { echo "$script: $exe not built (ninja -C $build $targets)" >&2; exit 2; }
    done
}

stop() { # pid name: SIGTERM, up to 5 s, then SIGKILL
    local pid=$1
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then echo "$script: $2 ($pid) ignored SIGTERM; killing" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
}

# listening_port LOG PID DELAY: the port of headroom's first "listening on http://127.0.0.1:PORT/" line in
# LOG, polled 100 times DELAY s apart; empty when PID exits first or the line never comes.
listening_port() {
    local log=$1 pid=$2 delay=$3 port=""
    for _ in $(seq 100); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)
        [[ -n "$port" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep "$delay"
    done
    echo "$port"
}

# finish_work STATUS: keep the work dir $work (and say so) with --keep-logs or on failure, else remove it.
finish_work() {
    if [[ $keep_logs -eq 1 || $1 -ne 0 ]]; then echo "$script: logs kept in $work" >&2; else rm -rf "$work"; fi
}
