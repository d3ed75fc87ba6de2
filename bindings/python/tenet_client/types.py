"""Requests and responses of the tenet decision protocol, as dataclasses.

The request classes (`CheckRequest`, `TransitionRequest`, ...) are what
`Client.check_many`, `Client.pipeline` and `Client.batch` take; the keyword
methods (`Client.check(...)`) build the same objects. `encode` turns one into
the JSON object of docs/PROTOCOL.md (`to_wire`: the same as a dict). A request's `tenant` may be left out: the
client then uses its own tenant (given to the constructor, or the one the
server bound the token to), and a `Resource` without a tenant gets the
request's, so one tenant name cannot silently differ between the two.

A `Decision` is falsy unless the server allowed the request, so
`if client.check(...):` reads as it should, and an answer that carries an error
(possible only inside `batch`/`pipeline` results; single calls raise) is a deny.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from .errors import Diagnostic, ProtocolError, decode_diagnostics, protocol_error

Json = Dict[str, Any]


# Encoding is on the hot path of every request: principals and resources are
# encoded once, when they are made (their attributes are captured then), and a
# request line is a few string concatenations around those pieces.
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


@functools.lru_cache(maxsize=1024)
def _quoted(name: str) -> str:
    """A name (tenant, action, role...) as a JSON string; names repeat, so memoised."""
    return _dumps(name)


@dataclass(frozen=True)
class Principal:
    """Who asks: an id, a role of the tenant, and schema attributes.

    Immutable: the attributes are encoded when the Principal is made, so
    changing the `attrs` mapping afterwards does not change what is sent.
    """

    id: str
    role: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    _json: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        wire: Json = {"id": self.id, "role": self.role}
        if self.attrs:
            wire["attrs"] = dict(self.attrs)
        object.__setattr__(self, "_json", _dumps(wire))

    def to_wire(self) -> Json:
        return json.loads(self._json)


@dataclass(frozen=True)
class Resource:
    """What is asked about. `tenant` defaults to the request's tenant.

    Immutable like `Principal`: encoded when made.
    """

    type: str
    id: str
    tenant: Optional[str] = None
    state: Optional[str] = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    _head: str = field(init=False, repr=False, compare=False, default="")
    _tail: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        rest: Json = {}
        if self.state is not None:
            rest["state"] = self.state
        if self.attrs:
            rest["attrs"] = dict(self.attrs)
        object.__setattr__(self, "_head", '{"type":' + _dumps(self.type) + ',"id":' + _dumps(self.id) + ',"tenant":')
        object.__setattr__(self, "_tail", ("," + _dumps(rest)[1:]) if rest else "}")

    def encode(self, quoted_default_tenant: str) -> str:
        tenant = _quoted(self.tenant) if self.tenant else quoted_default_tenant
        return self._head + tenant + self._tail

    def to_wire(self, default_tenant: Optional[str]) -> Json:
        return json.loads(self.encode(_quoted(default_tenant or "")))


PrincipalLike = Union[Principal, Mapping[str, Any]]
ResourceLike = Union[Resource, Mapping[str, Any]]


def _principal_json(principal: PrincipalLike) -> str:
    return principal._json if isinstance(principal, Principal) else _dumps(dict(principal))


def _resource_json(resource: ResourceLike, quoted_tenant: str) -> str:
    if isinstance(resource, Resource):
        return resource.encode(quoted_tenant)
    if "tenant" in resource:
        return _dumps(dict(resource))
    return _dumps({**resource, "tenant": json.loads(quoted_tenant)})


def _tenant(request_tenant: Optional[str], default_tenant: Optional[str]) -> str:
    tenant = request_tenant or default_tenant
    if not tenant:
        raise ValueError("no tenant: pass tenant= to the call or to the client")
    return tenant


@dataclass
class _DecisionRequest:
    op: ClassVar[str] = ""

    def encode(self, default_tenant: Optional[str] = None) -> str:
        """The request as one JSON object (no newline); `default_tenant` when it names none."""
        quoted = _quoted(_tenant(self.tenant, default_tenant))  # type: ignore[attr-defined]
        parts = ['{"op":"', self.op, '","tenant":', quoted, ',"principal":',
                 _principal_json(self.principal)]  # type: ignore[attr-defined]
        self._encode_fields(parts, quoted)
        context = self.context  # type: ignore[attr-defined]
        if context:
            parts += (',"context":', _dumps(dict(context)))
        parts.append("}")
        return "".join(parts)

    def to_wire(self, default_tenant: Optional[str] = None) -> Json:
        """The request as a JSON object (a dict)."""
        return json.loads(self.encode(default_tenant))

    def _encode_fields(self, parts: List[str], quoted_tenant: str) -> None:
        pass


@dataclass
class CheckRequest(_DecisionRequest):
    """May `principal` do `action` on `resource`?"""

    op: ClassVar[str] = "check"
    principal: PrincipalLike
    action: str
    resource: ResourceLike
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None
    explain: bool = False

    def encode(self, default_tenant: Optional[str] = None) -> str:
        # The hot path of every check: written out by hand (no parts list).
        tenant = self.tenant or default_tenant
        if not tenant:
            raise ValueError("no tenant: pass tenant= to the call or to the client")
        quoted = _quoted(tenant)
        principal, resource = self.principal, self.resource
        line = (
            '{"op":"check","tenant":' + quoted
            + ',"principal":' + (principal._json if type(principal) is Principal else _principal_json(principal))
            + ',"action":' + _quoted(self.action)
            + ',"resource":' + (
                resource._head + (_quoted(resource.tenant) if resource.tenant else quoted) + resource._tail
                if type(resource) is Resource else _resource_json(resource, quoted)
            )
        )
        if self.context:
            line += ',"context":' + _dumps(dict(self.context))
        return line + (',"explain":true}' if self.explain else "}")


@dataclass
class TransitionRequest(_DecisionRequest):
    """May `principal` move to role `to`?"""

    op: ClassVar[str] = "transition"
    principal: PrincipalLike
    to: str
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None

    def _encode_fields(self, parts: List[str], quoted_tenant: str) -> None:
        parts += (',"to":', _quoted(self.to))


@dataclass
class SubscribeRequest(_DecisionRequest):
    """May `principal` subscribe to `plan`?"""

    op: ClassVar[str] = "subscribe"
    principal: PrincipalLike
    plan: str
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None

    def _encode_fields(self, parts: List[str], quoted_tenant: str) -> None:
        parts += (',"plan":', _quoted(self.plan))


@dataclass
class PlansRequest(_DecisionRequest):
    """Which plans are open to `principal`?"""

    op: ClassVar[str] = "plans"
    principal: PrincipalLike
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None


@dataclass
class FeaturesRequest(_DecisionRequest):
    """Which features are enabled for `principal`?"""

    op: ClassVar[str] = "features"
    principal: PrincipalLike
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None


@dataclass
class LifecycleRequest(_DecisionRequest):
    """May `principal` move `resource` (a lifecycle type) to state `to`?"""

    op: ClassVar[str] = "lifecycle"
    principal: PrincipalLike
    resource: ResourceLike
    to: str
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None

    def _encode_fields(self, parts: List[str], quoted_tenant: str) -> None:
        parts += (',"resource":', _resource_json(self.resource, quoted_tenant), ',"to":', _quoted(self.to))


@dataclass
class FilterRequest(_DecisionRequest):
    """Under which condition on its attributes may `principal` do `action` on a row of `resource_type`?

    Not a decision: the answer is a `Filter` (docs/LANGUAGE.md, section 7.5). It
    cannot be a batch item.
    """

    op: ClassVar[str] = "filter"
    principal: PrincipalLike
    action: str
    resource_type: str
    tenant: Optional[str] = None
    context: Optional[Mapping[str, Any]] = None

    def _encode_fields(self, parts: List[str], quoted_tenant: str) -> None:
        parts += (',"action":', _quoted(self.action), ',"resource_type":', _quoted(self.resource_type))


DecisionRequest = Union[
    CheckRequest, TransitionRequest, SubscribeRequest, PlansRequest, FeaturesRequest, LifecycleRequest,
    FilterRequest,
]


# ---------------------------------------------------------------- responses


@dataclass(frozen=True)
class RuleError:
    """A rule that could not be evaluated (the engine failed closed)."""

    rule: str
    message: str


@dataclass(frozen=True)
class Decision:
    """The answer to check, transition, subscribe or lifecycle.

    `allowed` is True only for an explicit allow. `reasons` are the rule ids
    (or built-in reasons) that decided; `unmet` the false conditions of a deny,
    as policy source text; `errors` the rules in error; `trace` the explain
    trace when asked. `error` is set only in batch/pipeline results, for an
    item the server refused (then `allowed` is False). `revision` is the
    revision of the tenant's policy unit that answered (None when the server
    sent none: an unknown tenant, or a server before units).
    """

    allowed: bool
    reasons: Tuple[str, ...] = ()
    unmet: Tuple[str, ...] = ()
    errors: Tuple[RuleError, ...] = ()
    trace: Optional[List[Json]] = None
    error: Optional[ProtocolError] = None
    revision: Optional[int] = None

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def denied(self) -> bool:
        return not self.allowed


@dataclass(frozen=True)
class Names:
    """A list of names (plans or features); iterable, sized, supports `in`."""

    names: Tuple[str, ...] = ()
    error: Optional[ProtocolError] = None

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.names


class Plans(Names):
    """The plans open to a principal."""


class Features(Names):
    """The features enabled for a principal."""


@dataclass(frozen=True)
class Filter:
    """The rows of a type a principal may act on (the `filter` op).

    `kind` is "always" (every row of the tenant), "never" (none) or
    "conditional". `sql` is a PostgreSQL WHERE clause over the type's table
    with `$n` placeholders for `params` (None for a type without `@table`);
    `condition` the same residual as a JSON tree. A refused request reads as
    "never" and, in batch-style results, has `error` set.
    """

    kind: str
    sql: Optional[str] = None
    params: Tuple[Any, ...] = ()
    condition: Optional[Json] = None
    reasons: Tuple[str, ...] = ()
    error: Optional[ProtocolError] = None

    @property
    def always(self) -> bool:
        return self.kind == "always"

    @property
    def never(self) -> bool:
        return self.kind == "never"


@dataclass(frozen=True)
class Hello:
    """The session after `hello`: the token's tenant (None = every tenant)."""

    tenant: Optional[str]
    version: str


