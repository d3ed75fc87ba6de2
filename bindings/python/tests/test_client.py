"""The synchronous Client against a real `tenet serve` (TCP and Unix socket)."""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
import signal
import socket
import threading
import time
import unittest

from acme_fixtures import ALICE, ALICES_DOC, BOBS_DOC, GLOBEX_DOC, GUS, SECRET_DOC, SIGNING
from scripted_server import ScriptedServer
from tenet_server import POLICIES, TenetServer
from tenet_client.types import raise_if_error
from tenet_client import (
    BadJson, BadRequest, CheckRequest, Client, Decision, Features, FeaturesRequest, Filter, FilterRequest, Forbidden,
    InvalidRequest,
    LifecycleRequest, Plans, PlansRequest, Principal, SubscribeRequest, TenetConnectionError, TenetTimeout,
    TransitionRequest, Unauthenticated, UnknownOp,
)


class EveryOp(unittest.TestCase):
    server: TenetServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = TenetServer()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def clients(self):
        for address in (self.server.tcp_address, self.server.unix_path):
            with self.subTest(address=address):
                with Client(address, tenant="acme", timeout=5) as client:
                    yield client

    def test_check_allows_the_owner_and_denies_others(self) -> None:
        for client in self.clients():
            decision = client.check(ALICE, "read", ALICES_DOC)
            self.assertIsInstance(decision, Decision)
            self.assertTrue(decision)
            self.assertEqual(decision.reasons, ("acme:owner-reads",))
            denied = client.check(ALICE, "read", BOBS_DOC)
            self.assertFalse(denied)
            self.assertTrue(denied.denied)
            self.assertEqual(denied.reasons, ("no_permit",))

    def test_check_denies_another_tenants_resource(self) -> None:
        for client in self.clients():
            self.assertEqual(client.check(ALICE, "read", GLOBEX_DOC).reasons, ("cross_tenant",))

    def test_check_reports_rules_in_error_and_explains(self) -> None:
        for client in self.clients():
            failed_closed = client.check(ALICE, "read", SECRET_DOC)
            self.assertFalse(failed_closed)
            self.assertEqual([e.rule for e in failed_closed.errors], ["acme:secret-needs-mfa"])
            self.assertIn("mfa", failed_closed.errors[0].message)
            with_mfa = client.check(ALICE, "read", SECRET_DOC, context={"mfa": True}, explain=True)
            self.assertTrue(with_mfa)
            self.assertIsInstance(with_mfa.trace, list)
            self.assertGreater(len(with_mfa.trace), 0)

    def test_transition_deny_quotes_the_unmet_condition(self) -> None:
        for client in self.clients():
            decision = client.transition(GUS, "basic")
            self.assertFalse(decision)
            self.assertEqual(decision.reasons, ("acme:kyc-verified",))
            self.assertEqual(decision.unmet, ('principal.kyc == "verified"',))
            verified = Principal("gus", "guest", {**GUS.attrs, "kyc": "verified"})
            self.assertTrue(client.transition(verified, "basic"))

    def test_subscribe_plans_features_lifecycle(self) -> None:
        for client in self.clients():
            self.assertEqual(client.subscribe(ALICE, "starter").reasons, ("acme:plan-starter",))
            self.assertFalse(client.subscribe(ALICE, "pro"))
            plans = client.plans(ALICE)
            self.assertIsInstance(plans, Plans)
            self.assertEqual(list(plans), ["starter"])
            features = client.features(ALICE)
            self.assertIsInstance(features, Features)
            self.assertIn("statements", features)
            self.assertNotIn("trading", features)
            self.assertTrue(client.lifecycle(ALICE, SIGNING, "signed"))
            self.assertEqual(client.lifecycle(GUS, SIGNING, "signed").reasons, ("acme:sub-sign",))

    def test_filter_gives_the_rows_as_sql_with_parameters(self) -> None:
        for client in self.clients():
            rows = client.filter(ALICE, "read", "document")
            self.assertIsInstance(rows, Filter)
            self.assertEqual(rows.kind, "conditional")
            self.assertFalse(rows.always or rows.never)
            self.assertTrue(rows.sql.startswith('("provider_id" = $1 AND "provider_id" COLLATE "C" = $1)'), rows.sql)
            self.assertEqual(rows.params[0], "acme")
            self.assertIn("alice", rows.params)  # a value is a parameter, never spliced into the text
            self.assertNotIn("alice", rows.sql)
            self.assertEqual(rows.condition["op"], "and")
            nothing = client.filter(ALICE, "read", "spaceship")
            self.assertTrue(nothing.never)
            self.assertEqual(nothing.reasons, ("unknown_resource_type",))
            with self.assertRaises(InvalidRequest):
                client.filter(Principal("alice", "basic", {"kyc": 7}), "read", "document")
            # An action acme does not declare for documents (`archive` is northwind's own).
            with self.assertRaises(InvalidRequest) as undeclared:
                client.filter(ALICE, "archive", "document")
            self.assertEqual(
                undeclared.exception.message,
                "action 'archive' is not declared for resource type 'document' in tenant 'acme'",
            )
            self.assertEqual(undeclared.exception.response["filter"]["kind"], "never")
            self.assertEqual(
                FilterRequest(ALICE, "read", "document").to_wire("acme"),
                {"op": "filter", "tenant": "acme", "principal": ALICE.to_wire(), "action": "read",
                 "resource_type": "document"},
            )

    def test_pipeline_answers_in_order(self) -> None:
        requests = []
        for i in range(2000):
            resource = ALICES_DOC if i % 3 else BOBS_DOC
            requests.append(CheckRequest(ALICE, "read", resource))
        requests += [TransitionRequest(GUS, "basic"), PlansRequest(ALICE), FeaturesRequest(ALICE),
                     SubscribeRequest(ALICE, "starter"), LifecycleRequest(ALICE, SIGNING, "signed"),
                     CheckRequest(ALICE, "read", {"type": "document", "id": "x", "tenant": "acme",
                                                  "attrs": {"owner": 5}})]
        for client in self.clients():
            answers = client.check_many(requests)
            self.assertEqual(len(answers), len(requests))
            self.assertEqual([bool(a) for a in answers[:2000]], [bool(i % 3) for i in range(2000)])
            self.assertEqual(answers[2000].unmet, ('principal.kyc == "verified"',))
            self.assertEqual(list(answers[2001]), ["starter"])
            self.assertIn("statements", answers[2002])
            self.assertTrue(answers[2003])
            self.assertTrue(answers[2004])
            refused = answers[2005]
            self.assertFalse(refused)
            self.assertIsInstance(refused.error, InvalidRequest)

    def test_batch(self) -> None:
        for client in self.clients():
            answers = client.batch([CheckRequest(ALICE, "read", ALICES_DOC), TransitionRequest(GUS, "basic"),
                                    PlansRequest(ALICE), CheckRequest(ALICE, "read", GLOBEX_DOC)])
            self.assertTrue(answers[0])
            self.assertFalse(answers[1])
            self.assertEqual(list(answers[2]), ["starter"])
            self.assertEqual(answers[3].reasons, ("cross_tenant",))

    def test_administration(self) -> None:
        for client in self.clients():
            version = client.health().policy_version
            self.assertTrue(client.health().ok)
            self.assertGreaterEqual(client.stats().raw.get("requests", 0), 1)
            self.assertEqual(client.reload().policy_version, version + 1)
            self.assertNotIn("beta_ui", client.features(ALICE))
            switched = client.set_feature("beta_ui", "on")
            self.assertEqual((switched.tenant, switched.feature, switched.state), ("acme", "beta_ui", "on"))
            self.assertIn("beta_ui", client.features(ALICE))
            client.set_feature("beta_ui", "default")
            self.assertNotIn("beta_ui", client.features(ALICE))
            with self.assertRaises(InvalidRequest):
                client.set_feature("no_such_feature", "on")
            with self.assertRaises(BadRequest):
                client.set_feature("beta_ui", "sideways")

    def test_protocol_errors_raise_and_keep_the_connection(self) -> None:
        for client in self.clients():
            self.assertEqual(client.send_line(b"{not json")["error"]["code"], "bad_json")
            self.assertTrue(client.health().ok)  # the connection stays usable
            with self.assertRaises(UnknownOp) as unknown:
                raise_if_error(client.request({"op": "frobnicate"}))
            self.assertEqual(unknown.exception.code, "unknown_op")
            with self.assertRaises(InvalidRequest) as invalid:
                client.check(ALICE, "read", {"type": "document", "id": "x", "tenant": "acme", "attrs": {"owner": 5}})
            self.assertEqual(invalid.exception.code, "invalid_request")
            self.assertEqual(invalid.exception.response.get("decision"), "deny")
            # A misspelt action: not declared, so invalid_request, with a suggestion.
            with self.assertRaises(InvalidRequest) as typo:
                client.check(ALICE, "raed", ALICES_DOC)
            self.assertEqual(
                typo.exception.message,
                "action 'raed' is not declared for resource type 'document' in tenant 'acme' (did you mean 'read'?)",
            )
            self.assertEqual(typo.exception.response.get("decision"), "deny")
            with self.assertRaises(BadRequest):
                client.check(ALICE, "read", {"id": "x"})
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))

    def test_no_tenant_is_a_caller_error(self) -> None:
        with Client(self.server.tcp_address) as client:
            with self.assertRaises(ValueError):
                client.check(ALICE, "read", ALICES_DOC)
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC, tenant="acme"))


