"""The workload for casbin (node-casbin): ABAC through `eval()` in the matcher.

    casbin/model.conf           one model for every partner
    casbin/policies/tNNNN.csv   per partner: `p` lines (role, type, action, effect,
                                condition) and `g` lines (role inheritance)
    casbin/requests.ndjson      per request: the partner (which enforcer to ask)
                                and enforce(sub, obj, act)'s three arguments

How the model maps:
- One enforcer per partner, chosen by the request's tenant. casbin tries every
  `p` line of its enforcer against each request (no index), so one enforcer of
  all partners would make each request pay for every partner's lines.
- Isolation: the matcher starts with `r.obj.tenant == r.sub.tenant`.
- Role inheritance: `g, child, parent` lines and `g(r.sub.role, p.role)`; a rule
  without `for` has role `*`.
- Effects: `some(where (p.eft == allow)) && !some(where (p.eft == deny))`:
  any forbid that holds denies, else any permit allows, else deny — tenet's
  combination.
- One `p` line per (type, action, role) of a rule, its condition `when &&
  !(unless)` with features inlined (workload.peer_condition), written with
  single-quoted strings so the CSV field needs no escaping.
"""

from __future__ import annotations

import json
from pathlib import Path

from workload import FALSE, Workload, peer_condition

MODEL = """[request_definition]
r = sub, obj, act

[policy_definition]
p = role, type, act, eft, cond

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = r.obj.tenant == r.sub.tenant && r.obj.type == p.type && r.act == p.act && (p.role == "*" || g(r.sub.role, p.role)) && eval(p.cond)
"""


def _operand(side: str, attr: str) -> str:
    return f"r.{'sub' if side == 'principal' else 'obj'}.{attr}"


def _literal(value) -> str:
    if isinstance(value, str):
        if "'" in value or '"' in value:
            raise ValueError(f"string {value!r} would need escaping in a casbin CSV condition")
        return f"'{value}'"
    return str(value)


def condition(cond) -> str:
    kind = cond[0]
    if kind in ("true", "false"):
        return kind
    if kind == "owner":
        return "r.obj.owner == r.sub.id"
    if kind == "eq":
        return f"{_operand(cond[1], cond[2])} == {_literal(cond[3])}"
    if kind == "in":
        operand = _operand(cond[1], cond[2])
        return "(" + " || ".join(f"{operand} == {_literal(v)}" for v in cond[3]) + ")"
    if kind == "ge":
        return f"{_operand(cond[1], cond[2])} >= {cond[3]}"
    if kind == "flag":
        return f"{_operand(cond[1], cond[2])} == true"
    if kind in ("and", "or"):
        joiner = " && " if kind == "and" else " || "
        return "(" + joiner.join(condition(c) for c in cond[1:]) + ")"
    if kind == "not":
        return f"!({condition(cond[1])})"
    raise ValueError(f"condition {cond!r} has no casbin form (features are inlined before)")


def tenant_csv(workload: Workload, tenant) -> str:
    features = workload.features(tenant)
    lines = []
    for rule in workload.rules(tenant):
        cond = peer_condition(rule, features)
        if cond == FALSE:
            continue
        effect = "allow" if rule.effect == "permit" else "deny"
        text = condition(cond)
        for resource_type in rule.types:
            for action in rule.actions_for(resource_type):
                for role in rule.roles if rule.roles is not None else ("*",):
                    lines.append(f'p, {role}, {resource_type}, {action}, {effect}, "{text}"')
    for role, parents in workload.roles(tenant).items():
        lines += [f"g, {role}, {parent}" for parent in parents]
    return "\n".join(lines) + "\n"


def enforce_arguments(request: dict) -> dict:
    principal, resource = request["principal"], request["resource"]
    sub = {"id": principal["id"], "tenant": request["tenant"], "role": principal["role"], **principal["attrs"]}
    obj = {"id": resource["id"], "tenant": resource["tenant"], "type": resource["type"], **resource["attrs"]}
    return {"tenant": request["tenant"], "sub": sub, "obj": obj, "act": request["action"]}


def write(workload: Workload, out: Path) -> None:
    (out / "policies").mkdir(parents=True)
    (out / "model.conf").write_text(MODEL)
    for tenant in workload.tenants:
        (out / "policies" / f"{tenant.name}.csv").write_text(tenant_csv(workload, tenant))
    with open(out / "requests.ndjson", "w") as f:
        for request in workload.requests:
            f.write(json.dumps(enforce_arguments(request), separators=(",", ":")) + "\n")
