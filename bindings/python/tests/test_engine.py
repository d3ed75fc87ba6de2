"""Engine: the engine in process through libtenet.so (ctypes), on the shipped policies/.

Needs libtenet.so: $TENET_LIBRARY (ctest sets it), else the source tree's
build directories. Run by hand without either, the tests that need it are
skipped with the reason; with $TENET_LIBRARY set (ctest) they never skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from acme_fixtures import ALICE, ALICES_DOC, BOBS_DOC, GLOBEX_DOC, GUS, SIGNING  # noqa: E402
from tenet_client import (  # noqa: E402
    CheckRequest, Decision, Features, InvalidRequest, Plans, Principal, TransitionRequest,
)
from tenet_client.engine import Engine, EngineError, LibraryNotFound  # noqa: E402

POLICIES = HERE.parents[2] / "policies"


def _library_missing() -> str:
    # Under ctest TENET_LIBRARY names the library: a missing one must fail, not skip.
    if os.environ.get("TENET_LIBRARY"):
        return ""
    try:
        Engine(POLICIES).close()
    except LibraryNotFound as error:
        return str(error)
    return ""


MISSING = _library_missing()


@unittest.skipIf(MISSING, MISSING)
class ReadmeScenario(unittest.TestCase):
    def test_alice_reads_her_document_and_a_guest_needs_kyc(self) -> None:
        with Engine(POLICIES, tenant="acme") as tenet:
            read = tenet.check(ALICE, "read", ALICES_DOC)
            self.assertIsInstance(read, Decision)
            self.assertTrue(read)
            self.assertEqual(read.reasons, ("acme:owner-reads",))
            upgrade = tenet.transition(GUS, "basic")
            self.assertFalse(upgrade)
            self.assertEqual(upgrade.unmet, ('principal.kyc == "verified"',))


@unittest.skipIf(MISSING, MISSING)
class EveryOp(unittest.TestCase):
    engine: Engine

    @classmethod
    def setUpClass(cls) -> None:
        cls.engine = Engine(POLICIES, tenant="acme")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.engine.close()

    def test_check(self) -> None:
        self.assertEqual(self.engine.check(ALICE, "read", BOBS_DOC).reasons, ("no_permit",))
        self.assertEqual(self.engine.check(ALICE, "read", GLOBEX_DOC).reasons, ("cross_tenant",))
        # A resource without a tenant takes the request's: asked of lumen, lumen's rule decides.
        self.assertEqual(self.engine.check(ALICE, "read", ALICES_DOC, tenant="lumen").reasons, ("lumen:owner-reads",))

    def test_filter(self) -> None:
        rows = self.engine.filter(ALICE, "read", "document")
        self.assertEqual(rows.kind, "conditional")
        self.assertTrue(rows.sql.startswith('("provider_id" = $1 AND "provider_id" COLLATE "C" = $1)'), rows.sql)
        self.assertEqual(rows.params[0], "acme")
        self.assertTrue(self.engine.filter(ALICE, "read", "spaceship").never)

    def test_subscribe_plans_features_lifecycle(self) -> None:
        self.assertEqual(self.engine.subscribe(ALICE, "starter").reasons, ("acme:plan-starter",))
        self.assertFalse(self.engine.subscribe(ALICE, "pro"))
        plans = self.engine.plans(ALICE)
        self.assertIsInstance(plans, Plans)
        self.assertEqual(list(plans), ["starter"])
        features = self.engine.features(ALICE)
        self.assertIsInstance(features, Features)
        self.assertIn("statements", features)
        self.assertNotIn("beta_ui", features)
        signing = self.engine.lifecycle(ALICE, SIGNING, "signed")
        self.assertIsInstance(signing, Decision)
        self.assertEqual(signing.allowed, self.engine.request(
            {"op": "lifecycle", "tenant": "acme", "principal": ALICE.to_wire(), "resource": SIGNING.to_wire("acme"),
             "to": "signed"})["decision"] == "allow")

    def test_pipeline_and_batch_keep_order_and_report_refused_items(self) -> None:
        bad = CheckRequest(ALICE, "read", {"type": "document", "id": "d", "tenant": "acme", "attrs": {"owner": 42}})
        requests = [CheckRequest(ALICE, "read", ALICES_DOC), bad, TransitionRequest(GUS, "basic")]
        for answers in (self.engine.pipeline(requests), self.engine.batch(requests), self.engine.check_many(requests)):
            self.assertEqual([bool(a) for a in answers], [True, False, False])
            self.assertIsInstance(answers[1].error, InvalidRequest)
            self.assertEqual(answers[2].unmet, ('principal.kyc == "verified"',))

    def test_refused_requests_raise_the_client_exceptions(self) -> None:
        with self.assertRaises(InvalidRequest):
            self.engine.check(ALICE, "read", {"type": "document", "id": "d", "tenant": "acme", "attrs": {"owner": 1}})
        with self.assertRaises(InvalidRequest):
            self.engine.transition(Principal("x", "guest", {"kyc": "maybe"}), "basic")
        self.assertEqual(self.engine.send_line(b"{not json")["error"]["code"], "bad_json")
        self.assertEqual(self.engine.request({"op": "frobnicate"})["error"]["code"], "unknown_op")
        self.assertEqual(self.engine.request({"op": "stats"})["error"]["code"], "bad_request")

    def test_raw_json_line(self) -> None:
        line = ('{"id":7,"op":"transition","tenant":"acme","principal":{"id":"g","role":"guest",'
                '"attrs":{"kyc":"pending","account_age_days":0,"country":"FR","tags":[]}},"to":"basic"}')
        self.assertEqual(
            self.engine.call_json(line),
            '{"id":7,"decision":"deny","reasons":["acme:kyc-verified"],"unmet":["principal.kyc == \\"verified\\""]}',
        )

    def test_a_response_larger_than_the_buffer(self) -> None:
        big = self.engine.check(ALICE, "read", ALICES_DOC, explain=True)
        self.assertTrue(big)
        batch = self.engine.batch([CheckRequest(ALICE, "read", ALICES_DOC, explain=True)] * 600)
        self.assertEqual(len(batch), 600)
        self.assertTrue(all(batch))

    def test_many_threads(self) -> None:
        wrong = []

        def ask() -> None:
            for i in range(300):
                doc = ALICES_DOC if i % 2 == 0 else BOBS_DOC
                if bool(self.engine.check(ALICE, "read", doc)) != (i % 2 == 0):
                    wrong.append(i)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(wrong, [])


@unittest.skipIf(MISSING, MISSING)
class Administration(unittest.TestCase):
    def test_set_feature(self) -> None:
        with Engine(POLICIES, tenant="acme") as tenet:
            tenet.set_feature("beta_ui", "on")
            self.assertIn("beta_ui", tenet.features(ALICE))
            tenet.set_feature("beta_ui", "default")
            self.assertNotIn("beta_ui", tenet.features(ALICE))
            with self.assertRaises(InvalidRequest):
                tenet.set_feature("no_such_feature", "on")
            with self.assertRaises(EngineError):
                tenet.set_feature("beta_ui", "sideways")

    def test_reload_swaps_and_keeps_the_old_set_on_errors(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            directory = Path(scratch) / "policies"
            shutil.copytree(POLICIES, directory)
            with Engine(directory, tenant="acme") as tenet:
                self.assertEqual(tenet.health().policy_version, 1)
                (directory / "tenants" / "broken.tenet").write_text("tenant broken extends nothing_here {}\n")
                with self.assertRaises(InvalidRequest) as failed:
                    tenet.reload()
                self.assertIn("broken.tenet", str(failed.exception))
                self.assertTrue(tenet.check(ALICE, "read", ALICES_DOC))
                (directory / "tenants" / "broken.tenet").unlink()
                (directory / "tenants" / "zenith.tenet").write_text("tenant zenith extends retail_standard {}\n")
                self.assertEqual(tenet.check(ALICE, "read", ALICES_DOC, tenant="zenith").reasons, ("unknown_tenant",))
                self.assertEqual(tenet.reload().policy_version, 2)
                self.assertTrue(tenet.check(ALICE, "read", ALICES_DOC, tenant="zenith"))

    def test_closed_engine_raises(self) -> None:
        tenet = Engine(POLICIES, tenant="acme")
        tenet.close()
        tenet.close()
        with self.assertRaises(EngineError):
            tenet.check(ALICE, "read", ALICES_DOC)

    def test_close_while_other_threads_call(self) -> None:
        # Issue 20: close() freed the engine under calls in flight (the
        # interpreter crashed). Run in a child: a crash fails this test instead
        # of ending the whole run. Every call either answers or raises
        # "the engine is closed"; close() returns once the calls in flight are done.
        child = subprocess.run([sys.executable, "-c", _CLOSE_WHILE_CALLING, str(POLICIES)],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(child.returncode, 0, f"stdout: {child.stdout}\nstderr: {child.stderr}")
        self.assertEqual(child.stdout.strip(), "rounds 5 ok")


_CLOSE_WHILE_CALLING = """
import sys, threading, time
sys.path[:0] = [%r, %r]
from acme_fixtures import ALICE, ALICES_DOC
from tenet_client.engine import Engine, EngineError