class BadJsonIsTyped(unittest.TestCase):
    def test_bad_json_maps_to_its_class(self) -> None:
        from tenet_client.errors import protocol_error

        self.assertIsInstance(protocol_error({"code": "bad_json", "message": "x"}, {}), BadJson)
        self.assertEqual(protocol_error({"code": "new_code", "message": "x"}, {}).code, "new_code")

    def test_unavailable_maps_to_its_class(self) -> None:
        from tenet_client import Unavailable
        from tenet_client.errors import protocol_error

        error = protocol_error({"code": "unavailable", "message": "the store is gone"}, {})
        self.assertIsInstance(error, Unavailable)
        self.assertEqual(error.code, "unavailable")


class Tokens(unittest.TestCase):
    server: TenetServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = TenetServer(with_tokens=True)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def test_a_tenant_token_scopes_the_session(self) -> None:
        tokens = self.server.tokens
        assert tokens is not None
        for address in (self.server.tcp_address, self.server.unix_path):
            with self.subTest(address=address), Client(address, token=tokens.acme_check) as client:
                self.assertEqual(client.session.tenant, "acme")
                self.assertEqual(client.tenant, "acme")  # the token's tenant becomes the default
                self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                with self.assertRaises(Forbidden):
                    client.check(ALICE, "read", ALICES_DOC, tenant="northwind")
                with self.assertRaises(Forbidden):
                    client.stats()  # no admin right
                with self.assertRaises(Forbidden):
                    client.reload()

    def test_a_token_alone_names_the_tenant(self) -> None:
        client = Client(self.server.tcp_address, token=self.server.tokens.acme_check)
        self.assertTrue(client.check(ALICE, "read", ALICES_DOC))  # connects, says hello, learns "acme"
        self.assertEqual(client.tenant, "acme")
        client.close()

    def test_without_a_token_only_health_is_answered(self) -> None:
        with Client(self.server.tcp_address, tenant="acme") as client:
            self.assertTrue(client.health().ok)
            with self.assertRaises(Unauthenticated):
                client.check(ALICE, "read", ALICES_DOC)
            hello = client.hello(self.server.tokens.global_admin)
            self.assertIsNone(hello.tenant)
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            self.assertGreaterEqual(client.reload().policy_version, 2)

    def test_an_unknown_token_fails_at_connect(self) -> None:
        with self.assertRaises(Unauthenticated):
            Client(self.server.tcp_address, token="0" * 64).connect()

    def test_tenant_admin_switches_only_its_features(self) -> None:
        with Client(self.server.unix_path, token=self.server.tokens.acme_admin) as client:
            client.set_feature("beta_ui", "off")
            with self.assertRaises(Forbidden):
                client.set_feature("beta_ui", "off", tenant="northwind")


