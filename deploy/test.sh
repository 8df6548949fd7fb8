#!/usr/bin/env bash
# The README's second command: on a fresh Debian 12 machine, install what the tests need, build
# everything (warnings are errors) and run every test. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-dependencies.sh --test

build_dir=${HEADROOM_BUILD_DIR:-build/ci}
jobs=$(nproc)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEADROOM_WERROR=ON
cmake --build "$build_dir" --parallel "$jobs"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 600
