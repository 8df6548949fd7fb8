#!/usr/bin/env bash
# Installs everything Headroom needs to build, run and test on Debian 12, from Debian's packages.
# Usage: deploy/install-dependencies.sh [--test]   (--test adds the test-only tools)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config            # toolchain
  libsndfile1-dev nlohmann-json3-dev          # file I/O, JSON
  libjack-jackd2-dev                          # the live engine's JACK client
  libboost-dev                                # Boost.Asio/Beast 1.74 (header-only): the streaming server
  libssl-dev                                  # OpenSSL (libssl3): serve --tls-cert/--tls-key, HTTPS and WSS
  libmosquitto-dev                            # MQTT client: serve --mqtt (room summaries), headroom hub (docs/LAB.md)
  jackd2                                      # the first run's private JACK server (jackd -d dummy), jack_lsp
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev  # GoogleTest, Google Benchmark
  libebur128-dev                              # test-only oracle for the differential loudness test
  python3                                     # integration tests: orchestration (jackd2 is in packages)
  systemd                                     # systemd-analyze verify/security for deploy/headroom.service
  nodejs                                      # web/js tests with node's built-in runner
  chromium                                    # dashboard browser tests (headless, driven by playwright-core)
  openssl                                     # net_tests and lab_tests make their own test certificates
  mosquitto                                   # lab tests and benchmark: a private MQTT broker on loopback
  clang-19 libclang-rt-19-dev llvm-19         # RealtimeSanitizer runtime and symbolizer (headroom_rtsan)
)
if [[ "${1:-}" == "--test" ]]; then packages+=("${test_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "headroom: dependencies already installed"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "headroom: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
