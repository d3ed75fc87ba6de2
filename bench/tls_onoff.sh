#!/usr/bin/env bash
# TLS's cost on the decision path (issue 21): one generated policy set
# (1,000 partners × 20 rules) served side by side by three `tenet serve`
# processes — plaintext, TLS (the server's certificate only) and mutual TLS
# (a client certificate granting every partner, `tenet:tenant:*`) — and
# tenet-loadgen run against each in turn, ROUNDS times, so all three see the
# same machine. Four loads per round: single synchronous checks
# (1 connection, 1 in flight: the p50), pipelined lines (32 connections ×
# 16), batches (32 × 16 batches of 64), and connection setup (4 connections
# each doing connect, TLS handshake, one check, close, for at most 2 s:
# connections/s; `reconnect` below).
#
#   bench/tls_onoff.sh [ROUNDS] [SECONDS]      (defaults 3 and 8)
#
# Prints one line per run and, at the end, the medians per load and side:
# decisions/s, latency, the server's CPU per decision (utime + stime of all
# its threads, which a busy machine disturbs less than the throughput), and
# the ratios tls/plain and mtls/plain. MTLS=0 leaves the mutual-TLS server
# out. The certificates are a throw-away PKI (tests/support/test_pki.sh:
# P-256 ECDSA keys) made in the run's folder under /tmp.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
seconds=${2:-8}
reconnect_seconds=$(python3 -c "print(min(2.0, float('$seconds')))")
sides=(plain tls)
[[ ${MTLS:-1} == 1 ]] && sides+=(mtls)
work=$(mktemp -d /tmp/tenet-tls-bench.XXXXXX)
# The servers get SIGTERM and 10 s to stop, then SIGKILL (a server that does
# not stop after many short connections must not hang the script).
stop_servers() {
  local jobs_left
  jobs_left=$(jobs -p)
  [[ -n $jobs_left ]] || return 0
  # shellcheck disable=SC2086  # one PID a word
  kill $jobs_left 2>/dev/null || true
  for _ in $(seq 100); do
    # shellcheck disable=SC2086
    kill -0 $jobs_left 2>/dev/null || break
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -9 $jobs_left 2>/dev/null || true
  wait 2>/dev/null || true
}
trap 'stop_servers; rm -rf "$work"' EXIT

tests/support/test_pki.sh "$work/pki"
pki=$work/pki
# The mutual-TLS client: a certificate for every partner (the generated
# requests name 1,000 of them), signed by the test CA.
printf '[ext]\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = clientAuth\nsubjectAltName = URI:tenet:tenant:*\n' \
  >"$pki/bench-client.ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=bench-client \
  -keyout "$pki/bench-client.key" -out "$pki/bench-client.csr" 2>/dev/null
openssl x509 -req -in "$pki/bench-client.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" \
  -CAcreateserial -days 2 -extfile "$pki/bench-client.ext" -extensions ext \
  -out "$pki/bench-client.pem" 2>/dev/null

build/tenet-gen-policies --tenants 1000 --rules 20 --out "$work/policies" --seed 1 >/dev/null
build/tenet-gen-requests --tenants 1000 --count 4096 --out "$work/checks.ndjson" >/dev/null
requests=$work/checks.ndjson

declare -A port pid client server_tls
port=([plain]=7581 [tls]=7582 [mtls]=7583)
client=([plain]="" [tls]="--tls --tls-ca $pki/ca.pem"
  [mtls]="--tls --tls-ca $pki/ca.pem --tls-cert $pki/bench-client.pem --tls-key $pki/bench-client.key")
server_tls=([plain]="" [tls]="--tls-cert $pki/server.pem --tls-key $pki/server.key"
  [mtls]="--tls-cert $pki/server.pem --tls-key $pki/server.key --tls-client-ca $pki/ca.pem")
for side in "${sides[@]}"; do
  # shellcheck disable=SC2086  # the TLS options are words
  build/tenet serve "$work/policies" --listen "127.0.0.1:${port[$side]}" --threads 2 \
    ${server_tls[$side]} 2>"$work/$side.err" &
  pid[$side]=$!
done
for side in "${sides[@]}"; do
  for _ in $(seq 100); do
    grep -q listening "$work/$side.err" && break
    sleep 0.1
  done
  grep -q listening "$work/$side.err" || {
    echo "the $side server did not start:" >&2
    cat "$work/$side.err" >&2
    exit 1
  }
done

# The server's CPU time in clock ticks (utime + stime, all threads).
cpu_ticks() {  # PID
  awk '{print $14 + $15}' "/proc/$1/stat"
}

# One loadgen run; its summary gets the server's CPU per decision (µs).
run() {  # SIDE LOAD LOADGEN-OPTIONS...
  local side=$1 load=$2
  shift 2
  local before after summary
  before=$(cpu_ticks "${pid[$side]}")
  # shellcheck disable=SC2086  # the TLS options are words
  summary=$(build/tenet-loadgen --connect "127.0.0.1:${port[$side]}" --requests "$requests" \
    --summary ${client[$side]} "$@" | tail -n 1)
  after=$(cpu_ticks "${pid[$side]}")
  python3 -c '
import json, os, sys
summary = json.loads(sys.argv[1])
hz = os.sysconf("SC_CLK_TCK")
n = max(summary["decisions"], 1)
summary["server_cpu_us"] = round((int(sys.argv[3]) - int(sys.argv[2])) / hz / n * 1e6, 3)
print(json.dumps(summary))' "$summary" "$before" "$after" | sed "s/^/$side $load /"
}

results=$work/results
for _ in $(seq "$rounds"); do
  for side in "${sides[@]}"; do
    run "$side" single --duration "$seconds" --connections 1 --pipeline 1 | tee -a "$results"
    run "$side" pipelined --duration "$seconds" --connections 32 --pipeline 16 | tee -a "$results"
    run "$side" batch --duration "$seconds" --connections 32 --pipeline 16 --batch 64 |
      tee -a "$results"
    run "$side" reconnect --duration "$reconnect_seconds" --connections 4 --reconnect |
      tee -a "$results"
  done
done

python3 - "$results" "${sides[@]}" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, load, summary = line.split(" ", 2)
    runs.setdefault((load, side), []).append(json.loads(summary))
sides = sys.argv[2:]
bad = sum(r["errors"] for rs in runs.values() for r in rs)
print("median of %d rounds (error answers in all runs: %d)" % (len(runs[("single", "plain")]), bad))
print("%-9s %-16s" % ("", "") + "".join("%13s" % s for s in sides)
      + "".join("%12s" % (s + "/plain") for s in sides[1:]))
for load in ("single", "pipelined", "batch", "reconnect"):
    keys = ["decisions_per_s", "p50_us", "p99_us", "server_cpu_us"]
    if load == "reconnect":
        keys.append("handshake_p50_us")
    for key in keys:
        m = [statistics.median(r[key] for r in runs[(load, s)]) for s in sides]
        name = "connections_per_s" if (load, key) == ("reconnect", "decisions_per_s") else key
        print("%-9s %-16s" % (load, name) + "".join("%13.3f" % v for v in m)
              + "".join("%12.3f" % (v / m[0] if m[0] else 0) for v in m[1:]))
PY
grep -h '"warning"\|"error"' "$work"/*.err | sort | uniq -c | head -n 5 || true
