"""The synchronous tenet client: one connection, pipelined, reconnecting.

    with Client("127.0.0.1:7070", token=TOKEN) as tenet:
        if tenet.check(alice, "read", document):
            ...

Design: the socket is non-blocking and every exchange runs one `selectors`
loop that writes the request bytes and reads answers at the same time, so a
long pipeline (`check_many`) can never deadlock with the server (both sides
blocked writing). A call's deadline covers the whole exchange: no call waits
longer than `timeout` seconds for its answers, however slowly they trickle in.

Answers come back in request order (docs/PROTOCOL.md), and every request the
client encodes carries an id that its answer must echo: a call never returns
an answer to another request. A call interrupted between sending and reading
its answers (an exception, KeyboardInterrupt, a signal handler's deadline,
the timeout) leaves the connection out of step: it is closed, and the next
call opens a new one, so the interrupted call's answer is never read.

When the connection breaks, the call in progress raises
`TenetConnectionError` (its answers are lost) and the next call connects
again, with bounded, growing pauses between attempts, and sends `hello` again.
A connection the server closed while it was idle (its idle timeout, a restart
between calls) is noticed before sending and replaced without an error.

TLS: off unless `tls=` is given (see `_tls.TlsOptions`): with it, the
connection is TLS 1.2+ with the server's certificate verified, and a failed
verification raises `TenetConnectionError` at once (no retries: it would
fail the same way) saying why.

Thread-safety: calls on one Client are serialised by a lock; for parallel
requests use one Client per thread, or `AsyncClient`.
"""

from __future__ import annotations

import selectors
import socket
import ssl
import threading
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional

from . import types as t
from ._decisions import DecisionCalls
from ._wire import (
    Address, Endpoint, answer_to, batch_request, decode_answer, encode_line, encode_object, numbered_lines, parse_address, parse_line,
)
from ._tls import Tls, TlsSetup
from .errors import TenetConnectionError, TenetTimeout

_IO_CHUNK = 1 << 20  # bytes per send() and recv(): big, so a pipeline needs few system calls


