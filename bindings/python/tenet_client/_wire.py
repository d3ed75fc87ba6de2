"""What the synchronous and asyncio clients share: addresses, request lines and
answer decoding. Kept free of sockets so both clients send and read exactly the
same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from .errors import ProtocolError, TenetConnectionError
from .types import DecisionRequest, Response, decode_response

# Compact separators: smaller lines, and the C encoder does the work.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode
decode_line = json.loads

Address = Union[str, Tuple[str, int]]


@dataclass(frozen=True)
class Endpoint:
    """Where the server listens: a Unix socket path, or host and port."""

    unix_path: Optional[str] = None
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        return self.unix_path if self.unix_path is not None else f"{self.host}:{self.port}"


def parse_address(address: Address) -> Endpoint:
    """`"host:port"`, `("host", port)`, `"unix:/path"` or a path containing `/`."""
    if isinstance(address, tuple):
        return Endpoint(host=address[0], port=int(address[1]))
    if address.startswith("unix:"):
        return Endpoint(unix_path=address[len("unix:") :])
    if "/" in address:
        return Endpoint(unix_path=address)
    host, separator, port = address.rpartition(":")
    if not separator or not port.isdigit():
        raise TenetConnectionError(f"bad address {address!r}: expected HOST:PORT or a Unix socket path")
    return Endpoint(host=host.strip("[]") or "127.0.0.1", port=int(port))


def encode_object(request: Dict[str, Any]) -> str:
    """One request object as JSON text (no newline)."""
    return _encode(request)


def encode_line(request: Dict[str, Any]) -> bytes:
    """One request object as a protocol line (UTF-8, newline-terminated)."""
    return (_encode(request) + "\n").encode()


def parse_line(line: bytes) -> Dict[str, Any]:
    """One answer line as a dict; a line that is not a JSON object is a protocol failure."""
    try:
        answer = decode_line(line)
    except ValueError as failure:
        raise ProtocolError("internal", f"the server sent a line that is not JSON: {failure}") from failure
    if not isinstance(answer, dict):
        raise ProtocolError("internal", f"the server sent a line that is not a JSON object: {line[:80]!r}")
    return answer


def request_lines(requests: List[DecisionRequest], default_tenant: Optional[str]) -> bytes:
    """Decision requests as newline-terminated protocol lines, ready to write."""
    return ("\n".join([request.encode(default_tenant) for request in requests]) + "\n").encode()


def batch_request(requests: List[DecisionRequest], default_tenant: Optional[str]) -> str:
    """One `batch` request object (no newline) holding `requests`."""
    items = ",".join([request.encode(default_tenant) for request in requests])
    return '{"op":"batch","requests":[' + items + "]}"


def batch_line(requests: List[DecisionRequest], default_tenant: Optional[str]) -> bytes:
    """One `batch` request line holding `requests`."""
    return (batch_request(requests, default_tenant) + "\n").encode()


# Request ids. The clients number every request they encode themselves and
# check that each answer echoes its request's id (docs/PROTOCOL.md: the server
# writes it first, as sent): an answer that belongs to another request, left
# behind by an interrupted call or a stream out of step, is never returned.
# The id is removed from the answer again, so equal answers stay equal bytes
# (decode_answer memoises them).


class OutOfStep(TenetConnectionError):
    """An answer that does not answer the request it was read for: the connection is closed."""


def numbered(request: str, request_id: int) -> str:
    """`request` (one JSON object, no newline) with `"id":request_id` first."""
    return '{"id":%d%s%s' % (request_id, "," if len(request) > 2 else "", request[1:])


def numbered_lines(requests: List[str], first_id: int) -> bytes:
    """Requests numbered from `first_id`, as newline-terminated lines."""
    return "".join([numbered(request, first_id + i) + "\n" for i, request in enumerate(requests)]).encode()


def answer_to(line: bytes, request_id: int) -> bytes:
    """The answer `line` without its id; raises OutOfStep unless it answers request `request_id`."""
    prefix = b'{"id":%d' % request_id
    rest = line[len(prefix) : len(prefix) + 1]
    if line.startswith(prefix) and rest in (b",", b"}"):
        return b"{" + line[len(prefix) + 1 :] if rest == b"," else b"{}"
    # Not `tenet serve`'s layout: read the id from the JSON. Only a line the
    # server could not read (bad_json, too_large) is answered without its id,
    # and such an answer is an error, never a decision.
    try:
        answer = decode_line(line)
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        echoed = answer.get("id")
        if type(echoed) is int and echoed == request_id:
            return line
        if echoed is None and isinstance(answer.get("error"), dict):
            return line
    raise OutOfStep(f"an answer out of step (expected id {request_id}): {line[:120]!r}; connection closed")


# Answers repeat (the same decision with the same reasons, over and over), and
# typed answers are immutable: the last distinct short lines are memoised per
# op, so a repeated answer costs one dict lookup instead of a JSON parse.
_MEMO_LINES = 4096
_MEMO_LINE_BYTES = 512
_memo: Dict[str, Dict[bytes, Response]] = {}


def decode_answer(op: str, line: bytes) -> Response:
    """The typed answer to decision op `op`; a refused request has `.error` set."""
    memo = _memo.get(op)
    if memo is None:
        memo = _memo.setdefault(op, {})
    answer = memo.get(line)
    if answer is not None:
        return answer
    answer = decode_response(op, parse_line(line), False)
    # Only answers without mutable parts are shared (a trace list, a filter's condition tree are not).
    if (answer.error is None and len(line) <= _MEMO_LINE_BYTES and getattr(answer, "trace", None) is None
            and op != "filter"):
        if len(memo) >= _MEMO_LINES:
            memo.clear()
        memo[line] = answer
    return answer
