"""Throughput of the synchronous Client: pipelined checks over one connection.

    build/tenet serve policies/ &
    PYTHONPATH=bindings/python python3 bindings/python/bench.py [ADDRESS] [--checks N] [--window W]

Sends N checks (default 200,000) in pipelines of W requests (default 1,000),
each `check_many` getting freshly made CheckRequests (for one principal
and 16 documents made beforehand), encoding them, writing them and reading the answers
(timed end to end, encoding and decoding included), and prints checks/s.
Bounded: stops after N checks or 60 s, whichever comes first.

--async measures AsyncClient instead: each round awaits W concurrent
`check` calls with asyncio.gather (one connection).
"""

import argparse
import asyncio
import sys
import time

from tenet_client import AsyncClient, CheckRequest, Client, Principal, Resource


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("address", nargs="?", default="127.0.0.1:7070")
    arguments.add_argument("--checks", type=int, default=200_000)
    arguments.add_argument("--window", type=int, default=1_000)
    arguments.add_argument("--async", dest="use_async", action="store_true")
    options = arguments.parse_args()

    alice = Principal("alice", "basic", {"kyc": "verified", "account_age_days": 12, "country": "DE", "tags": []})
    documents = [Resource("document", f"d{i}", attrs={"owner": "alice" if i % 2 else "bob", "locked": False,
                                                       "classification": "internal"}) for i in range(16)]
    window = range(options.window)
    if options.use_async:
        return asyncio.run(bench_async(options, alice, documents))

    with Client(options.address, tenant="acme", timeout=30) as client:
        client.check_many([CheckRequest(alice, "read", documents[i % 16]) for i in window])  # warm up
        done, allowed = 0, 0
        started = time.perf_counter()
        while done < options.checks and time.perf_counter() - started < 60:
            # Fresh request objects every time, as an application builds them.
            answers = client.check_many([CheckRequest(alice, "read", documents[i % 16]) for i in window])
            done += len(answers)
            allowed += sum(1 for answer in answers if answer.allowed)
        elapsed = time.perf_counter() - started
    if allowed * 2 != done:
        print(f"unexpected answers: {allowed} of {done} allowed", file=sys.stderr)
        return 1
    print(f"python Client.check_many: {done} checks in {elapsed:.3f} s over one connection "
          f"(window {options.window}): {done / elapsed:,.0f} checks/s")
    return 0


async def bench_async(options: argparse.Namespace, alice: Principal, documents: list) -> int:
    window = range(options.window)
    async with AsyncClient(options.address, tenant="acme", timeout=30, max_in_flight=options.window) as client:
        await asyncio.gather(*[client.check(alice, "read", documents[i % 16]) for i in window])  # warm up
        done, allowed = 0, 0
        started = time.perf_counter()
        while done < options.checks and time.perf_counter() - started < 60:
            answers = await asyncio.gather(*[client.check(alice, "read", documents[i % 16]) for i in window])
            done += len(answers)
            allowed += sum(1 for answer in answers if answer.allowed)
        elapsed = time.perf_counter() - started
    if allowed * 2 != done:
        print(f"unexpected answers: {allowed} of {done} allowed", file=sys.stderr)
        return 1
    print(f"python AsyncClient.check (gather): {done} checks in {elapsed:.3f} s over one connection "
          f"(window {options.window}): {done / elapsed:,.0f} checks/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
