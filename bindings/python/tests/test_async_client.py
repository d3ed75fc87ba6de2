"""The asyncio AsyncClient against a real `tenet serve` (TCP and Unix socket)."""

from __future__ import annotations

import asyncio
import socket
import time
import unittest

from acme_fixtures import ALICE, ALICES_DOC, BOBS_DOC, GLOBEX_DOC, GUS, SECRET_DOC, SIGNING
from scripted_server import ScriptedServer
from tenet_server import TenetServer
from tenet_client import (
    AsyncClient, Principal, CheckRequest, Forbidden, InvalidRequest, PlansRequest, TenetConnectionError, TenetTimeout,
    TransitionRequest, Unauthenticated,
)
from tenet_client.types import raise_if_error


class QuietLoop(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        # IsolatedAsyncioTestCase runs the loop in debug mode, which records a
        # traceback per future and warns about every slow callback: too slow and
        # too noisy for thousands of pipelined requests.
        asyncio.get_running_loop().set_debug(False)


class AsyncEveryOp(QuietLoop):
    server: TenetServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = TenetServer(with_tokens=True)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def addresses(self):
        return (self.server.tcp_address, self.server.unix_path)

    async def test_every_op(self) -> None:
        token = self.server.tokens.acme_admin
        for address in self.addresses():
            with self.subTest(address=address):
                async with AsyncClient(address, token=token) as client:
                    self.assertEqual(client.session.tenant, "acme")
                    allowed = await client.check(ALICE, "read", ALICES_DOC)
                    self.assertTrue(allowed)
                    self.assertEqual(allowed.reasons, ("acme:owner-reads",))
                    self.assertEqual((await client.check(ALICE, "read", BOBS_DOC)).reasons, ("no_permit",))
                    self.assertEqual((await client.check(ALICE, "read", GLOBEX_DOC)).reasons, ("cross_tenant",))
                    failed_closed = await client.check(ALICE, "read", SECRET_DOC)
                    self.assertEqual([e.rule for e in failed_closed.errors], ["acme:secret-needs-mfa"])
                    explained = await client.check(ALICE, "read", ALICES_DOC, explain=True)
                    self.assertTrue(explained.trace)
                    denied = await client.transition(GUS, "basic")
                    self.assertEqual(denied.unmet, ('principal.kyc == "verified"',))
                    self.assertTrue(await client.subscribe(ALICE, "starter"))
                    self.assertEqual(list(await client.plans(ALICE)), ["starter"])
                    self.assertIn("statements", await client.features(ALICE))
                    self.assertTrue(await client.lifecycle(ALICE, SIGNING, "signed"))
                    rows = await client.filter(ALICE, "read", "document")
                    self.assertEqual(rows.kind, "conditional")
                    self.assertEqual(rows.params[0], "acme")
                    batch = await client.batch([CheckRequest(ALICE, "read", ALICES_DOC), PlansRequest(ALICE)])
                    self.assertTrue(batch[0])
                    self.assertEqual(list(batch[1]), ["starter"])
                    self.assertTrue((await client.health()).ok)
                    # A partner admin's stats: its own partner's counts, nothing server-wide.
                    stats = (await client.stats()).raw
                    self.assertEqual(stats["tenant"], "acme")
                    self.assertGreater(int(stats["decisions"]["allow"]), 0)
                    self.assertNotIn("requests", stats)
                    await client.set_feature("beta_ui", "on")
                    self.assertIn("beta_ui", await client.features(ALICE))
                    await client.set_feature("beta_ui", "default")
                    with self.assertRaises(Forbidden):
                        await client.reload()  # a tenant admin may not reload
                    with self.assertRaises(Forbidden):
                        await client.check(ALICE, "read", ALICES_DOC, tenant="northwind")

    async def test_concurrent_awaits_are_matched_in_order(self) -> None:
        async with AsyncClient(self.server.unix_path, token=self.server.tokens.global_admin, tenant="acme") as client:
            calls = []
            for i in range(3000):
                if i % 3 == 0:
                    calls.append(client.check(ALICE, "read", BOBS_DOC))
                elif i % 3 == 1:
                    calls.append(client.check(ALICE, "read", ALICES_DOC))
                else:
                    calls.append(client.transition(GUS, "basic"))
            answers = await asyncio.gather(*calls)
            for i, answer in enumerate(answers):
                expected = ("no_permit",) if i % 3 == 0 else ("acme:owner-reads",) if i % 3 == 1 else (
                    "acme:kyc-verified",)
                self.assertEqual(answer.reasons, expected, f"answer {i}")
            piped = await client.check_many([CheckRequest(ALICE, "read", ALICES_DOC)] * 500
                                            + [TransitionRequest(GUS, "basic")])
            self.assertTrue(all(piped[:500]))
            self.assertFalse(piped[500])

    async def test_cancelled_waiters_keep_their_place(self) -> None:
        async with AsyncClient(self.server.tcp_address, token=self.server.tokens.acme_check) as client:
            doomed = asyncio.ensure_future(client.check(ALICE, "read", BOBS_DOC))
            await asyncio.sleep(0)
            doomed.cancel()
            self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))

    async def test_protocol_errors(self) -> None:
        async with AsyncClient(self.server.tcp_address) as client:
            self.assertEqual((await client.send_line(b"[oops"))["error"]["code"], "bad_json")
            with self.assertRaises(Unauthenticated):
                await client.check(ALICE, "read", ALICES_DOC, tenant="acme")
            await client.hello(self.server.tokens.acme_check)
            with self.assertRaises(InvalidRequest):
                await client.check(ALICE, "read", {"type": "document", "id": "x", "tenant": "acme", "attrs": {"owner": 1}})
            with self.assertRaises(Unauthenticated):
                await client.hello("f" * 64)


