"""The workload as a tenet policy directory and request lines (docs/LANGUAGE.md,
docs/PROTOCOL.md).

    DIR/schema.tenet               the schema, every action declared per type
    DIR/templates/platform.tenet   the shared template (roles, features, rules)
    DIR/tenants/tNNNN.tenet        one file per partner: `extends platform` + its own part
    requests.ndjson                one `check` line per request, "id" = its index

Tenant isolation needs nothing here: it is built into the engine.
"""

from __future__ import annotations

import json
from pathlib import Path

from workload import ACTIONS, PRINCIPAL_ATTRS, RESOURCE_ATTRS, Feature, Rule, Workload


def _type(spec) -> str:
    if isinstance(spec, tuple):  # a string enum
        return " | ".join(json.dumps(v) for v in spec)
    return spec


def schema_text() -> str:
    lines = ["schema {", "  principal {"]
    lines += [f"    {name}: {_type(spec)};" for name, spec in PRINCIPAL_ATTRS.items()]
    lines.append("  }")
    for resource_type, attrs in RESOURCE_ATTRS.items():
        body = " ".join(f"{name}: {_type(spec)};" for name, spec in attrs.items())
        lines.append(f"  resource {resource_type} {{ {body} }}")
    # One `actions` line per distinct action set, as a schema author would write it.
    by_actions: dict[str, list[str]] = {}
    for resource_type, actions in ACTIONS.items():
        for action in actions:
            by_actions.setdefault(action, []).append(resource_type)
    for action, types in by_actions.items():
        lines.append(f"  actions {action} on {', '.join(types)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def condition(cond) -> str:
    kind = cond[0]
    if kind == "true":
        return "true"
    if kind == "false":
        return "false"
    if kind == "owner":
        return "resource.owner == principal.id"
    if kind == "eq":
        return f"{cond[1]}.{cond[2]} == {json.dumps(cond[3])}"
    if kind == "in":
        return f"{cond[1]}.{cond[2]} in [{', '.join(json.dumps(v) for v in cond[3])}]"
    if kind == "ge":
        return f"{cond[1]}.{cond[2]} >= {cond[3]}"
    if kind == "flag":
        return f"{cond[1]}.{cond[2]}"
    if kind == "enabled":
        return f"enabled({cond[1]})"
    if kind in ("and", "or"):
        joiner = " && " if kind == "and" else " || "
        return "(" + joiner.join(condition(c) for c in cond[1:]) + ")"
    if kind == "not":
        return f"!{condition(cond[1])}" if cond[1][0] in ("and", "or", "flag") else f"!({condition(cond[1])})"
    raise ValueError(f"unknown condition {cond!r}")


def rule_text(rule: Rule) -> str:
    actions = "*" if rule.actions is None else ", ".join(rule.actions)
    text = f'@id("{rule.rule_id}") {rule.effect} {actions} on {", ".join(rule.types)}'
    if rule.roles is not None:
        text += f" for {', '.join(rule.roles)}"
    if rule.when is not None:
        text += f" when {condition(rule.when)}"
    if rule.unless is not None:
        text += f" unless {condition(rule.unless)}"
    return text + ";"


def feature_text(name: str, feature: Feature) -> str:
    text = f"feature {name} {'on' if feature.on else 'off'}"
    if feature.when is not None:
        text += f" when {condition(feature.when)}"
    return text + ";"


def role_lines(roles: dict[str, tuple[str, ...]]) -> list[str]:
    return [f"role {r};" if not parents else f"role {r} extends {', '.join(parents)};" for r, parents in roles.items()]


# Transitions are not asked about here; they make every role reachable, so the
# set checks without warnings.
TEMPLATE_TRANSITIONS = [
    '@id("kyc") transition guest -> basic when principal.kyc == "verified";',
    '@id("seniority") transition basic -> advanced when principal.account_age_days >= 30;',
    '@id("to-company") transition advanced -> company;',
    '@id("to-admin") transition advanced -> admin;',
]


def template_text(workload: Workload) -> str:
    base = workload.template
    body = role_lines(base.roles) + TEMPLATE_TRANSITIONS
    body += [feature_text(name, f) for name, f in base.features.items()]
    body += [rule_text(rule) for rule in base.rules]
    return "template platform {\n" + "".join(f"  {line}\n" for line in body) + "}\n"


def tenant_text(tenant) -> str:
    body = role_lines(tenant.own_roles)
    body += [f'@id("to-{role}") transition {parents[0]} -> {role};' for role, parents in tenant.own_roles.items()]
    body += [feature_text(name, f) for name, f in tenant.own_features.items()]
    body += [rule_text(rule) for rule in tenant.own_rules]
    return f"tenant {tenant.name} extends platform {{\n" + "".join(f"  {line}\n" for line in body) + "}\n"


def request_line(index: int, request: dict) -> str:
    line = {"id": index, "op": "check"}
    line.update({k: request[k] for k in ("tenant", "principal", "action", "resource")})
    return json.dumps(line, separators=(",", ":"))


def write(workload: Workload, out: Path) -> None:
    policies = out / "policies"
    (policies / "templates").mkdir(parents=True)
    (policies / "tenants").mkdir()
    (policies / "schema.tenet").write_text(schema_text())
    (policies / "templates" / "platform.tenet").write_text(template_text(workload))
    for tenant in workload.tenants:
        (policies / "tenants" / f"{tenant.name}.tenet").write_text(tenant_text(tenant))
    with open(out / "requests.ndjson", "w") as f:
        for i, request in enumerate(workload.requests):
            f.write(request_line(i, request) + "\n")