for round in range(5):
    engine = Engine(sys.argv[1], tenant="acme")
    started = threading.Barrier(5)
    outcomes = []

    def call():
        started.wait(timeout=30)
        for _ in range(200000):  # bounded; ends at the first "closed"
            try:
                if not engine.check(ALICE, "read", ALICES_DOC):
                    outcomes.append("wrong answer")
                    return
                engine.reload() if _ %% 5000 == 4999 else None
            except EngineError as closed:
                outcomes.append("closed" if "closed" in str(closed) else repr(closed))
                return
        outcomes.append("never closed")

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait(timeout=30)
    time.sleep(0.05)
    engine.close()
    for thread in threads:
        thread.join(timeout=60)
    if outcomes != ["closed"] * 4:
        sys.exit("round %%d: %%s" %% (round, outcomes))
print("rounds 5 ok")
""" % (str(HERE), str(HERE.parent))


@unittest.skipIf(MISSING, MISSING)
class OpenErrors(unittest.TestCase):
    def test_missing_directory(self) -> None:
        with self.assertRaises(EngineError) as failed:
            Engine("/nonexistent/tenet/policies")
        self.assertEqual(failed.exception.status, "TENET_IO_ERROR")
        self.assertIn("/nonexistent/tenet/policies", str(failed.exception))

    def test_policy_errors_carry_the_diagnostics(self) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            Path(scratch, "bad.tenet").write_text("tenant acme {\n  role guest\n}\n")
            with self.assertRaises(EngineError) as failed:
                Engine(scratch)
            self.assertEqual(failed.exception.status, "TENET_POLICY_ERROR")
            self.assertIn("bad.tenet:", str(failed.exception))


class LibraryLookup(unittest.TestCase):
    def test_a_missing_library_says_where_it_looked(self) -> None:
        with self.assertRaises(LibraryNotFound) as failed:
            Engine(POLICIES, library="/nonexistent/libtenet.so")
        self.assertIn("/nonexistent/libtenet.so", str(failed.exception))
        self.assertIn("TENET_LIBRARY", str(failed.exception))

    def test_the_environment_variable_is_used(self) -> None:
        saved = os.environ.get("TENET_LIBRARY")
        os.environ["TENET_LIBRARY"] = "/nonexistent/from-env/libtenet.so"
        try:
            with self.assertRaises(LibraryNotFound) as failed:
                Engine(POLICIES)
            self.assertIn("/nonexistent/from-env/libtenet.so", str(failed.exception))
        finally:
            if saved is None:
                del os.environ["TENET_LIBRARY"]
            else:
                os.environ["TENET_LIBRARY"] = saved


if __name__ == "__main__":
    unittest.main()