class AsyncFailures(QuietLoop):
    async def test_restart_in_the_middle(self) -> None:
        server = TenetServer(with_tokens=True)
        try:
            for address in (server.tcp_address, server.unix_path):
                with self.subTest(address=address):
                    client = AsyncClient(address, token=server.tokens.acme_check, timeout=5)
                    self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))
                    started = time.monotonic()
                    in_flight = [asyncio.ensure_future(client.check(ALICE, "read", ALICES_DOC)) for _ in range(200)]
                    await asyncio.get_running_loop().run_in_executor(None, server.restart)
                    results = await asyncio.gather(*in_flight, return_exceptions=True)
                    for result in results:  # each answered before the stop, or failed: never hangs
                        self.assertTrue(result is not None)
                        if isinstance(result, BaseException):
                            self.assertIsInstance(result, TenetConnectionError)
                    # The connection is gone; a call reports it or (if the loss was already seen) reconnects.
                    try:
                        await client.check(ALICE, "read", ALICES_DOC)
                    except TenetConnectionError:
                        pass
                    self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))
                    self.assertEqual(client.session.tenant, "acme")
                    self.assertLess(time.monotonic() - started, 15)
                    await client.close()
        finally:
            server.close()

    async def test_crash_in_the_middle_is_reported(self) -> None:
        server = TenetServer(with_tokens=True)
        try:
            for address in (server.tcp_address, server.unix_path):
                with self.subTest(address=address):
                    client = AsyncClient(address, token=server.tokens.acme_check, timeout=5)
                    self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))
                    # Rounds of 1000 concurrent checks back to back; the server is killed 300 ms in.
                    loop = asyncio.get_running_loop()
                    killer = loop.call_later(0.3, server.kill)
                    started = time.monotonic()
                    lost: list = []
                    while not lost and time.monotonic() - started < 20:
                        calls = [client.check(ALICE, "read", ALICES_DOC) for _ in range(1000)]
                        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 10)
                        lost = [r for r in results if isinstance(r, BaseException)]
                        for answer in results:
                            if not isinstance(answer, BaseException):
                                self.assertTrue(answer)
                    killer.cancel()
                    server.kill()  # (a no-op when the timer did it)
                    self.assertGreater(len(lost), 0, "the crash was not reported")
                    for failure in lost:
                        self.assertIsInstance(failure, TenetConnectionError)
                    server.start()
                    self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))  # reconnects, says hello
                    self.assertEqual(client.session.tenant, "acme")
                    await client.close()
        finally:
            server.close()

    async def test_server_down_is_reported(self) -> None:
        server = TenetServer()
        try:
            client = AsyncClient(server.unix_path, tenant="acme", connect_attempts=2, backoff=0.01)
            self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))
            server.stop()
            with self.assertRaises(TenetConnectionError):
                await client.check(ALICE, "read", ALICES_DOC)
            server.start()
            self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))
            await client.close()
        finally:
            server.close()

    async def test_a_silent_server_times_out(self) -> None:
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            client = AsyncClient(silent.getsockname(), tenant="acme", timeout=0.3)
            started = time.monotonic()
            with self.assertRaises(TenetTimeout):
                await client.check(ALICE, "read", ALICES_DOC)
            self.assertLess(time.monotonic() - started, 3)
            self.assertFalse(client.connected)

    async def test_raise_if_error_passes_answers(self) -> None:
        raise_if_error({"ok": True})


