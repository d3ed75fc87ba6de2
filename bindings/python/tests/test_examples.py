"""Runs the README's Python example against a real server and checks what it prints."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import unittest

from tenet_server import TenetServer

PYTHON_DIR = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = PYTHON_DIR / "examples" / "acme.py"
EXPECTED = 'alice reads d1: allow ["acme:owner-reads"]\ngus becomes basic: deny ["principal.kyc == \\"verified\\""]\n'


class Examples(unittest.TestCase):
    def run_example(self, address: str, token: str = "") -> str:
        environment = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
        if token:
            environment["TENET_TOKEN"] = token
        done = subprocess.run([sys.executable, str(EXAMPLE), address], env=environment, capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def test_acme_example_over_tcp_and_unix_socket(self) -> None:
        server = TenetServer()
        try:
            self.assertEqual(self.run_example(server.tcp_address), EXPECTED)
            self.assertEqual(self.run_example(server.unix_path), EXPECTED)
        finally:
            server.close()

    def test_the_readme_quotes_the_example_as_it_is(self) -> None:
        readme = (PYTHON_DIR.parent / "README.md").read_text()
        self.assertIn("```python\n" + EXAMPLE.read_text() + "```", readme)
        self.assertIn(EXPECTED, readme)

    def test_acme_example_with_a_token(self) -> None:
        server = TenetServer(with_tokens=True)
        try:
            self.assertEqual(self.run_example(server.tcp_address, server.tokens.acme_check), EXPECTED)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
