"""Partner policy units over the protocol (put_policy, get_policy, policy_history, rollback),
with the sync and the async client, against a real `tenet serve` on a copy of policies/
(a put writes the unit file and its history under the policy directory)."""

from __future__ import annotations

import hashlib
import pathlib
import secrets
import shutil
import tempfile
import unittest

from acme_fixtures import ALICE, ALICES_DOC, BOBS_DOC
from tenet_server import POLICIES, TenetServer
from tenet_client import (
    AsyncClient, Client, Diagnostic, Forbidden, InvalidPolicy, InvalidRequest, PolicyPut, TooLarge,
)

ACME_UNIT = (POLICIES / "tenants" / "acme.tenet").read_text()
# acme as shipped, plus a rule that lets a basic user read every document (bob's too).
ACME_READS_ALL = ACME_UNIT.replace(
    "tenant acme extends retail_standard {\n",
    'tenant acme extends retail_standard {\n  @id("basic-reads-all") permit read on document for basic;\n',
)
assert ACME_READS_ALL != ACME_UNIT
BROKEN = 'tenant acme extends retail_standard {\n  @id("bad") permit read on document for admn;\n}\n'


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PolicyServer:
    """A server on a fresh copy of policies/ with an acme author token, a check-only
    acme token and a global admin token."""

    def __init__(self) -> None:
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="tenet-py-policy-"))
        self.policies = self.folder / "policies"
        # Not the history a server started on the checkout may have left there.
        shutil.copytree(POLICIES, self.policies, ignore=shutil.ignore_patterns(".tenet-history"))
        self.acme_author = secrets.token_hex(32)
        self.acme_check = secrets.token_hex(32)
        self.global_admin = secrets.token_hex(32)
        tokens = self.folder / "tokens"
        tokens.write_text(
            f"{sha(self.acme_author)} acme check,author\n"
            f"{sha(self.acme_check)} acme check\n"
            f"{sha(self.global_admin)} * check,admin\n"
        )
        self.server = TenetServer(policies=self.policies, extra_args=["--tokens", str(tokens)])
        self.actor = "sha256:" + sha(self.acme_author)[:16]

    def close(self) -> None:
        self.server.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class SyncPolicyOps(unittest.TestCase):
    def setUp(self) -> None:
        self.fixture = PolicyServer()
        self.addCleanup(self.fixture.close)

    def addresses(self):
        return (self.fixture.server.tcp_address, self.fixture.server.unix_path)

    def test_put_serves_a_new_revision(self) -> None:
        with Client(self.fixture.server.tcp_address, token=self.fixture.acme_author) as client:
            before = client.check(ALICE, "read", BOBS_DOC)
            self.assertFalse(before)
            self.assertIsInstance(before.revision, int)
            old = client.get_policy()
            self.assertEqual(old.source, ACME_UNIT)
            self.assertEqual(old.path, "tenants/acme.tenet")
            self.assertEqual(old.revision, before.revision)

            put = client.put_policy(ACME_READS_ALL)
            self.assertIsInstance(put, PolicyPut)
            self.assertEqual(put.tenant, "acme")
            self.assertEqual(put.revision, old.revision + 1)
            self.assertEqual(put.path, "tenants/acme.tenet")
            self.assertFalse(put.dry_run)
            self.assertIn("acme:basic-reads-all", put.changes.added)
            self.assertEqual(put.changes.removed, ())

            after = client.check(ALICE, "read", BOBS_DOC)
            self.assertTrue(after)
            self.assertEqual(after.reasons, ("acme:basic-reads-all",))
            self.assertEqual(after.revision, put.revision)
            self.assertEqual(client.get_policy().source, ACME_READS_ALL)
            self.assertEqual((self.fixture.policies / "tenants" / "acme.tenet").read_text(), ACME_READS_ALL)

            history = client.policy_history()
            self.assertEqual(history.tenant, "acme")
            self.assertEqual([r.revision for r in history], [put.revision, old.revision])
            self.assertEqual(history.revisions[0].actor, self.fixture.actor)
            self.assertEqual(history.revisions[0].hash, client.get_policy().hash)

    def test_a_refused_put_carries_its_diagnostics_and_changes_nothing(self) -> None:
        for address in self.addresses():
            with self.subTest(address=address), Client(address, token=self.fixture.acme_author) as client:
                revision = client.get_policy().revision
                with self.assertRaises(InvalidPolicy) as broken:
                    client.put_policy(BROKEN)
                self.assertEqual(broken.exception.code, "invalid_policy")
                self.assertGreater(len(broken.exception.diagnostics), 0)
                first = broken.exception.diagnostics[0]
                self.assertIsInstance(first, Diagnostic)
                self.assertEqual(first.severity, "error")
                self.assertEqual(first.file, "tenants/acme.tenet")
                self.assertGreater(first.line, 0)
                self.assertIn("admn", first.message)
                self.assertTrue(str(first).startswith(f"tenants/acme.tenet:{first.line}:{first.column}: error: "))

                with self.assertRaises(InvalidPolicy) as other_tenant:
                    client.put_policy(ACME_READS_ALL.replace("tenant acme", "tenant lumen"))
                self.assertIn("lumen", other_tenant.exception.message)

                self.assertEqual(client.get_policy().revision, revision)
                self.assertEqual(client.get_policy().source, ACME_UNIT)
                self.assertFalse(client.check(ALICE, "read", BOBS_DOC))

    def test_dry_run_changes_nothing(self) -> None:
        with Client(self.fixture.server.unix_path, token=self.fixture.acme_author) as client:
            old = client.get_policy()
            trial = client.put_policy(ACME_READS_ALL, dry_run=True)
            self.assertTrue(trial.dry_run)
            self.assertEqual(trial.revision, old.revision + 1)
            self.assertIn("acme:basic-reads-all", trial.changes.added)
            self.assertEqual(client.get_policy(), old)
            self.assertEqual(len(client.policy_history()), 1)
            self.assertFalse(client.check(ALICE, "read", BOBS_DOC))

    def test_rollback_restores_the_old_rules_as_a_new_revision(self) -> None:
        with Client(self.fixture.server.tcp_address, token=self.fixture.acme_author) as client:
            first = client.get_policy().revision
            put = client.put_policy(ACME_READS_ALL)
            self.assertTrue(client.check(ALICE, "read", BOBS_DOC))
            back = client.rollback(first)
            self.assertEqual(back.revision, put.revision + 1)
            self.assertIn("acme:basic-reads-all", back.changes.removed)
            self.assertFalse(client.check(ALICE, "read", BOBS_DOC))
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            self.assertEqual(client.get_policy().source, ACME_UNIT)
            self.assertEqual([r.revision for r in client.policy_history()], [back.revision, put.revision, first])
            with self.assertRaises(InvalidRequest):
                client.rollback(999)

    def test_rights(self) -> None:
        with Client(self.fixture.server.tcp_address, token=self.fixture.acme_check) as client:
            with self.assertRaises(Forbidden):
                client.get_policy()
            with self.assertRaises(Forbidden):
                client.put_policy(ACME_READS_ALL)
        with Client(self.fixture.server.tcp_address, token=self.fixture.acme_author) as client:
            with self.assertRaises(Forbidden):
                client.get_policy(tenant="lumen")
        with Client(self.fixture.server.tcp_address, token=self.fixture.global_admin) as client:
            self.assertEqual(client.get_policy(tenant="lumen").tenant, "lumen")
            with self.assertRaises(TooLarge):
                client.put_policy("// " + "x" * (1 << 20) + "\n" + ACME_UNIT, tenant="acme")

    def test_reload_reports_its_units(self) -> None:
        with Client(self.fixture.server.tcp_address, token=self.fixture.global_admin) as client:
            health = client.health()
            self.assertGreater(health.units_served, 0)
            self.assertEqual(health.unavailable, ())
            (self.fixture.policies / "tenants" / "acme.tenet").write_text(ACME_READS_ALL)
            (self.fixture.policies / "tenants" / "lumen.tenet").write_text(BROKEN.replace("acme", "lumen"))
            reloaded = client.reload()
            self.assertEqual(reloaded.platform, "unchanged")
            outcomes = {unit.tenant: unit for unit in reloaded.units}
            self.assertEqual(outcomes["acme"].outcome, "applied")
            self.assertEqual(outcomes["lumen"].outcome, "refused")
            self.assertIn("admn", outcomes["lumen"].diagnostics)
            self.assertEqual(client.policy_history(tenant="acme").revisions[0].actor, "disk")