BOB = Principal("bob", "basic", {"kyc": "verified", "account_age_days": 3, "country": "DE", "tags": []})


class AsyncInterruptions(QuietLoop):
    """A call cancelled or timed out after its request was sent must not leave
    its answer for another call (issue 20)."""

    async def test_a_cancelled_call_leaves_its_answer_to_nobody(self) -> None:
        # alice's answers take a second; bob's come at once, after alice's on one connection.
        with ScriptedServer(delay=1.0) as server:
            async with AsyncClient(server.address, tenant="acme", timeout=5) as client:
                with self.assertRaises(asyncio.TimeoutError):
                    await asyncio.wait_for(client.check(ALICE, "read", ALICES_DOC), 0.2)
                answer = await client.check(BOB, "read", ALICES_DOC)
                self.assertEqual(answer.reasons, ("for:bob",))
                self.assertFalse(answer)
                doomed = asyncio.ensure_future(client.check(ALICE, "read", ALICES_DOC))
                await asyncio.sleep(0.2)
                doomed.cancel()
                pipelined = await client.check_many([CheckRequest(BOB, "read", ALICES_DOC)] * 3)
                self.assertEqual([a.reasons for a in pipelined], [("for:bob",)] * 3)

    async def test_a_timed_out_call_leaves_its_answer_to_nobody(self) -> None:
        with ScriptedServer(delay=1.0) as server:
            async with AsyncClient(server.address, tenant="acme", timeout=0.3) as client:
                with self.assertRaises(TenetTimeout):
                    await client.check(ALICE, "read", ALICES_DOC)
                self.assertEqual((await client.check(BOB, "read", ALICES_DOC)).reasons, ("for:bob",))

    async def test_a_dripping_server_times_out(self) -> None:
        with ScriptedServer(delay=0.05, drip=True) as server:
            async with AsyncClient(server.address, tenant="acme", timeout=0.5) as client:
                started = time.monotonic()
                with self.assertRaises(TenetTimeout):
                    await client.check(ALICE, "read", ALICES_DOC)
                self.assertLess(time.monotonic() - started, 2.0)

    async def test_an_answer_with_another_id_breaks_the_connection(self) -> None:
        async def stranger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readline()
            writer.write(b'{"id":999,"decision":"allow","reasons":["for:alice"]}\n')
            await writer.drain()
            await reader.read()  # until the client closes
            writer.close()

        server = await asyncio.start_server(stranger, "127.0.0.1", 0)
        async with server:
            port = server.sockets[0].getsockname()[1]
            async with AsyncClient(("127.0.0.1", port), tenant="acme", timeout=5) as client:
                with self.assertRaises(TenetConnectionError) as raised:
                    await client.check(BOB, "read", ALICES_DOC)
                self.assertNotIsInstance(raised.exception, TenetTimeout)
                self.assertFalse(client.connected)


if __name__ == "__main__":
    unittest.main()
