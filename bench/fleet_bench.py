#!/usr/bin/env python3
"""The fleet on PostgreSQL, measured (bench/README.md, "A fleet on PostgreSQL").

Makes a throw-away PostgreSQL cluster (tests/postgres/pg_cluster.sh, Unix socket only),
a generated policy set of T partners x R rules (tenet-gen-policies), publishes it, and
measures, alternating where two things are compared:
  - publish: `tenet publish` of one changed partner with T partners in the store;
  - start: a replica's start from the store (exec to its "ready" line), against
    `tenet serve DIR` of the same set;
  - convergence: put_policy of one partner on replica A, until replica B's decisions for
    that partner carry the new revision (B polled on one connection every ~1 ms).
Every loop is bounded in count and time. Usage:
  bench/fleet_bench.py [--build build] [--tenants 1000] [--rules 20] [--runs 7] [--changes 50]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pg_bindir():
    dirs = sorted((d for d in os.listdir("/usr/lib/postgresql")), key=lambda v: [int(x) for x in v.split(".")])
    return f"/usr/lib/postgresql/{dirs[-1]}/bin"


def run(args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=600, **kwargs)


def summary(name, values, unit="s", scale=1.0):
    values = sorted(v * scale for v in values)
    p99 = values[min(len(values) - 1, int(round(0.99 * (len(values) - 1))))]
    print(f"{name}: n={len(values)} min {values[0]:.3f} median {statistics.median(values):.3f} "
          f"p99 {p99:.3f} max {values[-1]:.3f} {unit}")


class Replica:
    def __init__(self, tenet, args):
        self.process = subprocess.Popen([tenet, "serve", *args, "--listen", "127.0.0.1:0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        started = time.monotonic()
        for line in self.process.stdout:
            if '"listening"' in line:
                self.port = int(json.loads(line)["address"].rsplit(":", 1)[1])
            if '"ready"' in line:
                self.start_seconds = time.monotonic() - started
                break
            if time.monotonic() - started > 120:
                break
        if self.port is None:
            raise RuntimeError("the replica did not start")

    def connect(self, token):
        conn = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        stream = conn.makefile("rw")
        stream.write(json.dumps({"op": "hello", "token": token}) + "\n")
        stream.flush()
        if not json.loads(stream.readline()).get("ok"):
            raise RuntimeError("hello refused")
        return conn, stream

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def ask(stream, request):
    stream.write(json.dumps(request) + "\n")
    stream.flush()
    return json.loads(stream.readline())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--changes", type=int, default=50)
    options = parser.parse_args()
    tenet = os.path.join(options.build, "tenet")
    work = tempfile.mkdtemp(prefix="tenet-fleet-bench-")
    socket_dir = f"/tmp/tenet-fleet-bench-{os.getpid()}"
    cluster = [os.path.join(ROOT, "tests/postgres/pg_cluster.sh")]
    cluster_args = [os.path.join(work, "pg"), socket_dir, pg_bindir()]
    run([*cluster, "start", *cluster_args])
    replicas = []
    try:
        url = f"host={socket_dir} port=5432 user=tenet_admin dbname=postgres"
        policies = os.path.join(work, "policies")
        run([os.path.join(options.build, "tenet-gen-policies"), "--tenants", str(options.tenants),
             "--rules", str(options.rules), "--out", policies])
        run([tenet, "store", "init", url])
        run([tenet, "publish", policies, "--store", url])
        token = run([tenet, "token", "new", "--tenant", "*", "--rights", "check,admin,author",
                     "--store", url]).stdout.split()[0]
        print(f"T = {options.tenants} partners x {options.rules} rules, {options.runs} runs")

        changed = os.path.join(policies, "tenants", "t00000.tenet")
        publish = []
        for i in range(options.runs):
            with open(changed, "a") as out:
                out.write(f"// publish {i}\n")
            started = time.monotonic()
            run([tenet, "publish", policies, "--store", url])
            publish.append(time.monotonic() - started)
        summary("publish of one changed unit", publish)

        store_start, dir_start = [], []
        for _ in range(options.runs):
            replica = Replica(tenet, ["--store", url])
            store_start.append(replica.start_seconds)
            replica.stop()
            replica = Replica(tenet, [policies])
            dir_start.append(replica.start_seconds)
            replica.stop()
        summary("replica start from the store", store_start)
        summary("tenet serve DIR start (same set)", dir_start)

        replicas = [Replica(tenet, ["--store", url]) for _ in range(2)]
        _, writer = replicas[0].connect(token)
        _, reader = replicas[1].connect(token)
        source = open(changed).read()
        check = {"op": "check", "tenant": "t00000",
                 "principal": {"id": "u1", "role": "guest", "attrs": {}},
                 "action": "read", "resource": {"type": "document", "id": "d1", "tenant": "t00000",
                                                "attrs": {}}}
        convergence = []
        for i in range(options.changes):
            answer = ask(writer, {"op": "put_policy", "tenant": "t00000",
                                  "source": source + f"// change {i}\n"})
            committed = time.monotonic()
            if not answer.get("ok"):
                raise RuntimeError(f"put_policy: {answer}")
            revision = answer["revision"]
            while time.monotonic() - committed < 10:
                seen = ask(reader, check).get("revision")
                if seen == revision:
                    break
                time.sleep(0.001)
            else:
                raise RuntimeError("replica B did not converge within 10 s")
            convergence.append(time.monotonic() - committed)
        summary("convergence (A's ok to B's decision with the new revision)", convergence, "ms",
                1000)
    finally:
        for replica in replicas:
            replica.stop()
        subprocess.run([*cluster, "stop", *cluster_args], capture_output=True, timeout=120)
        subprocess.run(["rm", "-rf", work], timeout=120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