class AsyncPolicyOps(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.fixture = PolicyServer()
        self.addCleanup(self.fixture.close)

    async def test_put_refuse_dry_run_history_rollback(self) -> None:
        async with AsyncClient(self.fixture.server.unix_path, token=self.fixture.acme_author) as client:
            old = await client.get_policy()
            trial = await client.put_policy(ACME_READS_ALL, dry_run=True)
            self.assertEqual(trial.revision, old.revision + 1)
            self.assertEqual(await client.get_policy(), old)
            with self.assertRaises(InvalidPolicy) as refused:
                await client.put_policy(BROKEN)
            self.assertIn("admn", refused.exception.diagnostics[0].message)
            put = await client.put_policy(ACME_READS_ALL)
            self.assertEqual(put.revision, old.revision + 1)
            allowed = await client.check(ALICE, "read", BOBS_DOC)
            self.assertEqual((allowed.allowed, allowed.reasons, allowed.revision),
                             (True, ("acme:basic-reads-all",), put.revision))
            history = await client.policy_history()
            self.assertEqual([r.revision for r in history], [put.revision, old.revision])
            self.assertEqual(history.revisions[0].actor, self.fixture.actor)
            back = await client.rollback(old.revision)
            self.assertEqual(back.revision, put.revision + 1)
            self.assertFalse(await client.check(ALICE, "read", BOBS_DOC))
            self.assertEqual((await client.get_policy()).source, ACME_UNIT)


if __name__ == "__main__":
    unittest.main()
