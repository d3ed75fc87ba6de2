#!/usr/bin/env bash
# One tenet-loadgen run against a running `tenet serve`, with the server's CPU
# per decision taken from /proc/PID/stat before and after (user and system
# separately): a figure that varies less with the machine's state than the
# throughput, and that tells two server binaries apart when they are measured
# alternately.
#
#   bench/server_cpu.sh PORT SECONDS REQUESTS_FILE [tenet-loadgen options...]
#   bench/server_cpu.sh 7471 6 /tmp/gen1000-checks.ndjson --connections 32 --pipeline 16 --batch 64
#
# The server is the `tenet serve` process listening on 127.0.0.1:PORT; the
# loadgen is build/tenet-loadgen unless LOADGEN says otherwise.
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 PORT SECONDS REQUESTS_FILE [tenet-loadgen options...]" >&2
  exit 2
fi
port=$1 seconds=$2 requests=$3
shift 3
loadgen=${LOADGEN:-build/tenet-loadgen}
pid=$(pgrep -f -- "tenet serve .*--listen 127.0.0.1:${port}( |$)" | head -n 1 || true)
if [[ -z $pid ]]; then
  echo "no 'tenet serve ... --listen 127.0.0.1:${port}' process found" >&2
  exit 1
fi
ticks=$(getconf CLK_TCK)
read -r user0 system0 < <(awk '{print $14, $15}' "/proc/${pid}/stat")
summary=$("$loadgen" --connect "127.0.0.1:${port}" --requests "$requests" --duration "$seconds" "$@" |
  grep -E ' decisions, ')
read -r user1 system1 < <(awk '{print $14, $15}' "/proc/${pid}/stat")
decisions=$(sed -E 's/.* ([0-9]+) decisions,.*/\1/' <<<"$summary")
elapsed=$(sed -E 's/.*, ([0-9.]+) s:.*/\1/' <<<"$summary")
awk -v port="$port" -v d="$decisions" -v s="$elapsed" -v u=$((user1 - user0)) -v k=$((system1 - system0)) \
  -v hz="$ticks" 'BEGIN {
    if (d == 0) { print "no decisions"; exit 1 }
    printf "%s: %7.0f decisions/s  server user %.2f us sys %.2f us per decision\n",
           port, d / s, u * 1e6 / hz / d, k * 1e6 / hz / d }'
