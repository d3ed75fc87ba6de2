"""The asyncio tenet client: many concurrent requests on one connection.

    async with AsyncClient("127.0.0.1:7070", token=TOKEN) as tenet:
        decisions = await asyncio.gather(*(tenet.check(p, "read", r) for p, r in pairs))

Design: every request appends its line to an output buffer that is flushed
once per event-loop turn (so a burst of concurrent calls costs one write), and
a future to a queue. The server answers in request order (docs/PROTOCOL.md), so
each line read resolves the oldest future, and every request the client
encodes carries an id its answer must echo (an answer out of step closes the
connection and fails the requests in flight: a call never returns another
request's answer). A caller that stops waiting (cancellation, `wait_for`)
keeps its place in the queue and its answer is dropped when it arrives, so
the requests behind it still get their own. One timer per connection watches the oldest request:
when it has waited `timeout` seconds the connection is closed and every
request in flight fails with `TenetTimeout`. When the connection breaks,
requests in flight fail with `TenetConnectionError` and the next call
reconnects (bounded attempts with growing pauses) and sends `hello` again.

Not thread-safe: use an AsyncClient from the event loop that created it.
"""

from __future__ import annotations

import asyncio
import collections
import socket
import ssl
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Tuple

from . import types as t
from ._wire import (
    Address, Endpoint, OutOfStep, answer_to, batch_request, decode_answer, encode_line, encode_object, numbered,
    parse_address, parse_line,
)
from ._tls import Tls, TlsSetup
from .errors import TenetConnectionError, TenetTimeout


