#!/usr/bin/env bash
# Runs every libFuzzer target of a HEADROOM_FUZZ build directory, time-boxed (hardening-checklist.md
# §6 F-1), and fails on the first crash, leak, timeout or broken property (__builtin_trap).
#   tests/fuzz/run.sh BUILD_DIR          HEADROOM_FUZZ_SECONDS (default 30) per target
# Each target starts from a copy of its seed corpus tests/fuzz/corpus/<target>/ in a temporary
# directory (what it finds is never written into the repository). Up to HEADROOM_FUZZ_JOBS (default
# nproc) targets run at once, each on one core. A crashing input is kept and printed in hex.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "${1:?usage: tests/fuzz/run.sh BUILD_DIR}" && pwd)
seconds=${HEADROOM_FUZZ_SECONDS:-30}
max_jobs=${HEADROOM_FUZZ_JOBS:-$(nproc)}

# target | extra libFuzzer options (paths relative to tests/fuzz)
targets=(
  "ClientMessageFuzzer|-max_len=5000 -dict=client_message.dict"
  "MeterFrameFuzzer|-max_len=4096"
  "RequestRouterFuzzer|-max_len=10000 -dict=request_router.dict"
)

work=$(mktemp -d "${TMPDIR:-/tmp}/headroom-fuzz.XXXXXX")
keep_work=0
cleanup() { if [[ $keep_work == 0 ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

run_one() {
  local name=$1 options=$2 binary="$build_dir/tests/fuzz/$1"
  local corpus="$work/$name/corpus" artifacts="$work/$name/artifacts/"
  mkdir -p "$corpus" "$artifacts"
  cp -R "$here/corpus/$name/." "$corpus/"
  # shellcheck disable=SC2086 # options are word lists
  (cd "$here" && exec "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
     -artifact_prefix="$artifacts" $options "$corpus") >"$work/$name/log" 2>&1
}

declare -A pid_of=()
status=0
finish() { # waits for one target's process and reports it
  local name=$1 rc=0
  wait "${pid_of[$name]}" || rc=$?
  local runs speed
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name/log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$name/log")
  if [[ $rc == 0 ]]; then
    echo "fuzz: $name ok: ${runs:-?} runs in ${seconds} s (${speed:-?} exec/s), corpus $(ls "$work/$name/corpus" | wc -l) inputs"
  else
    status=1
    keep_work=1
    echo "fuzz: $name FAILED (exit $rc); log tail and crashing input(s) (kept in $work/$name/artifacts):"
    tail -n 60 "$work/$name/log"
    for f in "$work/$name/artifacts/"*; do
      [[ -f $f ]] || continue
      echo "--- $f"
      od -A d -t x1z -v "$f" | head -n 40
    done
  fi
}

pending=()
for entry in "${targets[@]}"; do
  name=${entry%%|*}
  [[ -x "$build_dir/tests/fuzz/$name" ]] || { echo "fuzz: $build_dir/tests/fuzz/$name not built" >&2; exit 1; }
  [[ -d "$here/corpus/$name" ]] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$name" >&2; exit 1; }
done
for entry in "${targets[@]}"; do
  name=${entry%%|*}
  if (( ${#pending[@]} >= max_jobs )); then
    finish "${pending[0]}"
    pending=("${pending[@]:1}")
  fi
  run_one "$name" "${entry#*|}" &
  pid_of[$name]=$!
  pending+=("$name")
done
for name in "${pending[@]}"; do finish "$name"; done
exit $status