class Client(DecisionCalls):
    """A connection to `tenet serve` (TCP "host:port" or a Unix socket path).

    token:            sent with `hello` on every (re)connect; required by a
                      server that runs with a token file.
    tenant:           default tenant for requests that name none; after
                      `hello`, defaults to the tenant the token is bound to.
    timeout:          seconds a call may wait for its answers, all in all
                      (a reconnect first has its own bounds, below).
    connect_attempts: tries per (re)connect, `backoff` seconds apart at first,
                      doubling up to one second.
    tls:              True, a `TlsOptions` (ca_file, cert_file, key_file,
                      server_name) or an `ssl.SSLContext`: TLS with the
                      server's certificate verified. None (default): plaintext.
    """

    def __init__(
        self,
        address: Address,
        *,
        token: Optional[str] = None,
        tenant: Optional[str] = None,
        timeout: float = 5.0,
        connect_timeout: float = 2.0,
        connect_attempts: int = 3,
        backoff: float = 0.05,
        tls: Tls = None,
    ) -> None:
        self.endpoint: Endpoint = parse_address(address)
        self._tls: Optional[TlsSetup] = TlsSetup(tls, self.endpoint) if tls else None
        self.token = token
        self.tenant = tenant
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.connect_attempts = max(1, connect_attempts)
        self.backoff = backoff
        self.session: Optional[t.Hello] = None
        self._socket: Optional[socket.socket] = None
        self._selector: Optional[selectors.BaseSelector] = None
        self._lock = threading.RLock()
        self._next_id = 1
        # False from sending a request until its last answer is read: a call
        # interrupted in between leaves it False, and the connection is replaced.
        self._in_step = False

    # ------------------------------------------------------------ lifetime

    def __enter__(self) -> "Client":
        self.connect()
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._socket is not None

    def connect(self) -> None:
        """Connects now (calls connect on demand anyway). Idempotent."""
        with self._lock:
            if self._socket is None:
                self._connect_with_retries()

    def close(self) -> None:
        with self._lock:
            if self._selector is not None:
                self._selector.close()
                self._selector = None
            if self._socket is not None:
                self._socket.close()
                self._socket = None

    # ---------------------------------------------------- decision requests
    # check, transition, subscribe, plans, features, lifecycle: DecisionCalls

    def pipeline(self, requests: Iterable[t.DecisionRequest]) -> List[t.Response]:
        """Sends every request at once on this connection and returns the answers in order.

        An item the server refused comes back with `.error` set (and a deny);
        only a connection failure raises.
        """
        requests = list(requests)
        if not requests:
            return []
        self._learn_tenant()
        lines = self._call([request.encode(self.tenant) for request in requests])
        return [decode_answer(request.op, line) for request, line in zip(requests, lines)]

    check_many = pipeline

    def batch(self, requests: Iterable[t.DecisionRequest]) -> List[t.Response]:
        """One `batch` request (at most 1024 items); answers as in `pipeline`."""
        requests = list(requests)
        self._learn_tenant()
        answer = parse_line(self._call([batch_request(requests, self.tenant)])[0])
        return t.decode_batch([request.op for request in requests], answer)

    # ------------------------------------------- session and administration

    def hello(self, token: str) -> t.Hello:
        """Authenticates this connection (and future reconnects) with `token`."""
        self.token = token
        with self._lock:
            if self._socket is None:
                self._connect_with_retries()
                assert self.session is not None
                return self.session
            return self._hello()

    def health(self) -> t.Health:
        return t.decode_health(self.request({"op": "health"}))

    def stats(self) -> t.Stats:
        return t.decode_stats(self.request({"op": "stats"}))

    def reload(self, *, allow_removal: bool = False) -> t.Reload:
        """Recompiles the server's policies (global admin token). Raises InvalidRequest with the
        diagnostics, or when the new set no longer declares a served tenant and allow_removal
        is False (the server then keeps serving the old set)."""
        return t.decode_reload(self.request({"op": "reload", "allow_removal": allow_removal}))

    def set_feature(self, feature: str, state: str, *, tenant: Optional[str] = None) -> t.FeatureSwitched:
        """Switches `feature` of `tenant` "on", "off" or back to its "default"."""
        self._learn_tenant()
        tenant = tenant or self.tenant
        if not tenant:
            raise ValueError("no tenant: pass tenant= to the call or to the client")
        answer = self.request({"op": "set_feature", "tenant": tenant, "feature": feature, "state": state})
        t.raise_if_error(answer)
        return t.FeatureSwitched(tenant, feature, state)

    # ------------------------------------------------- partner policy units

    def put_policy(self, source: str, *, tenant: Optional[str] = None, dry_run: bool = False) -> t.PolicyPut:
        """Replaces the tenant's policy unit with `source` (the whole unit text): a new revision,
        served by every request after the answer. `dry_run` checks it and says what would change.
        Refused: InvalidPolicy (`.diagnostics`), TooLarge, Forbidden; nothing changes then."""
        self._learn_tenant()
        return t.decode_policy_put(
            self.request(t.policy_request("put_policy", tenant or self.tenant, source=source, dry_run=dry_run)))

    def get_policy(self, *, tenant: Optional[str] = None) -> t.Policy:
        """The tenant's unit served now: its source, revision, path and hash."""
        self._learn_tenant()
        return t.decode_policy(self.request(t.policy_request("get_policy", tenant or self.tenant)))

    def policy_history(self, *, tenant: Optional[str] = None) -> t.PolicyHistory:
        """The kept revisions of the tenant's unit, newest first."""
        self._learn_tenant()
        return t.decode_policy_history(self.request(t.policy_request("policy_history", tenant or self.tenant)))

    def rollback(self, revision: int, *, tenant: Optional[str] = None) -> t.PolicyPut:
        """Serves the source of `revision` again, as a new revision (InvalidRequest if not kept)."""
        self._learn_tenant()
        return t.decode_policy_put(
            self.request(t.policy_request("rollback", tenant or self.tenant, revision=revision)))

    def request(self, wire: Mapping[str, Any]) -> Dict[str, Any]:
        """Sends any protocol object and returns the decoded answer, errors included.

        Without an "id" the client numbers the request (and checks the answer's);
        an "id" of the caller's is sent as is and echoed back.
        """
        if "id" in wire:
            return parse_line(self._exchange(encode_line(dict(wire)), 1)[0])
        return parse_line(self._call([encode_object(dict(wire))])[0])

    def send_line(self, line: bytes) -> Dict[str, Any]:
        """Sends raw bytes as one request line (for tests and tools); returns the decoded answer."""
        return parse_line(self._exchange(line.rstrip(b"\n") + b"\n", 1)[0])

    # ------------------------------------------------------------ internals

    @property
    def _says_hello(self) -> bool:
        # A token, or a client certificate (the server binds the session to its tenant).
        return self.token is not None or (self._tls is not None and self._tls.client_certificate)

    def _learn_tenant(self) -> None:
        # A client with a token but no tenant learns it from `hello`: connect first.
        if self.tenant is None and self._says_hello and self._socket is None:
            self.connect()

    def _decide(self, request: t.DecisionRequest) -> Any:
        self._learn_tenant()
        answer = decode_answer(request.op, self._call([request.encode(self.tenant)])[0])
        if answer.error is not None:
            raise answer.error
        return answer

    def _call(self, requests: List[str]) -> List[bytes]:
        """Sends `requests` (JSON objects) numbered, and returns their answers, ids checked and removed."""
        with self._lock:
            first_id = self._next_id
            self._next_id += len(requests)
            return self._exchange(numbered_lines(requests, first_id), len(requests), first_id)

    def _prepare(self) -> None:
        """A connection in step with the server, opened (again) if need be."""
        if self._socket is not None and (not self._in_step or self._closed_by_server()):
            # Interrupted mid-call (its answer may still come), or closed by the
            # server while idle (its idle timeout): nothing of ours is in
            # flight, so a new connection is all it takes.
            self.close()
        if self._socket is None:
            self._connect_with_retries()

    def _exchange(self, payload: bytes, count: int, first_id: Optional[int] = None) -> List[bytes]:
        """Writes `payload` (`count` request lines) and returns the `count` answer lines
        (checked against the ids from `first_id` on, when the requests are numbered)."""
        with self._lock:
            self._prepare()
            self._in_step = False
            try:
                lines = self._exchange_on_socket(payload, count)
                if first_id is not None:
                    lines = [answer_to(line, first_id + i) for i, line in enumerate(lines)]
            except BaseException as failure:
                # Whatever stopped the call (a broken connection, a timeout, an
                # answer out of step, KeyboardInterrupt, a signal handler's
                # exception): answers may still be on their way, so this
                # connection can never be trusted to pair answers again.
                self.close()
                if isinstance(failure, OSError) and not isinstance(failure, TenetConnectionError):
                    raise TenetConnectionError(f"connection to {self.endpoint} failed: {failure}") from failure
                raise
            self._in_step = True
        return lines

    def _closed_by_server(self) -> bool:
        """Whether the idle connection is unusable: closed by the server, or holding bytes nobody asked for."""
        assert self._socket is not None
        try:
            if isinstance(self._socket, ssl.SSLSocket):
                # Read through TLS (no peeking there): records the server sends
                # unasked (TLS 1.3 session tickets) are consumed, data is not expected.
                self._socket.recv(1)
            else:
                self._socket.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False  # nothing to read: the connection is open and in step
        except OSError:
            return True
        return True  # b"": closed; anything else: the stream is out of step

    def _exchange_on_socket(self, payload: bytes, count: int) -> List[bytes]:
        sock, selector = self._socket, self._selector
        assert sock is not None and selector is not None
        pending = memoryview(payload)
        lines: List[bytes] = []
        partial = b""
        deadline = time.monotonic() + self.timeout  # for the whole exchange: bytes trickling in do not extend it
        while len(lines) < count:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0)
            selector.modify(sock, events)
            remaining = deadline - time.monotonic()
            ready = selector.select(remaining) if remaining > 0 else []
            if not ready:
                raise TenetTimeout(f"no complete answer from {self.endpoint} within {self.timeout} s")
            mask = ready[0][1]
            if mask & selectors.EVENT_WRITE and pending:
                try:
                    sent = sock.send(pending[:_IO_CHUNK])
                except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    sent = 0  # TLS: retried with the same bytes, as OpenSSL requires
                pending = pending[sent:]
            if mask & selectors.EVENT_READ:
                try:
                    chunk = sock.recv(_IO_CHUNK)
                    # TLS decrypts a record at a time: what it holds is not in select()'s view.
                    while isinstance(sock, ssl.SSLSocket) and sock.pending() and chunk:
                        chunk += sock.recv(_IO_CHUNK)
                except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue  # TLS: a record that carried no data (a session ticket), or half of one
                if not chunk:
                    raise TenetConnectionError(
                        f"{self.endpoint} closed the connection with {count - len(lines)} answer(s) outstanding"
                    )
                parts = (partial + chunk).split(b"\n")
                partial = parts.pop()
                lines.extend(parts)
        if partial or len(lines) > count:
            raise TenetConnectionError(f"{self.endpoint} sent more answers than requests")
        return lines

    def _connect_with_retries(self) -> None:
        pause = self.backoff
        for attempt in range(self.connect_attempts):
            try:
                self._open_socket()
                break
            except ssl.SSLError as failure:
                # A certificate refused, a protocol mismatch: trying again gives the same answer.
                self.close()
                assert self._tls is not None
                raise TenetConnectionError(
                    f"TLS handshake with {self.endpoint} failed: {self._tls.describe(failure)}"
                ) from failure
            except OSError as failure:
                self.close()
                if attempt + 1 == self.connect_attempts:
                    raise TenetConnectionError(
                        f"cannot connect to {self.endpoint} ({self.connect_attempts} attempts): {failure}"
                    ) from failure
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
        if self._says_hello:
            try:
                self._hello()
            except BaseException:
                self.close()
                raise

    def _open_socket(self) -> None:
        if self.endpoint.unix_path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: Any = self.endpoint.unix_path
        else:
            info = socket.getaddrinfo(self.endpoint.host, self.endpoint.port, type=socket.SOCK_STREAM)[0]
            sock = socket.socket(info[0], socket.SOCK_STREAM)
            target = info[4]
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.settimeout(self.connect_timeout)
            sock.connect(target)
            if self._tls is not None:
                # The handshake, bounded by connect_timeout like the connect.
                sock = self._tls.context.wrap_socket(sock, server_hostname=self._tls.server_name)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self._socket = sock
        self._selector = selectors.DefaultSelector()
        self._selector.register(sock, selectors.EVENT_READ)
        self._in_step = True

    def _hello(self) -> t.Hello:
        hello: Dict[str, Any] = {"op": "hello"}
        if self.token is not None:
            hello["token"] = self.token
        answer = parse_line(self._call([encode_object(hello)])[0])
        self.session = t.decode_hello(answer)
        if self.tenant is None:
            self.tenant = self.session.tenant
        return self.session
