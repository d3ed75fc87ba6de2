#!/usr/bin/env bash
# Builds tenet and runs every test twice: in the normal build (build/) and in
# a Debug build under AddressSanitizer + UndefinedBehaviorSanitizer
# (build-asan/), then runs each fuzz target briefly (build-fuzz/). Exits
# non-zero on the first failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/bootstrap.sh

echo "== format: clang-format with .clang-format"
scripts/check_format.sh

export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

echo "== tests: build/"
ctest --test-dir build --output-on-failure -j2

echo "== tests under ASan + UBSan: build-asan/"
cmake -S . -B build-asan -G Ninja -DTENET_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-asan -j2
ASAN_OPTIONS=detect_leaks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2

# Each libFuzzer target for 20 s from its seed corpus (clang, ASan + UBSan,
# build-fuzz/): a parser or framing regression that crashes, hangs or blows
# up memory on the seeds or near them fails here. The build (about 60 files)
# and the runs take a few minutes on 2 cores (docs/FUZZING.md).
echo "== fuzzers: build-fuzz/"
scripts/fuzz.sh 20

echo "== all tests passed"
