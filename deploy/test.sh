#!/usr/bin/env bash
# The README's second command: on a fresh Debian 12 machine, install what the tests need, build
# everything (warnings are errors) and run every test. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-dependencies.sh --test
# Dev tooling for the dashboard's tests (package-lock.json): playwright-core drives Debian's
# Chromium in the web_browser test, typescript type-checks web/js (web_typecheck).
npm ci --no-audit --no-fund

build_dir=${HEADROOM_BUILD_DIR:-build/ci}
jobs=$(nproc)
# HEADROOM_RTSAN: also headroom_rtsan, the JACK path under RealtimeSanitizer (tests/integration).
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEADROOM_WERROR=ON -DHEADROOM_RTSAN=ON
cmake --build "$build_dir" --parallel "$jobs"
ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 600

# ThreadSanitizer: a second, small build of only the threaded engine (cmake/HeadroomTsan.cmake):
# its unit tests, and the live JACK scenarios run against headroom_tsan.
tsan_dir=${HEADROOM_TSAN_BUILD_DIR:-$build_dir-tsan}
cmake -S . -B "$tsan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEADROOM_WERROR=ON -DHEADROOM_TSAN=ON \
  -DHEADROOM_BUILD_BENCH=OFF -DHEADROOM_TSAN_SIGNAL_SOURCE="$(realpath "$build_dir")/server/headroom"
cmake --build "$tsan_dir" --parallel "$jobs" --target engine_tsan_tests headroom_tsan
ctest --test-dir "$tsan_dir" -L tsan --output-on-failure --timeout 600

# libFuzzer (hardening-checklist.md §6 F-1): a third, small clang build of only the fuzz targets
# (tests/fuzz/: client messages, meter frames, the HTTP request router and asset lookup), each run
# for HEADROOM_FUZZ_SECONDS (default 30) from a copy of its seed corpus; a crash, leak, timeout or
# broken property fails the script. -O1 with assertions on (Debug), warnings are errors.
fuzz_dir=${HEADROOM_FUZZ_BUILD_DIR:-$build_dir-fuzz}
fuzz_cxx=$(command -v clang++-19 || command -v clang++-14 || command -v clang++)
cmake -S . -B "$fuzz_dir" -G Ninja -DCMAKE_CXX_COMPILER="$fuzz_cxx" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DHEADROOM_WERROR=ON -DHEADROOM_FUZZ=ON -DHEADROOM_BUILD_TESTS=OFF \
  -DHEADROOM_BUILD_BENCH=OFF
cmake --build "$fuzz_dir" --parallel "$jobs" --target headroom_fuzzers
tests/fuzz/run.sh "$fuzz_dir"
