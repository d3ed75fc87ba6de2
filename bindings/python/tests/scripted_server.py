"""A fake `tenet serve` on 127.0.0.1 whose timing the test chooses: it answers
slowly, or drips its answers one byte at a time. What no real server does on
demand, and what a client must survive without ever pairing a request with
another request's answer.

Every answer names the request it answers: `{"id": ID (echoed when sent),
"decision": "allow" if the principal is alice else "deny", "reasons":
["for:PRINCIPAL"]}`. A client that returns `for:alice` to a call about bob
answered with someone else's decision.

Bounded: every connection thread stops when the server is closed, and no
answer waits longer than the delay it was given.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from typing import Iterable, List, Optional


def _leave_signals_to_the_main_thread() -> None:
    # A test interrupts the client with SIGALRM / SIGINT: the kernel must
    # deliver them to the main thread (blocked in the client's select), not to
    # a server thread, or the interruption would wait for the answer.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGINT})


def answer_for(request: bytes) -> bytes:
    """The answer line (with its newline) to one request line."""
    try:
        wire = json.loads(request)
    except ValueError:
        return b'{"id":null,"error":{"code":"bad_json","message":"not JSON"}}\n'
    principal = (wire.get("principal") or {}).get("id", "")
    answer = {}
    if "id" in wire:
        answer["id"] = wire["id"]
    if wire.get("op") in ("hello", "health"):
        answer.update(ok=True, tenant="acme", version="scripted")
    else:
        answer.update(decision="allow" if principal == "alice" else "deny", reasons=[f"for:{principal}"])
    return (json.dumps(answer, separators=(",", ":")) + "\n").encode()


class ScriptedServer:
    """Answers in order on each connection; requests about a principal in
    `slow_principals` are answered after `delay` seconds, or, with `drip`, one
    byte every `delay` seconds (and the answers after them wait their turn)."""

    def __init__(self, delay: float = 1.0, slow_principals: Iterable[str] = ("alice",), drip: bool = False) -> None:
        self.delay = delay
        self.slow_principals = frozenset(slow_principals)
        self.drip = drip
        self.requests: List[bytes] = []  # every request line received, in order
        self.connections = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self._listener.settimeout(0.05)
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._threads: List[threading.Thread] = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def close(self) -> None:
        self._closed.set()
        for thread in list(self._threads):
            thread.join(timeout=10)
        self._listener.close()

    def __enter__(self) -> "ScriptedServer":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _accept(self) -> None:
        _leave_signals_to_the_main_thread()
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        _leave_signals_to_the_main_thread()
        connection.settimeout(0.05)
        partial = b""
        with connection:
            while not self._closed.is_set():
                try:
                    chunk = connection.recv(65536)
                except socket.timeout:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                lines = (partial + chunk).split(b"\n")
                partial = lines.pop()
                for line in lines:
                    if line.strip() and not self._answer(connection, line):
                        return

    def _answer(self, connection: socket.socket, line: bytes) -> bool:
        with self._lock:
            self.requests.append(line)
        slow = principal_of(line) in self.slow_principals
        answer = answer_for(line)
        try:
            if slow and self.drip:
                for byte in answer:
                    if self._closed.wait(self.delay):
                        return False
                    connection.sendall(bytes([byte]))
                return True
            if slow and self._closed.wait(self.delay):
                return False
            connection.sendall(answer)
            return True
        except OSError:
            return False


def principal_of(request: bytes) -> Optional[str]:
    """The principal a request line asked about (None when it names none or is not JSON)."""
    try:
        return (json.loads(request).get("principal") or {}).get("id")
    except (ValueError, AttributeError):
        return None
