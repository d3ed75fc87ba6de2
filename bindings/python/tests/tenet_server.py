"""A real `tenet serve` for the tests: started on an ephemeral loopback port and a
Unix socket, with the shipped policies, stopped (and restarted) on demand.

The binary and the repository come from the environment that ctest sets:
TENET_BINARY (the `tenet` executable) and TENET_SOURCE_DIR (the checkout).
Every wait is bounded; a server that does not come up fails the test with its
stderr instead of hanging.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from typing import List, Optional

SOURCE_DIR = pathlib.Path(os.environ.get("TENET_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
BINARY = os.environ.get("TENET_BINARY", str(SOURCE_DIR / "build" / "tenet"))
POLICIES = SOURCE_DIR / "policies"
START_TIMEOUT = 20.0


class TokenFile:
    """A token file with fresh tokens: tenant-scoped (acme), and global admin."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.acme_check = secrets.token_hex(32)
        self.acme_admin = secrets.token_hex(32)
        self.global_admin = secrets.token_hex(32)
        self.path = directory / "tokens"
        lines = [
            f"{self._hash(self.acme_check)} acme check",
            f"{self._hash(self.acme_admin)} acme check,admin",
            f"{self._hash(self.global_admin)} * check,admin",
        ]
        self.path.write_text("# test tokens\n" + "\n".join(lines) + "\n")

    @staticmethod
    def _hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class TenetServer:
    """`tenet serve POLICIES --listen 127.0.0.1:0 --unix SOCKET [--tokens FILE]`."""

    def __init__(self, with_tokens: bool = False, policies: pathlib.Path = POLICIES,
                 extra_args: Optional[List[str]] = None) -> None:
        self.extra_args = list(extra_args or [])
        self.directory = pathlib.Path(tempfile.mkdtemp(prefix="tenet-py-test-"))
        self.policies = policies
        self.tokens: Optional[TokenFile] = TokenFile(self.directory) if with_tokens else None
        self.unix_path = str(self.directory / "tenet.sock")
        self.state_path = str(self.directory / "features.state")
        self.port = 0
        self.process: Optional[subprocess.Popen] = None
        self._stderr_path = self.directory / "stderr.log"
        self.start()

    @property
    def tcp_address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the server (again, on the same port and socket after a stop)."""
        arguments: List[str] = [BINARY, "serve", str(self.policies), "--listen", f"127.0.0.1:{self.port}",
                                "--unix", self.unix_path, "--state", self.state_path]
        if self.tokens is not None:
            arguments += ["--tokens", str(self.tokens.path)]
        arguments += self.extra_args
        with open(self._stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            found = self._listening()
            if found >= 2:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"tenet serve exited with {self.process.returncode}: {self.stderr()}")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"tenet serve did not listen within {START_TIMEOUT} s: {self.stderr()}")

    def _listening(self) -> int:
        found = 0
        for line in self.stderr().splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict) or event.get("event") != "listening":
                continue
            found += 1
            if isinstance(event.get("address"), str):
                self.port = int(event["address"].rsplit(":", 1)[1])
        return found

    def stderr(self) -> str:
        try:
            return self._stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s; never waits longer."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL: a crash, with no drain; requests in flight get no answer."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
