"""The workload for the Cerbos PDP: scoped resource policies (JSON, which
Cerbos reads like YAML) and CheckResources request bodies.

    cerbos/policies/_root.TYPE.json     the root scope ("") of each resource kind: no rules
    cerbos/policies/tNNNN.TYPE.json     per partner and kind: a resource policy, scope = partner
    cerbos/requests.ndjson              per request: the body of POST /api/check/resources

How the model maps:
- Scope = the partner that owns the resource (`resource.scope` in the request).
  Cerbos requires a policy at every level of a scope chain, hence the empty
  root policies; a request no rule of its scope decides falls through to the
  root, which has no rule: deny.
- Isolation: roles are qualified by partner (`t0001_basic`); a rule lists the
  qualified roles it applies to, inheritance expanded (`for basic` lists basic
  and every role that extends it), and a rule without `for` lists all of the
  partner's roles. A principal of another partner matches no rule of this
  scope, so a cross-tenant request is denied.
- permit/forbid are EFFECT_ALLOW/EFFECT_DENY (a DENY wins within the policy);
  conditions are CEL, `when && !(unless)`, features inlined
  (workload.peer_condition).
"""

from __future__ import annotations

import json
from pathlib import Path

from workload import ACTIONS, FALSE, TRUE, Workload, applies_to_roles, peer_condition

API_VERSION = "api.cerbos.dev/v1"


def qualified_role(tenant: str, role: str) -> str:
    return f"{tenant}_{role}"


def _operand(side: str, attr: str) -> str:
    return f"{'P' if side == 'principal' else 'R'}.attr.{attr}"


def condition(cond) -> str:
    kind = cond[0]
    if kind in ("true", "false"):
        return kind
    if kind == "owner":
        return "R.attr.owner == P.id"
    if kind == "eq":
        return f"{_operand(cond[1], cond[2])} == {json.dumps(cond[3])}"
    if kind == "in":
        return f"{_operand(cond[1], cond[2])} in [{', '.join(json.dumps(v) for v in cond[3])}]"
    if kind == "ge":
        return f"{_operand(cond[1], cond[2])} >= {cond[3]}"
    if kind == "flag":
        return _operand(cond[1], cond[2])
    if kind in ("and", "or"):
        joiner = " && " if kind == "and" else " || "
        return "(" + joiner.join(condition(c) for c in cond[1:]) + ")"
    if kind == "not":
        return f"!({condition(cond[1])})"
    raise ValueError(f"condition {cond!r} has no CEL form (features are inlined before)")


def resource_policy(resource_type: str, scope: str, rules: list) -> dict:
    policy = {"resource": resource_type, "version": "default", "rules": rules}
    if scope:
        policy["scope"] = scope
    return {"apiVersion": API_VERSION, "resourcePolicy": policy}


def tenant_rules(workload: Workload, tenant, resource_type: str) -> list:
    roles = workload.roles(tenant)
    features = workload.features(tenant)
    out = []
    for rule in workload.rules(tenant):
        if resource_type not in rule.types:
            continue
        cond = peer_condition(rule, features)
        actions = rule.actions_for(resource_type)
        if cond == FALSE or not actions:
            continue
        entry = {
            "name": rule.rule_id,
            "actions": list(actions),
            "effect": "EFFECT_ALLOW" if rule.effect == "permit" else "EFFECT_DENY",
            "roles": [qualified_role(tenant.name, r) for r in applies_to_roles(roles, rule.roles)],
        }
        if cond != TRUE:
            entry["condition"] = {"match": {"expr": condition(cond)}}
        out.append(entry)
    return out


def request_body(index: int, request: dict) -> dict:
    principal, resource = request["principal"], request["resource"]
    return {
        "requestId": str(index),
        "principal": {
            "id": principal["id"],
            "roles": [qualified_role(request["tenant"], principal["role"])],
            "attr": {"tenant": request["tenant"], **principal["attrs"]},
        },
        "resources": [{
            "actions": [request["action"]],
            "resource": {
                "kind": resource["type"],
                "id": resource["id"],
                "scope": resource["tenant"],
                "attr": {"tenant": resource["tenant"], **resource["attrs"]},
            },
        }],
    }


def write(workload: Workload, out: Path) -> None:
    policies = out / "policies"
    policies.mkdir(parents=True)
    for resource_type in ACTIONS:
        (policies / f"_root.{resource_type}.json").write_text(json.dumps(resource_policy(resource_type, "", [])))
        for tenant in workload.tenants:
            policy = resource_policy(resource_type, tenant.name, tenant_rules(workload, tenant, resource_type))
            (policies / f"{tenant.name}.{resource_type}.json").write_text(json.dumps(policy, indent=1))
    with open(out / "requests.ndjson", "w") as f:
        for i, request in enumerate(workload.requests):
            f.write(json.dumps(request_body(i, request), separators=(",", ":")) + "\n")