class ReloadRemovingATenant(unittest.TestCase):
    """A reload that would drop a partner is refused unless asked for (allow_removal)."""

    def test_removal_needs_allow_removal(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            policies = pathlib.Path(folder) / "policies"
            shutil.copytree(POLICIES, policies)
            server = TenetServer(policies=policies)
            try:
                with Client(server.tcp_address, tenant="acme") as client:
                    version = client.health().policy_version
                    (policies / "tenants" / "lumen.tenet").write_text("// lumen moved away\n")
                    with self.assertRaises(InvalidRequest) as refused:
                        client.reload()
                    self.assertIn("lumen", str(refused.exception))
                    self.assertEqual(client.health().policy_version, version)
                    removed = client.reload(allow_removal=True)
                    self.assertEqual(removed.policy_version, version + 1)
                    self.assertEqual(removed.removed_tenants, ("lumen",))
                    self.assertEqual(client.reload().removed_tenants, ())
            finally:
                server.close()


class Failures(unittest.TestCase):
    def wait_for_reconnect(self, client: Client) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                return
            except TenetConnectionError:
                self.assertLess(time.monotonic(), deadline, "no reconnect within 10 s")
                time.sleep(0.05)

    def test_restart_in_the_middle(self) -> None:
        # A graceful restart (SIGTERM drains: what the server has read is answered).
        server = TenetServer(with_tokens=True)
        try:
            pipeline = [CheckRequest(ALICE, "read", ALICES_DOC)] * 2000
            for address in (server.tcp_address, server.unix_path):
                with self.subTest(address=address), Client(address, token=server.tokens.acme_check) as client:
                    self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                    restarter = threading.Thread(target=server.restart)
                    started = time.monotonic()
                    restarter.start()
                    try:
                        while restarter.is_alive() and time.monotonic() - started < 20:
                            try:  # every answer is right, or the call reports the lost connection
                                self.assertTrue(all(client.check_many(pipeline)))
                            except TenetConnectionError:
                                pass
                    finally:
                        restarter.join(timeout=30)
                    self.wait_for_reconnect(client)
                    self.assertEqual(client.session.tenant, "acme")  # hello was sent again
                    self.assertLess(time.monotonic() - started, 30)
        finally:
            server.close()

    def test_crash_in_the_middle_is_reported(self) -> None:
        # SIGKILL while pipelines run back to back: the one in flight loses its answers.
        server = TenetServer(with_tokens=True)
        try:
            pipeline = [CheckRequest(ALICE, "read", ALICES_DOC)] * 5000
            for address in (server.tcp_address, server.unix_path):
                with self.subTest(address=address), Client(address, token=server.tokens.acme_check) as client:
                    self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                    killer = threading.Timer(0.3, server.kill)
                    started = time.monotonic()
                    killer.start()
                    with self.assertRaises(TenetConnectionError):
                        while time.monotonic() - started < 20:
                            self.assertTrue(all(client.check_many(pipeline)))
                    killer.join(timeout=30)
                    self.assertFalse(client.connected)
                    server.start()
                    self.wait_for_reconnect(client)
                    self.assertEqual(client.session.tenant, "acme")
                    self.assertLess(time.monotonic() - started, 30)
        finally:
            server.close()

    def test_a_connection_closed_while_idle_is_replaced_silently(self) -> None:
        server = TenetServer(extra_args=["--idle-timeout", "1"])
        try:
            with Client(server.unix_path, tenant="acme") as client:
                self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                time.sleep(2)  # the server closes the idle connection
                self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                server.restart()  # between calls: nothing in flight, nothing to report
                self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
        finally:
            server.close()

    def test_server_down_fails_fast_and_comes_back(self) -> None:
        server = TenetServer()
        try:
            client = Client(server.tcp_address, tenant="acme", connect_attempts=3, backoff=0.01)
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            server.stop()
            started = time.monotonic()
            with self.assertRaises(TenetConnectionError):
                client.check(ALICE, "read", ALICES_DOC)
            with self.assertRaises(TenetConnectionError):
                client.check(ALICE, "read", ALICES_DOC)  # refused: bounded attempts
            self.assertLess(time.monotonic() - started, 3)
            server.start()
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            client.close()
        finally:
            server.close()

    def test_a_silent_server_times_out(self) -> None:
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            client = Client(silent.getsockname(), tenant="acme", timeout=0.3)
            started = time.monotonic()
            with self.assertRaises(TenetTimeout):
                client.check(ALICE, "read", ALICES_DOC)
            self.assertLess(time.monotonic() - started, 3)
            self.assertFalse(client.connected)

    def test_bad_address(self) -> None:
        with self.assertRaises(TenetConnectionError):
            Client("no-port-here")


BOB = Principal("bob", "basic", {"kyc": "verified", "account_age_days": 3, "country": "DE", "tags": []})


def _stopped(pid: int) -> bool:
    """Waits (bounded) until every thread of `pid` is stopped: SIGSTOP takes effect asynchronously."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            states = [open(f"/proc/{pid}/task/{task}/stat").read().rsplit(")", 1)[1].split()[0]
                      for task in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            states = []
        if states and all(state in ("T", "t") for state in states):
            return True
        time.sleep(0.01)
    return False


class _Deadline(Exception):
    """What a signal-based deadline (an alarm handler) raises in the middle of a call."""


class Interruptions(unittest.TestCase):
    """A call interrupted after its request was sent must not leave its answer
    for the next call (issue 20: bob's read of alice's document came back
    `allow` with alice's reason)."""

    def interrupt_after(self, seconds: float, interruption: type) -> None:
        def on_alarm(*_: object) -> None:
            raise interruption()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        self.addCleanup(signal.signal, signal.SIGALRM, previous)
        self.addCleanup(signal.setitimer, signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_REAL, seconds)

    def test_the_call_after_an_interrupted_one_gets_its_own_answer(self) -> None:
        # alice's answers take a second; bob's come at once (after alice's, on one connection).
        with ScriptedServer(delay=1.0) as server, Client(server.address, tenant="acme", timeout=5) as client:
            for interruption in (KeyboardInterrupt, _Deadline):
                with self.subTest(interruption=interruption.__name__):
                    self.interrupt_after(0.2, interruption)
                    with self.assertRaises(interruption):
                        client.check(ALICE, "read", ALICES_DOC)
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    answer = client.check(BOB, "read", ALICES_DOC)
                    self.assertEqual(answer.reasons, ("for:bob",), "another request's answer")
                    self.assertFalse(answer)

    def test_the_issue_scenario_against_a_real_server(self) -> None:
        # The server is stopped (SIGSTOP) while alice's check is interrupted and
        # while bob's is sent, so alice's answer (allow, acme:owner-reads) is
        # still to come when bob's request goes out.
        server = TenetServer()
        try:
            for address in (server.tcp_address, server.unix_path):
                with self.subTest(address=address), Client(address, tenant="acme", timeout=10) as client:
                    self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
                    server.process.send_signal(signal.SIGSTOP)
                    self.assertTrue(_stopped(server.process.pid), "SIGSTOP did not stop the server")
                    resume = threading.Timer(0.3, server.process.send_signal, (signal.SIGCONT,))
                    try:
                        self.interrupt_after(0.2, KeyboardInterrupt)
                        with self.assertRaises(KeyboardInterrupt):
                            client.check(ALICE, "read", ALICES_DOC)
                        signal.setitimer(signal.ITIMER_REAL, 0)
                        resume.start()
                        answer = client.check(BOB, "read", ALICES_DOC)
                    finally:
                        server.process.send_signal(signal.SIGCONT)
                        if resume.is_alive():
                            resume.join(timeout=10)
                    self.assertFalse(answer, "bob got alice's decision")
                    self.assertEqual(answer.reasons, ("no_permit",))
        finally:
            server.close()

    def test_an_interrupted_pipeline_leaves_nothing_behind(self) -> None:
        with ScriptedServer(delay=1.0) as server, Client(server.address, tenant="acme", timeout=5) as client:
            self.interrupt_after(0.2, _Deadline)
            with self.assertRaises(_Deadline):
                client.check_many([CheckRequest(BOB, "read", ALICES_DOC), CheckRequest(ALICE, "read", ALICES_DOC),
                                   CheckRequest(BOB, "read", ALICES_DOC)])
            signal.setitimer(signal.ITIMER_REAL, 0)
            answers = client.check_many([CheckRequest(BOB, "read", ALICES_DOC)] * 3)
            self.assertEqual([a.reasons for a in answers], [("for:bob",)] * 3)

    def test_a_dripping_server_times_out_within_the_call_deadline(self) -> None:
        # One byte every 50 ms: each read makes progress, the answer takes ~3 s.
        with ScriptedServer(delay=0.05, drip=True) as server, Client(server.address, tenant="acme",
                                                                     timeout=0.5) as client:
            started = time.monotonic()
            with self.assertRaises(TenetTimeout):
                client.check(ALICE, "read", ALICES_DOC)
            self.assertLess(time.monotonic() - started, 2.0)
            self.assertFalse(client.connected)
            self.assertEqual(client.check(BOB, "read", ALICES_DOC).reasons, ("for:bob",))

    def test_an_answer_with_another_id_breaks_the_connection(self) -> None:
        # A stream out of step: the answer echoes an id this call never sent.
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()

            def answer_with_a_stranger_id() -> None:
                peer, _ = listener.accept()
                with peer:
                    peer.settimeout(5)
                    peer.recv(65536)
                    peer.sendall(b'{"id":999,"decision":"allow","reasons":["for:alice"]}\n')
                    peer.recv(65536)  # until the client closes

            peer_thread = threading.Thread(target=answer_with_a_stranger_id)
            peer_thread.start()
            with Client(listener.getsockname(), tenant="acme", timeout=5) as client:
                with self.assertRaises(TenetConnectionError) as raised:
                    client.check(BOB, "read", ALICES_DOC)
                self.assertNotIsInstance(raised.exception, TenetTimeout)
                self.assertFalse(client.connected)
            peer_thread.join(timeout=10)


if __name__ == "__main__":
    unittest.main()