class _Connection(asyncio.Protocol):
    """One socket: the write buffer, the queue of waiting requests, the watchdog."""

    def __init__(self, endpoint: Endpoint, timeout: float, max_in_flight: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.endpoint = endpoint
        self.timeout = timeout
        self.transport: Optional[asyncio.Transport] = None
        # (future, time sent, the id its answer must echo or None for a raw line)
        self.waiting: Deque[Tuple[asyncio.Future, float, Optional[int]]] = collections.deque()
        self.next_id = 1
        self.output: List[bytes] = []
        self.flush_scheduled = False
        self.partial = b""
        self.lost: Optional[TenetConnectionError] = None
        self.watchdog: Optional[asyncio.TimerHandle] = None
        self.slots = asyncio.Semaphore(max_in_flight)
        self.writable = asyncio.Event()
        self.writable.set()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        parts = (self.partial + data).split(b"\n") if self.partial else data.split(b"\n")
        self.partial = parts.pop()
        waiting = self.waiting
        for line in parts:
            if not waiting:
                self.fail(TenetConnectionError(f"{self.endpoint} sent more answers than requests"))
                return
            future, _, request_id = waiting.popleft()
            self.slots.release()
            if request_id is not None:
                try:
                    line = answer_to(line, request_id)
                except OutOfStep as out_of_step:
                    if not future.done():
                        future.set_exception(out_of_step)
                    self.fail(out_of_step)
                    return
            if not future.done():
                future.set_result(line)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        reason = f": {exc}" if exc else ""
        self.fail(TenetConnectionError(f"connection to {self.endpoint} lost{reason}"))

    def pause_writing(self) -> None:
        self.writable.clear()

    def resume_writing(self) -> None:
        self.writable.set()

    # Used by AsyncClient
    async def send(self, requests: List[str]) -> List[asyncio.Future]:
        """Queues `requests` (JSON objects), numbered, and returns one future per answer line (id removed)."""
        return await self._queue([None] * len(requests), requests)

    async def send_raw(self, lines: List[bytes]) -> List[asyncio.Future]:
        """Queues raw request lines (with their newline) as they are; one future per answer line."""
        return await self._queue(lines, None)

    async def _queue(self, lines: List[Optional[bytes]], requests: Optional[List[str]]) -> List[asyncio.Future]:
        if not self.writable.is_set():
            await self.writable.wait()
        futures = []
        for index, line in enumerate(lines):
            await self.slots.acquire()
            if self.lost is not None:
                self.slots.release()
                raise self.lost
            request_id = None
            if requests is not None:
                request_id = self.next_id
                self.next_id += 1
                line = (numbered(requests[index], request_id) + "\n").encode()
            future = self.loop.create_future()
            self.waiting.append((future, self.loop.time(), request_id))
            self.output.append(line)
            futures.append(future)
        if not self.flush_scheduled:
            self.flush_scheduled = True
            self.loop.call_soon(self.flush)
        if self.watchdog is None:
            self.watchdog = self.loop.call_later(self.timeout, self.check_oldest)
        return futures

    def flush(self) -> None:
        self.flush_scheduled = False
        if self.output and self.transport is not None and self.lost is None:
            self.transport.write(b"".join(self.output))
        self.output.clear()

    def check_oldest(self) -> None:
        self.watchdog = None
        if not self.waiting or self.lost is not None:
            return
        age = self.loop.time() - self.waiting[0][1]
        if age >= self.timeout:
            self.fail(TenetTimeout(f"no answer from {self.endpoint} within {self.timeout} s"))
            return
        self.watchdog = self.loop.call_later(self.timeout - age, self.check_oldest)

    def fail(self, error: TenetConnectionError) -> None:
        if self.lost is None:
            self.lost = error
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        while self.waiting:
            future, _, _ = self.waiting.popleft()
            self.slots.release()
            if not future.done():
                future.set_exception(self.lost)
        self.writable.set()
        if self.transport is not None:
            self.transport.close()


class AsyncClient:
    """asyncio counterpart of `Client`; same constructor arguments, plus
    `max_in_flight` (requests sent but not yet answered on the connection);
    `tls=` as for `Client` (asyncio's TLS transport)."""

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
        max_in_flight: int = 4096,
        tls: Tls = None,
    ) -> None:
        self.endpoint = parse_address(address)
        self._tls: Optional[TlsSetup] = TlsSetup(tls, self.endpoint) if tls else None
        self.token = token
        self.tenant = tenant
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.connect_attempts = max(1, connect_attempts)
        self.backoff = backoff
        self.max_in_flight = max(1, max_in_flight)
        self.session: Optional[t.Hello] = None
        self._connection: Optional[_Connection] = None
        self._connecting: Optional["asyncio.Future[_Connection]"] = None

    # ------------------------------------------------------------ lifetime

    async def __aenter__(self) -> "AsyncClient":
        await self.connect()
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._connection is not None and self._connection.lost is None

    async def connect(self) -> None:
        await self._ensure_connection()

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.fail(TenetConnectionError("the client was closed"))

    # ---------------------------------------------------- decision requests

    async def check(
        self, principal: t.PrincipalLike, action: str, resource: t.ResourceLike, *,
        tenant: Optional[str] = None, context: Optional[Mapping[str, Any]] = None, explain: bool = False,
    ) -> t.Decision:
        return await self._decide(t.CheckRequest(principal, action, resource, tenant, context, explain))

    async def transition(
        self, principal: t.PrincipalLike, to: str, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Decision:
        return await self._decide(t.TransitionRequest(principal, to, tenant, context))

    async def subscribe(
        self, principal: t.PrincipalLike, plan: str, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Decision:
        return await self._decide(t.SubscribeRequest(principal, plan, tenant, context))

    async def plans(
        self, principal: t.PrincipalLike, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Plans:
        return await self._decide(t.PlansRequest(principal, tenant, context))

    async def features(
        self, principal: t.PrincipalLike, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Features:
        return await self._decide(t.FeaturesRequest(principal, tenant, context))

    async def lifecycle(
        self, principal: t.PrincipalLike, resource: t.ResourceLike, to: str, *,
        tenant: Optional[str] = None, context: Optional[Mapping[str, Any]] = None,
    ) -> t.Decision:
        return await self._decide(t.LifecycleRequest(principal, resource, to, tenant, context))

    async def filter(
        self, principal: t.PrincipalLike, action: str, resource_type: str, *,
        tenant: Optional[str] = None, context: Optional[Mapping[str, Any]] = None,
    ) -> t.Filter:
        """The rows of `resource_type` `principal` may `action`: a `Filter` (kind, sql, params, condition)."""
        return await self._decide(t.FilterRequest(principal, action, resource_type, tenant, context))

    async def pipeline(self, requests: Iterable[t.DecisionRequest]) -> List[t.Response]:
        """All requests in one write; answers in order, refused items with `.error` set."""
        requests = list(requests)
        if not requests:
            return []
        connection = await self._ensure_connection()
        tenant = self.tenant
        futures = await connection.send([request.encode(tenant) for request in requests])
        lines = await asyncio.gather(*futures)
        return [decode_answer(request.op, line) for request, line in zip(requests, lines)]

    check_many = pipeline

    async def batch(self, requests: Iterable[t.DecisionRequest]) -> List[t.Response]:
        requests = list(requests)
        await self._ensure_connection()  # first: `hello` may name the tenant
        answer = await self._send_one(await self._ensure_connection(), batch_request(requests, self.tenant))
        return t.decode_batch([request.op for request in requests], answer)

    # ------------------------------------------- session and administration

    async def hello(self, token: str) -> t.Hello:
        self.token = token
        if self._connection is None or self._connection.lost is not None:
            await self._ensure_connection()
            assert self.session is not None
            return self.session
        return await self._hello(self._connection)

    async def health(self) -> t.Health:
        return t.decode_health(await self.request({"op": "health"}))

    async def stats(self) -> t.Stats:
        return t.decode_stats(await self.request({"op": "stats"}))

    async def reload(self, *, allow_removal: bool = False) -> t.Reload:
        """See Client.reload."""
        return t.decode_reload(await self.request({"op": "reload", "allow_removal": allow_removal}))

    async def set_feature(self, feature: str, state: str, *, tenant: Optional[str] = None) -> t.FeatureSwitched:
        await self._ensure_connection()  # first: `hello` may name the tenant
        tenant = tenant or self.tenant
        if not tenant:
            raise ValueError("no tenant: pass tenant= to the call or to the client")
        t.raise_if_error(
            await self.request({"op": "set_feature", "tenant": tenant, "feature": feature, "state": state})
        )
        return t.FeatureSwitched(tenant, feature, state)

    # ------------------------------------------------- partner policy units

    async def put_policy(self, source: str, *, tenant: Optional[str] = None, dry_run: bool = False) -> t.PolicyPut:
        """Replaces the tenant's policy unit with `source` (the whole unit text): a new revision,
        served by every request after the answer. `dry_run` checks it and says what would change.
        Refused: InvalidPolicy (`.diagnostics`), TooLarge, Forbidden; nothing changes then."""
        await self._ensure_connection()  # first: `hello` may name the tenant
        return t.decode_policy_put(
            await self.request(t.policy_request("put_policy", tenant or self.tenant, source=source, dry_run=dry_run)))

    async def get_policy(self, *, tenant: Optional[str] = None) -> t.Policy:
        """The tenant's unit served now: its source, revision, path and hash."""
        await self._ensure_connection()  # first: `hello` may name the tenant
        return t.decode_policy(await self.request(t.policy_request("get_policy", tenant or self.tenant)))

    async def policy_history(self, *, tenant: Optional[str] = None) -> t.PolicyHistory:
        """The kept revisions of the tenant's unit, newest first."""
        await self._ensure_connection()  # first: `hello` may name the tenant
        return t.decode_policy_history(await self.request(t.policy_request("policy_history", tenant or self.tenant)))

    async def rollback(self, revision: int, *, tenant: Optional[str] = None) -> t.PolicyPut:
        """Serves the source of `revision` again, as a new revision (InvalidRequest if not kept)."""
        await self._ensure_connection()  # first: `hello` may name the tenant
        return t.decode_policy_put(
            await self.request(t.policy_request("rollback", tenant or self.tenant, revision=revision)))

    async def request(self, wire: Mapping[str, Any]) -> Dict[str, Any]:
        """Sends any protocol object; returns the decoded answer, errors included.

        Without an "id" the client numbers the request (and checks the answer's);
        an "id" of the caller's is sent as is and echoed back.
        """
        connection = await self._ensure_connection()
        if "id" in wire:
            (future,) = await connection.send_raw([encode_line(dict(wire))])
            return parse_line(await future)
        return await self._send_one(connection, encode_object(dict(wire)))

    async def send_line(self, line: bytes) -> Dict[str, Any]:
        """Sends raw bytes as one request line (for tests and tools)."""
        (future,) = await (await self._ensure_connection()).send_raw([line.rstrip(b"\n") + b"\n"])
        return parse_line(await future)

    # ------------------------------------------------------------ internals

    async def _decide(self, request: t.DecisionRequest) -> Any:
        connection = await self._ensure_connection()  # first: `hello` may name the tenant
        (future,) = await connection.send([request.encode(self.tenant)])
        answer = decode_answer(request.op, await future)
        if answer.error is not None:
            raise answer.error
        return answer

    async def _send_one(self, connection: _Connection, request: str) -> Dict[str, Any]:
        (future,) = await connection.send([request])
        return parse_line(await future)

    async def _ensure_connection(self) -> _Connection:
        connection = self._connection
        if connection is not None and connection.lost is None:
            return connection
        # One connection attempt at a time, shared: every request that needs a
        # connection meanwhile waits for it and gets its result or its error
        # (each retrying on its own would multiply the pauses). The shield keeps
        # a cancelled waiter from cancelling the attempt the others wait for.
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._open_connection())
            self._connecting.add_done_callback(self._connecting_done)
        return await asyncio.shield(self._connecting)

    def _connecting_done(self, attempt: "asyncio.Future[_Connection]") -> None:
        self._connecting = None
        if not attempt.cancelled():
            attempt.exception()  # retrieved here, so asyncio does not warn when nobody waited

    async def _open_connection(self) -> _Connection:
        self._connection = None
        connection = await self._connect_with_retries()
        # A token, or a client certificate (the server binds the session to its tenant).
        if self.token is not None or (self._tls is not None and self._tls.client_certificate):
            try:
                await self._hello(connection)
            except BaseException:
                connection.fail(TenetConnectionError("hello failed"))
                raise
        self._connection = connection
        return connection

    async def _connect_with_retries(self) -> _Connection:
        loop = asyncio.get_running_loop()
        pause = self.backoff
        for attempt in range(self.connect_attempts):
            try:
                factory = lambda: _Connection(self.endpoint, self.timeout, self.max_in_flight)  # noqa: E731
                if self.endpoint.unix_path is not None:
                    opening = loop.create_unix_connection(factory, self.endpoint.unix_path)
                elif self._tls is not None:
                    opening = loop.create_connection(
                        factory, self.endpoint.host, self.endpoint.port, ssl=self._tls.context,
                        server_hostname=self._tls.server_name, ssl_handshake_timeout=self.connect_timeout)
                else:
                    opening = loop.create_connection(factory, self.endpoint.host, self.endpoint.port)
                transport, connection = await asyncio.wait_for(opening, self.connect_timeout)
                sock = transport.get_extra_info("socket")
                if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return connection
            except ssl.SSLError as failure:
                # A certificate refused, a protocol mismatch: trying again gives the same answer.
                assert self._tls is not None
                raise TenetConnectionError(
                    f"TLS handshake with {self.endpoint} failed: {self._tls.describe(failure)}"
                ) from failure
            except (OSError, asyncio.TimeoutError) as failure:
                if attempt + 1 == self.connect_attempts:
                    raise TenetConnectionError(
                        f"cannot connect to {self.endpoint} ({self.connect_attempts} attempts): {failure!r}"
                    ) from failure
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
        raise AssertionError("unreachable")

    async def _hello(self, connection: _Connection) -> t.Hello:
        hello: Dict[str, Any] = {"op": "hello"}
        if self.token is not None:
            hello["token"] = self.token
        self.session = t.decode_hello(await self._send_one(connection, encode_object(hello)))
        if self.tenant is None:
            self.tenant = self.session.tenant
        return self.session
