#!/usr/bin/env bash
# The decision log's cost on the server (issue 15): one generated policy set
# served twice side by side — without a decision log, and with one recording
# every decision (sampling 100 %) — and tenet-loadgen run against each in
# turn, ROUNDS times, so both see the same machine. Three loads per round:
# single synchronous checks (1 connection, 1 in flight: the p50), pipelined
# lines (32 connections × 16), batches (32 × 16 batches of 64).
#
#   bench/decision_log_onoff.sh [ROUNDS] [SECONDS]      (defaults 3 and 8)
#
# Prints one line per run and, at the end, the medians of off and on per load:
# decisions/s, latency, and the server's CPU per decision (all its threads;
# and the log's writer thread alone), which a busy machine disturbs less.
# The log goes to LOG_DIR (default: the run's folder under /tmp), rotated at
# 64 MiB, 2 files kept. LOG_DIR=/dev/shm takes the disk out of the figure.
# LOG_ARGS adds options to the logging server, e.g.
#   LOG_ARGS='--decision-log-sample allow=1%,deny=1' bench/decision_log_onoff.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
seconds=${2:-8}
work=$(mktemp -d /tmp/tenet-dlog-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"
  rm -f "${LOG_DIR:-$work}"/tenet-bench-decisions.ndjson*' EXIT

build/tenet-gen-policies --tenants 1000 --rules 20 --out "$work/policies" --seed 1 >/dev/null
build/tenet-gen-requests --tenants 1000 --count 4096 --out "$work/checks.ndjson" >/dev/null
requests=$work/checks.ndjson

build/tenet serve "$work/policies" --listen 127.0.0.1:7571 --threads 2 2>"$work/off.err" &
pid_off=$!
build/tenet serve "$work/policies" --listen 127.0.0.1:7572 --threads 2 \
  --decision-log "${LOG_DIR:-$work}/tenet-bench-decisions.ndjson" --decision-log-max-bytes $((64 << 20)) \
  --decision-log-files 2 ${LOG_ARGS:-} 2>"$work/on.err" &
pid_on=$!
for port in 7571 7572; do
  for _ in $(seq 100); do
    grep -q listening "$work/$([[ $port == 7571 ]] && echo off || echo on).err" && break
    sleep 0.1
  done
done

# The server's CPU time in clock ticks (utime + stime): all threads, and its
# decision-log writer thread (named tenet-dlog) alone.
cpu_ticks() {  # PID
  local all=0 writer=0 task ticks
  for task in /proc/"$1"/task/*; do
    ticks=$(awk '{print $14 + $15}' "$task/stat")
    all=$((all + ticks))
    [[ $(cat "$task/comm") == tenet-dlog ]] && writer=$((writer + ticks))
  done
  echo "$all $writer"
}

# One loadgen run; its summary gets the server's CPU per decision (µs):
# what the throughput ratio means on a machine shared with other work
# (a busy machine lowers decisions/s, much less the CPU each costs).
run() {  # NAME PORT PID LOADGEN-OPTIONS...
  local name=$1 port=$2 pid=$3
  shift 3
  local before after summary
  before=$(cpu_ticks "$pid")
  summary=$(build/tenet-loadgen --connect "127.0.0.1:$port" --requests "$requests" \
    --duration "$seconds" --summary "$@" | tail -n 1)
  after=$(cpu_ticks "$pid")
  python3 -c '
import json, os, sys
summary = json.loads(sys.argv[1])
before, after = [list(map(int, a.split())) for a in sys.argv[2:4]]
hz = os.sysconf("SC_CLK_TCK")
n = max(summary["decisions"], 1)
summary["server_cpu_us"] = round((after[0] - before[0]) / hz / n * 1e6, 3)
summary["writer_cpu_us"] = round((after[1] - before[1]) / hz / n * 1e6, 3)
print(json.dumps(summary))' "$summary" "$before" "$after" | sed "s/^/$name /"
}

results=$work/results
for round in $(seq "$rounds"); do
  for side in off on; do
    port=$([[ $side == off ]] && echo 7571 || echo 7572)
    pid=$([[ $side == off ]] && echo "$pid_off" || echo "$pid_on")
    run "$side single" "$port" "$pid" --connections 1 --pipeline 1 | tee -a "$results"
    run "$side pipelined" "$port" "$pid" --connections 32 --pipeline 16 | tee -a "$results"
    run "$side batch" "$port" "$pid" --connections 32 --pipeline 16 --batch 64 | tee -a "$results"
  done
done

python3 - "$results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, load, summary = line.split(" ", 2)
    runs.setdefault((load, side), []).append(json.loads(summary))
print("median of %d rounds" % len(runs[("single", "off")]))
for load in ("single", "pipelined", "batch"):
    off = runs[(load, "off")]; on = runs[(load, "on")]
    for key in ("decisions_per_s", "p50_us", "p99_us", "server_cpu_us", "writer_cpu_us"):
        a = statistics.median(r[key] for r in off); b = statistics.median(r[key] for r in on)
        print("%-9s %-15s off %12.3f  on %12.3f  on/off %.3f" % (load, key, a, b, b / a if a else 0))
PY
grep -h decision_log "$work/on.err" | tail -n 2 || true