@dataclass(frozen=True)
class Health:
    ok: bool
    policy_version: int
    platform_revision: int = 0
    # Partner units served, and the partners served as unavailable (their unit does not compile).
    units_served: int = 0
    unavailable: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Stats:
    """Server counters; `raw` is the whole response object."""

    policy_version: int
    raw: Json


@dataclass(frozen=True)
class UnitOutcome:
    """What a reload did with one partner unit that changed or was refused.

    `outcome` is "applied", "added", "removed" or "refused"; `revision` the unit's
    revision served after the reload (the previous one for a refused unit);
    `message` and `diagnostics` (rendered text) say why a unit was refused.
    """

    tenant: str
    outcome: str
    revision: int
    message: str = ""
    diagnostics: str = ""


@dataclass(frozen=True)
class Reload:
    policy_version: int
    # Tenants the reload removed (only with allow_removal=True), sorted.
    removed_tenants: Tuple[str, ...] = ()
    # "unchanged" or "applied" (the platform part: schema, templates).
    platform: str = ""
    platform_revision: int = 0
    # One outcome per unit that changed or was refused (a refused unit keeps serving).
    units: Tuple[UnitOutcome, ...] = ()


@dataclass(frozen=True)
class PolicyChanges:
    """The rule ids (TENANT:ID) a put adds, removes or changes."""

    added: Tuple[str, ...] = ()
    removed: Tuple[str, ...] = ()
    changed: Tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyPut:
    """The answer to put_policy and rollback: the unit's new revision (the one it
    would get, for a dry run), its path under the policy directory, what changed,
    and its warnings."""

    tenant: str
    revision: int
    path: str
    dry_run: bool
    changes: PolicyChanges
    diagnostics: Tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Policy:
    """The unit served now for a tenant (get_policy)."""

    tenant: str
    revision: int
    path: str
    hash: str
    source: str


