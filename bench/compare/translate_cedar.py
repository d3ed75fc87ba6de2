"""The workload for Cedar (@cedar-policy/cedar-wasm).

    cedar/schema.cedarschema    entity types User, Role, Document, Project and the actions
    cedar/policies.json         {tenant: policy text}: one policy set per partner
    cedar/requests.ndjson       per request: the partner (which policy set to ask)
                                and the isAuthorized call (uids, context, entities)

How the model maps:
- One policy set per partner, chosen by the request's tenant (the per-tenant
  policy store of a multi-tenant Cedar deployment). Cedar evaluates every policy
  of the set it is given, so one set of all partners would make each request
  pay for every partner's rules.
- Isolation: each set starts with `forbid ... unless { principal.tenant ==
  resource.tenant }`; roles are entities qualified by partner
  (`Role::"t0001_basic"`), a role's parents are the roles it extends, and a
  user's parent is its role, so `principal in Role::"t0001_basic"` is a tenet
  rule `for basic` with inheritance.
- A rule on two types becomes one policy per type (`resource is Document`);
  `*` becomes the type's declared actions; `unless` is Cedar's `unless`;
  `in [..]` is `[..].contains(..)`; features are inlined (workload.peer_condition).
- Entities travel with every request, as Cedar's API takes them: the user, its
  role and the roles above it, the resource.
"""

from __future__ import annotations

import json
from pathlib import Path

from workload import ACTIONS, PRINCIPAL_ATTRS, RESOURCE_ATTRS, TRUE, FALSE, Workload, ancestors, peer_condition

CEDAR_TYPE = {"document": "Document", "project": "Project"}


def qualified_role(tenant: str, role: str) -> str:
    return f"{tenant}_{role}"


def _attr_type(spec) -> str:
    return {"string": "String", "bool": "Bool", "int": "Long"}.get(spec, "String") if not isinstance(spec, tuple) else "String"


def schema_text() -> str:
    principal = ", ".join(["id: String", "tenant: String"] + [f"{n}: {_attr_type(s)}" for n, s in PRINCIPAL_ATTRS.items()])
    lines = ["entity Role in [Role];", f"entity User in [Role] {{ {principal} }};"]
    for resource_type, attrs in RESOURCE_ATTRS.items():
        body = ", ".join(["tenant: String"] + [f"{n}: {_attr_type(s)}" for n, s in attrs.items()])
        lines.append(f"entity {CEDAR_TYPE[resource_type]} {{ {body} }};")
    by_action: dict[str, list[str]] = {}
    for resource_type, actions in ACTIONS.items():
        for action in actions:
            by_action.setdefault(action, []).append(CEDAR_TYPE[resource_type])
    for action, types in by_action.items():
        lines.append(f'action "{action}" appliesTo {{ principal: [User], resource: [{", ".join(types)}] }};')
    return "\n".join(lines) + "\n"


def condition(cond) -> str:
    kind = cond[0]
    if kind in ("true", "false"):
        return kind
    if kind == "owner":
        return "resource.owner == principal.id"
    if kind == "eq":
        return f"{cond[1]}.{cond[2]} == {json.dumps(cond[3])}"
    if kind == "in":
        return f"[{', '.join(json.dumps(v) for v in cond[3])}].contains({cond[1]}.{cond[2]})"
    if kind == "ge":
        return f"{cond[1]}.{cond[2]} >= {cond[3]}"
    if kind == "flag":
        return f"{cond[1]}.{cond[2]}"
    if kind in ("and", "or"):
        joiner = " && " if kind == "and" else " || "
        return "(" + joiner.join(condition(c) for c in cond[1:]) + ")"
    if kind == "not":
        return f"!({condition(cond[1])})"
    raise ValueError(f"condition {cond!r} has no Cedar form (features are inlined before)")


def tenant_policies(workload: Workload, tenant) -> str:
    features = workload.features(tenant)
    out = ['@id("isolation")\nforbid (principal, action, resource)\nunless { principal.tenant == resource.tenant };']
    for rule in workload.rules(tenant):
        cond = peer_condition(rule, features)
        if cond == FALSE:
            continue  # a feature switched off: the rule can never hold
        for resource_type in rule.types:
            actions = rule.actions_for(resource_type)
            if not actions:
                continue
            principal_scope = "principal"
            extra = []
            if rule.roles is not None and len(rule.roles) == 1:
                principal_scope = f'principal in Role::"{qualified_role(tenant.name, rule.roles[0])}"'
            elif rule.roles is not None:
                extra.append("(" + " || ".join(
                    f'principal in Role::"{qualified_role(tenant.name, r)}"' for r in rule.roles) + ")")
            if len(actions) == 1:
                action_scope = f'action == Action::"{actions[0]}"'
            else:
                action_scope = "action in [" + ", ".join(f'Action::"{a}"' for a in actions) + "]"
            if cond != TRUE:
                extra.append(condition(cond))
            text = (f'@id("{rule.rule_id}")\n{rule.effect} (\n  {principal_scope},\n  {action_scope},\n'
                    f"  resource is {CEDAR_TYPE[resource_type]}\n)")
            if extra:
                text += " when { " + " && ".join(extra) + " }"
            out.append(text + ";")
    return "\n".join(out) + "\n"


def authorization_call(workload: Workload, request: dict) -> dict:
    """The isAuthorized call of one request: uids, context and entities."""
    tenant = workload.tenant(request["tenant"])
    roles = workload.roles(tenant)
    principal, resource = request["principal"], request["resource"]
    user_uid = {"type": "User", "id": f'{request["tenant"]}/{principal["id"]}'}
    resource_uid = {"type": CEDAR_TYPE[resource["type"]], "id": f'{resource["tenant"]}/{resource["id"]}'}
    role = principal["role"]
    out = [{
        "uid": user_uid,
        "attrs": {"id": principal["id"], "tenant": request["tenant"], **principal["attrs"]},
        "parents": [{"type": "Role", "id": qualified_role(tenant.name, role)}],
    }]
    for r in sorted(ancestors(roles, role), key=list(roles).index):
        out.append({
            "uid": {"type": "Role", "id": qualified_role(tenant.name, r)},
            "attrs": {},
            "parents": [{"type": "Role", "id": qualified_role(tenant.name, p)} for p in roles[r]],
        })
    out.append({"uid": resource_uid, "attrs": {"tenant": resource["tenant"], **resource["attrs"]}, "parents": []})
    call = {
        "principal": user_uid,
        "action": {"type": "Action", "id": request["action"]},
        "resource": resource_uid,
        "context": {},
        "entities": out,
    }
    return call


def write(workload: Workload, out: Path) -> None:
    out.mkdir(parents=True)
    (out / "schema.cedarschema").write_text(schema_text())
    policies = {t.name: tenant_policies(workload, t) for t in workload.tenants}
    (out / "policies.json").write_text(json.dumps(policies))
    with open(out / "requests.ndjson", "w") as f:
        for request in workload.requests:
            line = {"tenant": request["tenant"], "call": authorization_call(workload, request)}
            f.write(json.dumps(line, separators=(",", ":")) + "\n")
