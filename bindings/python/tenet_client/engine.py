"""The tenet engine in process: `libtenet.so` (the C ABI, tenet.h) through ctypes.

    with Engine("policies/", tenant="acme") as tenet:
        if tenet.check(alice, "read", document):
            ...

Same methods, arguments, answers and exceptions as `Client` (check,
transition, subscribe, plans, features, lifecycle, pipeline/check_many,
batch, request, health, reload, set_feature), without a server: the policy
directory is compiled in this process and every call is a C function call.
What only a server does (tokens, `hello`, `stats`, persisted feature
switches) is not here.

The library is found through, in order: the `library` argument, the
`TENET_LIBRARY` environment variable, the build directories of the source
tree this package sits in (`build/libtenet.so` ...), then the system loader
(`libtenet.so.0`). If none loads, `LibraryNotFound` says where it looked.

Thread-safety: an Engine may be shared by many threads (the C engine is
thread-safe; each thread keeps its own response buffer). `reload` and
`set_feature` may run while other threads decide. `close` may too: it waits
for the calls already inside the library to return, then frees the engine;
every later call raises `EngineError` ("the engine is closed").
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from . import types as t
from ._decisions import DecisionCalls
from .errors import InvalidRequest, TenetError

# tenet_status values (tenet.h).
_OK = 0
_IO_ERROR = 2
_POLICY_ERROR = 3
_NOT_FOUND = 4
_BUFFER_TOO_SMALL = 5

_INITIAL_BUFFER = 64 * 1024


class EngineError(TenetError):
    """The C engine failed: `status` is the tenet_status name (e.g. "TENET_IO_ERROR")."""

    def __init__(self, status: str, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class LibraryNotFound(TenetError, OSError):
    """libtenet.so could not be loaded from any of the places tried."""


def _candidates(explicit: Optional[Union[str, os.PathLike]]) -> List[str]:
    if explicit:
        return [os.fspath(explicit)]
    from_env = os.environ.get("TENET_LIBRARY")
    if from_env:
        return [from_env]
    # bindings/python/tenet_client/engine.py → the repository root.
    root = Path(__file__).resolve().parents[3]
    found = [str(root / "build" / "libtenet.so")]
    found += sorted(str(p) for p in root.glob("build-*/libtenet.so"))
    return found + ["libtenet.so.0"]


def _load(explicit: Optional[Union[str, os.PathLike]]) -> ctypes.CDLL:
    tried = []
    for candidate in _candidates(explicit):
        if os.sep in candidate and not os.path.exists(candidate):
            tried.append(f"{candidate} (no such file)")
            continue
        try:
            return _declare(ctypes.CDLL(candidate))
        except OSError as error:
            tried.append(f"{candidate} ({error})")
    raise LibraryNotFound(
        "cannot load libtenet.so; build it (ninja -C build tenet_c) or set TENET_LIBRARY. Tried: " + "; ".join(tried)
    )


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    """The C signatures, so ctypes converts (and checks) every argument."""
    handle = ctypes.c_void_p
    out_handle = ctypes.POINTER(ctypes.c_void_p)
    size = ctypes.c_size_t
    lib.tenet_engine_open.argtypes = [ctypes.c_char_p, out_handle, out_handle]
    lib.tenet_engine_open.restype = ctypes.c_int
    lib.tenet_engine_call_into.argtypes = [
        handle, ctypes.c_char_p, size, ctypes.POINTER(ctypes.c_char), size, ctypes.POINTER(size), out_handle,
    ]
    lib.tenet_engine_call_into.restype = ctypes.c_int
    lib.tenet_engine_reload.argtypes = [handle, out_handle]
    lib.tenet_engine_reload.restype = ctypes.c_int
    lib.tenet_engine_set_feature.argtypes = [handle, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, out_handle]
    lib.tenet_engine_set_feature.restype = ctypes.c_int
    lib.tenet_engine_close.argtypes = [handle]
    lib.tenet_engine_close.restype = None
    lib.tenet_error_message.argtypes = [handle]
    lib.tenet_error_message.restype = ctypes.c_char_p
    lib.tenet_error_free.argtypes = [handle]
    lib.tenet_error_free.restype = None
    lib.tenet_status_name.argtypes = [ctypes.c_int]
    lib.tenet_status_name.restype = ctypes.c_char_p
    lib.tenet_version.argtypes = []
    lib.tenet_version.restype = ctypes.c_char_p
    return lib


class Engine(DecisionCalls):
    """An in-process engine on a policy directory (see the module docstring).

    directory: the policy directory (every *.tenet below it).
    tenant:    default tenant for requests that name none, as in `Client`.
    library:   path of libtenet.so (default: see the module docstring).

    Raises `EngineError` when the directory cannot be read or the policies
    have errors (the message holds the diagnostics), `LibraryNotFound` when
    libtenet.so cannot be loaded.
    """

    def __init__(
        self,
        directory: Union[str, os.PathLike],
        *,
        tenant: Optional[str] = None,
        library: Optional[Union[str, os.PathLike]] = None,
    ) -> None:
        self.tenant = tenant
        self._lib = _load(library)
        self._local = threading.local()
        self._policy_version = 1
        self._handle = ctypes.c_void_p()
        # Calls inside the C library right now, counted under _gate: close()
        # frees the engine only when none is, and no call starts after it.
        self._gate = threading.Condition(threading.Lock())
        self._calls = 0
        error = ctypes.c_void_p()
        status = self._lib.tenet_engine_open(os.fsencode(directory), ctypes.byref(self._handle), ctypes.byref(error))
        if status != _OK:
            raise self._error(status, error, opening=True)

    @property
    def version(self) -> str:
        """The version of libtenet.so."""
        return self._lib.tenet_version().decode()

    # ------------------------------------------------------------ lifetime

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        """Frees the engine once the calls in progress (other threads') have returned; later calls raise."""
        gate = getattr(self, "_gate", None)
        if gate is None:  # __init__ failed before the engine existed
            return
        with gate:
            handle, self._handle = self._handle, ctypes.c_void_p()  # no call starts from here on
            while self._calls:
                gate.wait()
            if handle:
                self._lib.tenet_engine_close(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    # ---------------------------------------------------- decision requests
    # check, transition, subscribe, plans, features, lifecycle: DecisionCalls

    def pipeline(self, requests: Iterable[t.DecisionRequest]) -> List[t.Response]:
        """The answers to every request, in order; a refused item has `.error` set (as in `Client`)."""
        return [
            t.decode_response(request.op, self._call(_encode_bytes(request.to_wire(self.tenant))), False)
            for request in requests
        ]

    check_many = pipeline

    def batch(self, requests: Iterable[t.DecisionRequest]) -> List[t.Response]:
        """One `batch` request (at most 1024 items); answers as in `pipeline`."""
        requests = list(requests)
        wire = {"op": "batch", "requests": [request.to_wire(self.tenant) for request in requests]}
        return t.decode_batch([request.op for request in requests], self.request(wire))

    # ------------------------------------------------------ administration

    def health(self) -> t.Health:
        """Always ok; `policy_version` counts this engine's successful reloads from 1."""
        self._enter()
        self._leave()
        return t.Health(ok=True, policy_version=self._policy_version)

    def reload(self) -> t.Reload:
        """Recompiles the directory and swaps it in; on errors raises InvalidRequest and the old set stays."""
        error = ctypes.c_void_p()
        handle = self._enter()
        try:
            status = self._lib.tenet_engine_reload(handle, ctypes.byref(error))
        finally:
            self._leave()
        if status != _OK:
            raise self._error(status, error)
        self._policy_version += 1
        return t.Reload(policy_version=self._policy_version)

    def set_feature(self, feature: str, state: str, *, tenant: Optional[str] = None) -> t.FeatureSwitched:
        """Switches `feature` of `tenant` "on", "off" or back to its "default" (in this process only)."""
        tenant = tenant or self.tenant
        if not tenant:
            raise ValueError("no tenant: pass tenant= to the call or to the engine")
        error = ctypes.c_void_p()
        handle = self._enter()
        try:
            status = self._lib.tenet_engine_set_feature(
                handle, tenant.encode(), feature.encode(), state.encode(), ctypes.byref(error)
            )
        finally:
            self._leave()
        if status != _OK:
            raise self._error(status, error)
        return t.FeatureSwitched(tenant, feature, state)

    # ------------------------------------------------------------ raw JSON

    def request(self, wire: Mapping[str, Any]) -> Dict[str, Any]:
        """Any decision request object as is; the decoded answer, errors included."""
        return self._call(_encode_bytes(dict(wire)))

    def send_line(self, line: bytes) -> Dict[str, Any]:
        """Raw bytes as one request line; the decoded answer."""
        return self._call(line.rstrip(b"\n"))

    def call_json(self, line: Union[str, bytes]) -> str:
        """One request line in, its response line out, undecoded (the C call as is)."""
        return self._call_raw(line.encode() if isinstance(line, str) else line).decode()

    # ------------------------------------------------------------ internals

    def _enter(self) -> ctypes.c_void_p:
        """The engine handle for one call into the library; pair with _leave()."""
        with self._gate:
            if not self._handle:
                raise EngineError("TENET_INVALID_ARGUMENT", "the engine is closed")
            self._calls += 1
            return self._handle

    def _leave(self) -> None:
        with self._gate:
            self._calls -= 1
            if not self._calls and not self._handle:
                self._gate.notify_all()  # close() waits for the last call

    def _decide(self, request: t.DecisionRequest) -> Any:
        return t.decode_response(request.op, self._call(_encode_bytes(request.to_wire(self.tenant))), True)

    def _call(self, line: bytes) -> Dict[str, Any]:
        return json.loads(self._call_raw(line))

    def _call_raw(self, line: bytes) -> bytes:
        # A per-thread buffer, grown when a response does not fit: the C call
        # then allocates nothing, and only the response bytes are copied.
        local = self._local
        buffer = getattr(local, "buffer", None)
        if buffer is None:
            buffer = local.buffer = ctypes.create_string_buffer(_INITIAL_BUFFER)
            local.written = ctypes.c_size_t()
        written = local.written
        handle = self._enter()
        try:
            status = self._lib.tenet_engine_call_into(
                handle, line, len(line), buffer, len(buffer), ctypes.byref(written), None
            )
            if status == _BUFFER_TOO_SMALL:
                buffer = local.buffer = ctypes.create_string_buffer(written.value + 1)
                status = self._lib.tenet_engine_call_into(
                    handle, line, len(line), buffer, len(buffer), ctypes.byref(written), None
                )
        finally:
            self._leave()
        if status != _OK:
            raise EngineError(self._lib.tenet_status_name(status).decode(), "tenet_engine_call_into failed")
        return ctypes.string_at(buffer, written.value)

    def _error(self, status: int, error: ctypes.c_void_p, opening: bool = False) -> TenetError:
        """The exception for a failed call; frees the C error."""
        message = self._lib.tenet_error_message(error).decode(errors="replace") if error else ""
        if error:
            self._lib.tenet_error_free(error)
        name = self._lib.tenet_status_name(status).decode()
        if status in (_POLICY_ERROR, _NOT_FOUND) and not opening:
            # What a server answers for a failed reload or an unknown feature.
            return InvalidRequest("invalid_request", message)
        return EngineError(name, message)


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def _encode_bytes(request: Dict[str, Any]) -> bytes:
    return _encode(request).encode()