@dataclass(frozen=True)
class PolicyRevision:
    """One kept revision: `actor` is "sha256:<16 hex>" (a token), "anonymous" or "disk"."""

    revision: int
    time: str
    actor: str
    hash: str


@dataclass(frozen=True)
class PolicyHistory:
    """The revisions kept for a tenant, newest first."""

    tenant: str
    revisions: Tuple[PolicyRevision, ...]

    def __iter__(self) -> Iterator[PolicyRevision]:
        return iter(self.revisions)

    def __len__(self) -> int:
        return len(self.revisions)


@dataclass(frozen=True)
class FeatureSwitched:
    """`set_feature` succeeded (and was persisted before the answer)."""

    tenant: str
    feature: str
    state: str


Response = Union[Decision, Plans, Features, Filter]


def raise_if_error(response: Json) -> None:
    error = response.get("error")
    if error is not None:
        raise protocol_error(error, response)


def decode_decision(response: Json, raise_errors: bool) -> Decision:
    error = response.get("error")
    if error is not None:
        failure = protocol_error(error, response)
        if raise_errors:
            raise failure
        return Decision(allowed=False, reasons=tuple(response.get("reasons", ())), error=failure)
    rule_errors = response.get("errors")
    return Decision(
        allowed=response.get("decision") == "allow",
        reasons=tuple(response.get("reasons", ())),
        unmet=tuple(response.get("unmet", ())),
        errors=tuple(RuleError(e.get("rule", ""), e.get("message", "")) for e in rule_errors) if rule_errors else (),
        trace=response.get("trace"),
        revision=_optional_int(response.get("revision")),
    )


def _optional_int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def decode_names(cls: type, member: str, response: Json, raise_errors: bool) -> Names:
    error = response.get("error")
    if error is not None:
        failure = protocol_error(error, response)
        if raise_errors:
            raise failure
        return cls((), failure)
    return cls(tuple(response.get(member, ())))


