"""Exceptions raised by the tenet clients.

Every failure is a `TenetError`, so one `except TenetError` catches them all. A
request the server refused is a `ProtocolError` whose `.code` is the
docs/PROTOCOL.md error code; the common codes have their own subclasses so callers
can catch, for instance, `Forbidden` without comparing strings. A broken or
unreachable connection is a `TenetConnectionError`; the client reconnects on
the next call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple, Type


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a policy unit, as `tenet check` prints it (FILE:LINE:COL: severity: message).

    `severity` is "error" or "warning"; `code` the check's code ("unknown-role", ...).
    """

    file: str
    line: int
    column: int
    severity: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


def decode_diagnostics(value: Any) -> Tuple[Diagnostic, ...]:
    """The structured `diagnostics` array of a put_policy/rollback answer (anything else: none)."""
    if not isinstance(value, list):
        return ()
    return tuple(
        Diagnostic(
            file=str(item.get("file", "")),
            line=int(item.get("line", 0)),
            column=int(item.get("column", 0)),
            severity=str(item.get("severity", "")),
            code=str(item.get("code", "")),
            message=str(item.get("message", "")),
        )
        for item in value
        if isinstance(item, dict)
    )


class TenetError(Exception):
    """Base class of every error the tenet clients raise."""


class TenetConnectionError(TenetError, ConnectionError):
    """The server could not be reached, or the connection broke.

    Also a built-in `ConnectionError`, so generic network handling catches it.
    Requests that were in flight on a broken connection get this error: their
    answers are lost, and the caller decides whether to send them again.
    """


class TenetTimeout(TenetConnectionError, TimeoutError):
    """No answer within the client's timeout. The connection is closed."""


class ProtocolError(TenetError):
    """The server answered a request with an `error` object.

    `code` is one of docs/PROTOCOL.md's codes (`bad_json`, `bad_request`,
    `invalid_request`, `unauthenticated`, `forbidden`, `too_large`,
    `unknown_op`, `overloaded`, `internal`); `message` is the server's text;
    `response` is the whole decoded response line. `diagnostics` holds the
    structured diagnostics of a refused `put_policy`/`rollback` (`Diagnostic`
    objects); `diagnostics_text` the rendered diagnostics of a refused `reload`.
    """

    code: str = ""
    diagnostics: Tuple[Diagnostic, ...] = ()
    diagnostics_text: str = ""

    def __init__(self, code: str, message: str, response: Optional[Dict[str, Any]] = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.response = response if response is not None else {}
        found = self.response.get("diagnostics")
        self.diagnostics = decode_diagnostics(found)
        self.diagnostics_text = found if isinstance(found, str) else ""


class BadJson(ProtocolError):
    """`bad_json`: the request line was not valid JSON."""


class BadRequest(ProtocolError):
    """`bad_request`: a protocol field is missing or has the wrong type."""


class InvalidRequest(ProtocolError):
    """`invalid_request`: an attribute does not fit the schema, the action is not declared for
    the resource type in the tenant, or a reload failed."""


class InvalidPolicy(ProtocolError):
    """`invalid_policy`: a put_policy/rollback unit does not compile or is out of its scope;
    nothing changed. `.diagnostics` says where."""


class Unauthenticated(ProtocolError):
    """`unauthenticated`: the server wants `hello` with a valid token first."""


class Forbidden(ProtocolError):
    """`forbidden`: the session's token does not allow this tenant or op."""


class TooLarge(ProtocolError):
    """`too_large`: the request line exceeds the server's limit (connection closed)."""


class UnknownOp(ProtocolError):
    """`unknown_op`: the server does not know the op."""


class Overloaded(ProtocolError):
    """`overloaded`: the server sheds load; retry later."""


class InternalError(ProtocolError):
    """`internal`: the server failed unexpectedly while answering."""


class Unavailable(ProtocolError):
    """`unavailable`: a replica of the fleet's store cannot reach the store for this write
    (put_policy, rollback, set_feature) or history; nothing changed. Retry later or on
    another replica; decisions go on (docs/FLEET.md)."""


_BY_CODE: Dict[str, Type[ProtocolError]] = {
    "bad_json": BadJson,
    "bad_request": BadRequest,
    "invalid_request": InvalidRequest,
    "invalid_policy": InvalidPolicy,
    "unauthenticated": Unauthenticated,
    "forbidden": Forbidden,
    "too_large": TooLarge,
    "unknown_op": UnknownOp,
    "overloaded": Overloaded,
    "internal": InternalError,
    "unavailable": Unavailable,
}


def protocol_error(error: Any, response: Dict[str, Any]) -> ProtocolError:
    """The exception for a response's `error` member (unknown codes stay `ProtocolError`)."""
    if isinstance(error, dict):
        code = str(error.get("code", "internal"))
        message = str(error.get("message", ""))
    else:
        code, message = "internal", f"malformed error member: {error!r}"
    return _BY_CODE.get(code, ProtocolError)(code, message, response)
