#!/usr/bin/env bash
# The README's first command: on a fresh Debian 12 machine, install what Headroom needs, build it
# in Release and run it. Until the live server exists this meters a bundled example: a generated
# stereo mix-like signal, analysed by `headroom analyze` (pass your own file to analyse it instead).
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-dependencies.sh

build_dir=${HEADROOM_BUILD_DIR:-build/release}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEADROOM_BUILD_TESTS=OFF -DHEADROOM_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" --target headroom

file=${1:-}
if [[ -z "$file" ]]; then
  # The example: 20 s of stereo pink noise at a mix-like level with a 1 kHz alignment tone
  # (-18 dBFS, 0 VU) in the first 5 s: the tone reads -18.0 dBFS RMS (AES17) on every meter.
  file="$build_dir/example-mix.wav"
  sox -q -n -r 48000 -b 24 -c 2 "$build_dir/tone.wav" synth 5 sine 1000 gain -18
  sox -q -n -r 48000 -b 24 -c 2 "$build_dir/noise.wav" synth 15 pinknoise gain -20 tremolo 0.5 60
  sox -q "$build_dir/tone.wav" "$build_dir/noise.wav" "$file"
  echo "headroom: metering the bundled example $file"
fi
"$build_dir/server/headroom" analyze "$file"
