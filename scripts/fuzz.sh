#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, docs/FUZZING.md) with clang under
# ASan + UBSan into build-fuzz/ and runs each for SECONDS (default 60), one
# after the other, on one core.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: policy request_line line_framer
#
# Each run starts from a copy of tests/fuzz/corpus/TARGET/ and of the past
# findings in tests/fuzz/regressions/TARGET/ (the checked-in
# corpus never grows by itself: build-fuzz/runs/TARGET/corpus keeps what a
# run found; copy the few inputs worth keeping into the checked-in corpus by
# hand). Prints per target the executions, exec/s and libFuzzer's final
# coverage (cov: edges, ft: features). Exits non-zero on any crash, sanitizer
# report, timeout (-timeout=10 s per input) or out-of-memory (-rss_limit_mb=
# 2048) and names the input that caused it (build-fuzz/runs/TARGET/crash-...,
# timeout-..., oom-...): reproduce with `build-fuzz/tenet_fuzz_TARGET FILE`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]} > 0)) || targets=(policy request_line line_framer)
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "fuzz.sh: SECONDS must be a positive integer, not '$seconds'" >&2
  exit 2
fi

# Longest input per target: a policy needs kilobytes to reach the compiler's
# super-linear shapes (many roles, long template chains); a request line and
# a framed stream (repeated up to 16 times by its fuzzer) need less.
declare -A max_len=([policy]=65536 [request_line]=16384 [line_framer]=8192)
for target in "${targets[@]}"; do
  if [[ -z "${max_len[$target]:-}" ]]; then
    echo "fuzz.sh: unknown target '$target' (policy, request_line, line_framer)" >&2
    exit 2
  fi
done

export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=1

echo "== fuzz: build-fuzz/ (clang, libFuzzer, ASan + UBSan)"
# Debug with -O1: assertions on, fast enough to fuzz, line numbers in reports.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTENET_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DTENET_BUILD_TESTS=OFF -DTENET_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]/#/tenet_fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for target in "${targets[@]}"; do
  run=build-fuzz/runs/$target
  rm -rf "$run/corpus"
  mkdir -p "$run/corpus"
  cp tests/fuzz/corpus/"$target"/* "$run/corpus/"
  # Past findings too (fixed, and kept as regressions): mutations near them
  # are the likeliest to find a fix incomplete.
  if [[ -d tests/fuzz/regressions/$target ]]; then
    cp tests/fuzz/regressions/"$target"/* "$run/corpus/"
  fi
  dict=()
  [[ -f tests/fuzz/$target.dict ]] && dict=(-dict="tests/fuzz/$target.dict")
  echo "== fuzz: $target for ${seconds}s (log: $run/fuzz.log)"
  status=0
  build-fuzz/tenet_fuzz_"$target" "$run/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="${max_len[$target]}" \
    -print_final_stats=1 -artifact_prefix="$run/" >"$run/fuzz.log" 2>&1 || status=$?
  # The last status line (`#N DONE cov: C ft: F ...`) and the final stats.
  last=$(grep -E '^#[0-9]+' "$run/fuzz.log" | tail -n 1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$run/fuzz.log" | tail -n 1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$run/fuzz.log" | tail -n 1)
  rss=$(sed -nE 's/^stat::peak_rss_mb: *([0-9]+)/\1/p' "$run/fuzz.log" | tail -n 1)
  line="$target: ${runs:-?} executions, ${rate:-?} exec/s, cov: ${cov:-?} ft: ${ft:-?}, peak RSS ${rss:-?} MB"
  if ((status != 0)); then
    artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$run/fuzz.log" | tail -n 1)
    line+=" -- FAILED (exit $status): ${artifact:-see $run/fuzz.log}"
    failed+=("$target")
    grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|#[0-9]+ 0x' "$run/fuzz.log" | head -n 30 >&2 || true
  fi
  summary+=("$line")
  echo "$line"
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "fuzz.sh: failed: ${failed[*]} (inputs under build-fuzz/runs/; reproduce: build-fuzz/tenet_fuzz_TARGET FILE)" >&2
  exit 1
fi
