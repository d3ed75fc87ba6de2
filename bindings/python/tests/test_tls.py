"""TLS and mutual TLS for Client and AsyncClient, against a real `tenet serve
--tls-cert ...` with a throw-away PKI (tests/support/test_pki.sh)."""

from __future__ import annotations

import asyncio
import pathlib
import shutil
import subprocess
import tempfile
import time
import unittest

from acme_fixtures import ALICE, ALICES_DOC, BOBS_DOC
from tenet_server import SOURCE_DIR, TenetServer
from tenet_client import AsyncClient, Client, Forbidden, Resource, TenetConnectionError, TlsOptions

CEDAR_DOC = Resource("document", "c1", tenant="cedar", attrs={"owner": "alice", "locked": False, "classification": "internal"})


def make_pki() -> pathlib.Path:
    directory = pathlib.Path(tempfile.mkdtemp(prefix="tenet-py-pki-"))
    subprocess.run([str(SOURCE_DIR / "tests" / "support" / "test_pki.sh"), str(directory)], check=True, timeout=60)
    return directory


class Tls(unittest.TestCase):
    pki: pathlib.Path
    server: TenetServer
    mutual: TenetServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.pki = make_pki()
        tls = ["--tls-cert", str(cls.pki / "server.pem"), "--tls-key", str(cls.pki / "server.key")]
        cls.server = TenetServer(extra_args=tls)
        cls.mutual = TenetServer(extra_args=tls + ["--tls-client-ca", str(cls.pki / "ca.pem")])

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()
        cls.mutual.close()
        shutil.rmtree(cls.pki, ignore_errors=True)

    def ca(self, name: str = "ca.pem") -> TlsOptions:
        return TlsOptions(ca_file=str(self.pki / name))

    def acme(self) -> TlsOptions:
        return TlsOptions(ca_file=str(self.pki / "ca.pem"), cert_file=str(self.pki / "acme.pem"),
                          key_file=str(self.pki / "acme.key"))

    def refusal(self, address: str, tls) -> str:
        started = time.monotonic()
        with self.assertRaises(TenetConnectionError) as refused:
            with Client(address, tenant="acme", tls=tls, timeout=2, connect_timeout=2) as client:
                client.check(ALICE, "read", ALICES_DOC)
        self.assertLess(time.monotonic() - started, 5)
        return str(refused.exception)

    def test_check_over_tls(self) -> None:
        with Client(self.server.tcp_address, tenant="acme", tls=self.ca()) as client:
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            self.assertFalse(client.check(ALICE, "read", BOBS_DOC))
            # Many calls and a pipeline on one connection: TLS records that carry no answer
            # (session tickets) neither stall a call nor make the connection look out of step.
            opened = client.stats().raw["connections"]["total"]
            for _ in range(5):
                self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            self.assertEqual(client.stats().raw["connections"]["total"], opened, "one connection throughout")
            self.assertEqual(len(client.pipeline([]) + client.check_many([])), 0)
        with Client(f"localhost:{self.server.port}", tenant="acme", tls=self.ca()) as by_name:
            self.assertTrue(by_name.check(ALICE, "read", ALICES_DOC))

    def test_wrong_ca_wrong_name_and_plaintext_fail_clearly(self) -> None:
        wrong_ca = self.refusal(self.server.tcp_address, self.ca("other-ca.pem"))
        self.assertIn("certificate verify failed", wrong_ca)
        self.assertIn("unable to get local issuer certificate", wrong_ca)
        system_cas = self.refusal(self.server.tcp_address, True)
        self.assertIn("certificate verify failed", system_cas)
        wrong_name = self.refusal(self.server.tcp_address,
                                  TlsOptions(ca_file=str(self.pki / "ca.pem"), server_name="tenet.example"))
        self.assertIn("tenet.example", wrong_name)
        # Plaintext to the TLS port: an error, within the timeout.
        self.refusal(self.server.tcp_address, None)
        # TLS to a plaintext port (the Unix socket is no TCP address: refused up front).
        with self.assertRaises(ValueError):
            Client(self.server.unix_path, tls=True)
        with self.assertRaises(FileNotFoundError):
            Client(self.server.tcp_address, tls=self.ca("nope.pem"))
        with self.assertRaises(ValueError):
            Client(self.server.tcp_address, tls=TlsOptions(cert_file=str(self.pki / "acme.pem")))

    def test_tls_to_a_plaintext_port_fails_clearly(self) -> None:
        plain = TenetServer()
        try:
            message = self.refusal(plain.tcp_address, self.ca())
            self.assertIn("TLS handshake", message)
        finally:
            plain.close()

    def test_client_certificate_binds_the_tenant(self) -> None:
        with Client(self.mutual.tcp_address, tls=self.acme()) as client:
            assert client.session is not None
            self.assertEqual(client.session.tenant, "acme")
            self.assertEqual(client.tenant, "acme")
            self.assertTrue(client.check(ALICE, "read", ALICES_DOC))
            with self.assertRaises(Forbidden):
                client.check(ALICE, "read", CEDAR_DOC, tenant="cedar")
        # No client certificate, or an expired one: the server refuses; an error that says so, not a hang.
        self.assertIn("certificate required", self.refusal(self.mutual.tcp_address, self.ca()))
        expired = TlsOptions(ca_file=str(self.pki / "ca.pem"), cert_file=str(self.pki / "expired.pem"),
                             key_file=str(self.pki / "expired.key"))
        self.assertIn("certificate expired", self.refusal(self.mutual.tcp_address, expired))

    def test_async_client(self) -> None:
        async def scenario() -> None:
            async with AsyncClient(self.server.tcp_address, tenant="acme", tls=self.ca()) as client:
                answers = await asyncio.gather(*(client.check(ALICE, "read", ALICES_DOC) for _ in range(20)))
                self.assertTrue(all(answers))
            async with AsyncClient(self.mutual.tcp_address, tls=self.acme()) as client:
                assert client.session is not None
                self.assertEqual(client.session.tenant, "acme")
                self.assertTrue(await client.check(ALICE, "read", ALICES_DOC))
                with self.assertRaises(Forbidden):
                    await client.check(ALICE, "read", CEDAR_DOC, tenant="cedar")
            with self.assertRaises(TenetConnectionError) as refused:
                async with AsyncClient(self.server.tcp_address, tenant="acme", tls=self.ca("other-ca.pem")) as client:
                    await client.check(ALICE, "read", ALICES_DOC)
            self.assertIn("certificate verify failed", str(refused.exception))
            with self.assertRaises(TenetConnectionError):
                async with AsyncClient(self.server.tcp_address, tenant="acme", timeout=2) as client:
                    await client.check(ALICE, "read", ALICES_DOC)

        asyncio.run(asyncio.wait_for(scenario(), 30))


if __name__ == "__main__":
    unittest.main()