def decode_filter(response: Json, raise_errors: bool) -> Filter:
    error = response.get("error")
    failure = protocol_error(error, response) if error is not None else None
    if failure is not None and raise_errors:
        raise failure
    body = response.get("filter")
    if not isinstance(body, dict) or failure is not None:
        return Filter("never", reasons=tuple(response.get("reasons", ())), error=failure)
    return Filter(
        kind=str(body.get("kind", "never")),
        sql=body.get("sql"),
        params=tuple(body.get("params", ())),
        condition=body.get("condition"),
        reasons=tuple(response.get("reasons", ())),
    )


def decode_response(op: str, response: Json, raise_errors: bool) -> Response:
    """The typed answer to a decision op `op` (the op the request named)."""
    if op == "filter":
        return decode_filter(response, raise_errors)
    if op == "plans":
        return decode_names(Plans, "plans", response, raise_errors)
    if op == "features":
        return decode_names(Features, "features", response, raise_errors)
    return decode_decision(response, raise_errors)


def decode_batch(ops: List[str], response: Json) -> List[Response]:
    raise_if_error(response)
    results = response.get("results")
    if not isinstance(results, list) or len(results) != len(ops):
        raise ProtocolError("internal", "batch answer does not hold one result per request", response)
    return [decode_response(op, item, raise_errors=False) for op, item in zip(ops, results)]


def decode_hello(response: Json) -> Hello:
    raise_if_error(response)
    return Hello(tenant=response.get("tenant"), version=str(response.get("version", "")))


def decode_health(response: Json) -> Health:
    raise_if_error(response)
    units = response.get("units") if isinstance(response.get("units"), dict) else {}
    return Health(ok=bool(response.get("ok")), policy_version=int(response.get("policy_version", 0)),
                  platform_revision=int(response.get("platform_revision", 0)),
                  units_served=int(units.get("served", 0)),
                  unavailable=tuple(units.get("unavailable", ())))


def decode_stats(response: Json) -> Stats:
    raise_if_error(response)
    return Stats(policy_version=int(response.get("policy_version", 0)), raw=response)


def decode_unit_outcomes(value: Any) -> Tuple[UnitOutcome, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        UnitOutcome(
            tenant=str(unit.get("tenant", "")),
            outcome=str(unit.get("outcome", "")),
            revision=int(unit.get("revision", 0)),
            message=str(unit.get("message", "")),
            diagnostics=str(unit.get("diagnostics", "")),
        )
        for unit in value
        if isinstance(unit, dict)
    )


def decode_reload(response: Json) -> Reload:
    raise_if_error(response)
    return Reload(policy_version=int(response.get("policy_version", 0)),
                  removed_tenants=tuple(response.get("removed_tenants", ())),
                  platform=str(response.get("platform", "")),
                  platform_revision=int(response.get("platform_revision", 0)),
                  units=decode_unit_outcomes(response.get("units")))


def policy_request(op: str, tenant: Optional[str], **fields: Any) -> Json:
    """The request object of put_policy / get_policy / policy_history / rollback."""
    if not tenant:
        raise ValueError("no tenant: pass tenant= to the call or to the client")
    return {"op": op, "tenant": tenant, **fields}


def decode_policy_put(response: Json) -> PolicyPut:
    """put_policy / rollback; raises InvalidPolicy (with .diagnostics), TooLarge, Forbidden..."""
    raise_if_error(response)
    changes = response.get("changes") if isinstance(response.get("changes"), dict) else {}
    return PolicyPut(
        tenant=str(response.get("tenant", "")),
        revision=int(response.get("revision", 0)),
        path=str(response.get("path", "")),
        dry_run=bool(response.get("dry_run", False)),
        changes=PolicyChanges(
            added=tuple(changes.get("added", ())),
            removed=tuple(changes.get("removed", ())),
            changed=tuple(changes.get("changed", ())),
        ),
        diagnostics=decode_diagnostics(response.get("diagnostics")),
    )


def decode_policy(response: Json) -> Policy:
    raise_if_error(response)
    return Policy(
        tenant=str(response.get("tenant", "")),
        revision=int(response.get("revision", 0)),
        path=str(response.get("path", "")),
        hash=str(response.get("hash", "")),
        source=str(response.get("source", "")),
    )


def decode_policy_history(response: Json) -> PolicyHistory:
    raise_if_error(response)
    revisions = response.get("revisions")
    return PolicyHistory(
        tenant=str(response.get("tenant", "")),
        revisions=tuple(
            PolicyRevision(
                revision=int(item.get("revision", 0)),
                time=str(item.get("time", "")),
                actor=str(item.get("actor", "")),
                hash=str(item.get("hash", "")),
            )
            for item in (revisions if isinstance(revisions, list) else ())
            if isinstance(item, dict)
        ),
    )
