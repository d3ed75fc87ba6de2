"""tenet_client: ask a tenet decision server (or an embedded engine) from Python.

- `Client`: synchronous, one connection, pipelined (`check_many`), reconnecting.
- `AsyncClient`: asyncio, many concurrent requests on one connection.
- `Engine`: the engine in-process through `libtenet.so` (ctypes); imported on
  first use, so the remote clients work without the shared library.

Standard library only; Python >= 3.9. The wire contract is docs/PROTOCOL.md.
"""

from typing import Any

from .async_client import AsyncClient
from .client import Client
from ._tls import TlsOptions
from .errors import (
    BadJson,
    Diagnostic,
    BadRequest,
    Forbidden,
    InternalError,
    Unavailable,
    InvalidPolicy,
    InvalidRequest,
    Overloaded,
    ProtocolError,
    TenetConnectionError,
    TenetError,
    TenetTimeout,
    TooLarge,
    Unauthenticated,
    UnknownOp,
)
from .types import (
    CheckRequest,
    Decision,
    FeatureSwitched,
    Features,
    FeaturesRequest,
    Filter,
    FilterRequest,
    Health,
    Hello,
    LifecycleRequest,
    Plans,
    PlansRequest,
    Policy,
    PolicyChanges,
    PolicyHistory,
    PolicyPut,
    PolicyRevision,
    Principal,
    Reload,
    Resource,
    RuleError,
    Stats,
    SubscribeRequest,
    TransitionRequest,
    UnitOutcome,
)

__version__ = "0.1.0"

__all__ = [
    "AsyncClient", "Client", "Engine", "TlsOptions",
    "BadJson", "BadRequest", "Diagnostic", "Forbidden", "InternalError", "InvalidPolicy", "InvalidRequest", "Overloaded", "ProtocolError",
    "TenetConnectionError", "TenetError", "TenetTimeout", "TooLarge", "Unauthenticated", "UnknownOp", "Unavailable",
    "CheckRequest", "Decision", "FeatureSwitched", "Features", "FeaturesRequest", "Filter", "FilterRequest",
    "Health", "Hello",
    "LifecycleRequest", "Plans", "PlansRequest", "Policy", "PolicyChanges", "PolicyHistory", "PolicyPut",
    "PolicyRevision", "Principal", "Reload", "Resource", "RuleError", "Stats",
    "SubscribeRequest", "TransitionRequest", "UnitOutcome",
]


def __getattr__(name: str) -> Any:
    # `Engine` loads libtenet.so through ctypes: import it only when asked for.
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(f"module 'tenet_client' has no attribute {name!r}")
