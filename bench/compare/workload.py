"""The abstract multi-tenant workload of bench/compare, and its oracle.

One seeded model — partners, roles with inheritance, features, permit/forbid
rules over a small condition language, and check requests — that every
translator (tenet, Cedar, casbin, Cerbos) turns into its own files. The model
also decides every request itself (`expected_decision`), with tenet's
semantics (LANGUAGE.md section 7): isolation first, then any forbid that holds
denies, else any permit that holds allows, else deny. That is the oracle every
engine is compared with.

The condition language is the part the four engines share: attribute
equality, `in` a literal list, int `>=`, a bool attribute, the owner test
(`resource.owner == principal.id`), `enabled(feature)`, `&&`, `||`, `!`.
Every attribute is always given in a request, so no condition can be in
error: the engines' different error semantics never come into play.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# ---- The schema every engine is given (translated into each one's form).

RESOURCE_ATTRS = {
    "document": {
        "owner": "string",
        "locked": "bool",
        "classification": ("public", "internal", "secret"),
    },
    "project": {"owner": "string", "archived": "bool", "budget": "int"},
}
ACTIONS = {
    "document": ("read", "write", "delete", "share", "export"),
    "project": ("read", "write", "delete", "archive"),
}
PRINCIPAL_ATTRS = {
    "kyc": ("none", "pending", "verified"),
    "account_age_days": "int",
    "department": "string",
}
DEPARTMENTS = ("sales", "eng", "ops", "legal")

# The template's roles: guest < basic < advanced < company / admin. Every
# third partner adds `auditor extends basic` of its own.
TEMPLATE_ROLES = {
    "guest": (),
    "basic": ("guest",),
    "advanced": ("basic",),
    "company": ("advanced",),
    "admin": ("advanced",),
}

# ---- Conditions: tuples, so they are hashable, printable and easy to match.
#
#   ("true",) ("false",)
#   ("owner",)                            resource.owner == principal.id
#   ("eq", side, attr, value)             side is "principal" or "resource"
#   ("in", side, attr, (values...))
#   ("ge", side, attr, n)                 int attributes
#   ("flag", side, attr)                  bool attributes
#   ("enabled", feature)
#   ("and", c...) ("or", c...) ("not", c)

TRUE = ("true",)
FALSE = ("false",)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    effect: str  # "permit" | "forbid"
    actions: tuple[str, ...] | None  # None: `*`, every action declared for the type
    types: tuple[str, ...]
    roles: tuple[str, ...] | None  # None: every role of the partner
    when: tuple | None = None
    unless: tuple | None = None

    def actions_for(self, resource_type: str) -> tuple[str, ...]:
        """The declared actions this rule names on `resource_type`."""
        declared = ACTIONS[resource_type]
        if self.actions is None:
            return declared
        return tuple(a for a in declared if a in self.actions)


@dataclass(frozen=True)
class Feature:
    on: bool
    when: tuple | None = None


@dataclass
class Tenant:
    name: str
    own_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    own_features: dict[str, Feature] = field(default_factory=dict)
    own_rules: list[Rule] = field(default_factory=list)


@dataclass
class Template:
    roles: dict[str, tuple[str, ...]]
    features: dict[str, Feature]
    rules: list[Rule]


@dataclass
class Workload:
    name: str
    template: Template
    tenants: list[Tenant]
    requests: list[dict]

    # -- what a partner is once its template is merged in (LANGUAGE.md section 4)

    def roles(self, tenant: Tenant) -> dict[str, tuple[str, ...]]:
        return {**self.template.roles, **tenant.own_roles}

    def features(self, tenant: Tenant) -> dict[str, Feature]:
        return {**self.template.features, **tenant.own_features}

    def rules(self, tenant: Tenant) -> list[Rule]:
        return self.template.rules + tenant.own_rules

    def tenant(self, name: str) -> Tenant:
        return self._by_name()[name]

    def _by_name(self) -> dict[str, Tenant]:
        cache = self.__dict__.get("_tenant_index")
        if cache is None:
            cache = {t.name: t for t in self.tenants}
            self.__dict__["_tenant_index"] = cache
        return cache

    def rule_count(self) -> int:
        return sum(len(self.rules(t)) for t in self.tenants)


# ---- Role inheritance


def ancestors(roles: dict[str, tuple[str, ...]], role: str) -> set[str]:
    """`role` and every role it extends, transitively."""
    seen = {role}
    stack = [role]
    while stack:
        for parent in roles[stack.pop()]:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def descendants(roles: dict[str, tuple[str, ...]], role: str) -> list[str]:
    """Every role a rule `for role` applies to, in declaration order."""
    return [r for r in roles if role in ancestors(roles, r)]


def applies_to_roles(roles: dict[str, tuple[str, ...]], rule_roles) -> list[str]:
    """The roles a rule applies to (None: all), in declaration order."""
    if rule_roles is None:
        return list(roles)
    wanted = set()
    for role in rule_roles:
        wanted.update(descendants(roles, role))
    return [r for r in roles if r in wanted]


# ---- Evaluation (the oracle)


def evaluate(cond, principal: dict, resource: dict, enabled) -> bool:
    kind = cond[0]
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind == "owner":
        return resource["attrs"]["owner"] == principal["id"]
    if kind in ("eq", "in", "ge", "flag"):
        value = (principal if cond[1] == "principal" else resource)["attrs"][cond[2]]
        if kind == "eq":
            return value == cond[3]
        if kind == "in":
            return value in cond[3]
        if kind == "ge":
            return value >= cond[3]
        return value is True
    if kind == "enabled":
        return enabled(cond[1])
    if kind == "and":
        return all(evaluate(c, principal, resource, enabled) for c in cond[1:])
    if kind == "or":
        return any(evaluate(c, principal, resource, enabled) for c in cond[1:])
    if kind == "not":
        return not evaluate(cond[1], principal, resource, enabled)
    raise ValueError(f"unknown condition {cond!r}")


def rule_holds(rule: Rule, principal: dict, resource: dict, enabled) -> bool:
    if rule.when is not None and not evaluate(rule.when, principal, resource, enabled):
        return False
    if rule.unless is not None and evaluate(rule.unless, principal, resource, enabled):
        return False
    return True


def expected_decision(workload: Workload, request: dict) -> str:
    """tenet's answer to a check request, by LANGUAGE.md section 7."""
    tenant = workload.tenant(request["tenant"])
    principal, resource = request["principal"], request["resource"]
    if resource["tenant"] != tenant.name:
        return "deny"  # cross_tenant: before any rule
    roles = workload.roles(tenant)
    features = workload.features(tenant)
    principal_roles = ancestors(roles, principal["role"])

    def enabled(name: str) -> bool:
        feature = features[name]
        if not feature.on:
            return False
        return feature.when is None or evaluate(feature.when, principal, resource, enabled)

    candidates = [
        rule
        for rule in workload.rules(tenant)
        if resource["type"] in rule.types
        and request["action"] in rule.actions_for(resource["type"])
        and (rule.roles is None or principal_roles.intersection(rule.roles))
    ]
    if any(
        rule_holds(r, principal, resource, enabled) for r in candidates if r.effect == "forbid"
    ):
        return "deny"
    if any(
        rule_holds(r, principal, resource, enabled) for r in candidates if r.effect == "permit"
    ):
        return "allow"
    return "deny"


# ---- Feature inlining, for the engines without features
#
# A feature here is a switch (on/off) and an optional condition on the
# principal. Cedar, casbin and Cerbos have no such notion, so their
# translations inline each `enabled(F)` as the feature's condition (switch on)
# or `false` (switch off), then fold constants: a rule whose condition can
# never hold is left out.


def inline_features(cond, features: dict[str, Feature]):
    if cond is None:
        return None
    kind = cond[0]
    if kind == "enabled":
        feature = features[cond[1]]
        if not feature.on:
            return FALSE
        return TRUE if feature.when is None else inline_features(feature.when, features)
    if kind in ("and", "or"):
        return fold((kind,) + tuple(inline_features(c, features) for c in cond[1:]))
    if kind == "not":
        return fold(("not", inline_features(cond[1], features)))
    return cond


def fold(cond):
    """Constant folding of true/false through and/or/not."""
    kind = cond[0]
    if kind == "not":
        inner = cond[1]
        if inner == TRUE:
            return FALSE
        if inner == FALSE:
            return TRUE
        return cond
    if kind in ("and", "or"):
        absorbing, neutral = (FALSE, TRUE) if kind == "and" else (TRUE, FALSE)
        parts = [c for c in cond[1:] if c != neutral]
        if absorbing in parts:
            return absorbing
        if not parts:
            return neutral
        if len(parts) == 1:
            return parts[0]
        return (kind,) + tuple(parts)
    return cond


def peer_condition(rule: Rule, features: dict[str, Feature]):
    """`when && !unless` with features inlined: TRUE, FALSE or a condition."""
    when = inline_features(rule.when, features) if rule.when is not None else TRUE
    unless = inline_features(rule.unless, features) if rule.unless is not None else FALSE
    return fold(("and", when, fold(("not", unless))))


# ---- The generator

# What each size holds. `cell_share`: the part of a partner's own rules put
# into one (action, type, role) cell — read on document for basic — to show
# what many candidates per request cost.
SIZES = {
    "small": dict(tenants=10, rules=10, requests=2000, cell_share=0.0),
    "partners": dict(tenants=1000, rules=20, requests=4000, cell_share=0.0),
    "cell": dict(tenants=4, rules=2000, requests=1000, cell_share=0.75),
    # --quick
    "quick-small": dict(tenants=5, rules=10, requests=500, cell_share=0.0),
    "quick-cell": dict(tenants=2, rules=300, requests=300, cell_share=0.75),
}


def template() -> Template:
    """The shared template every partner extends: the owner rule, the locked
    forbid, classification rules and two feature-gated permits."""
    roles = dict(TEMPLATE_ROLES)
    features = {
        "exports": Feature(on=False),
        "sharing": Feature(on=True, when=("ge", "principal", "account_age_days", 30)),
    }
    doc, proj = ("document",), ("project",)
    rules = [
        Rule("owner-rw", "permit", ("read", "write"), doc, None, ("owner",)),
        Rule("public-read", "permit", ("read",), doc, None, ("eq", "resource", "classification", "public")),
        Rule("internal-read", "permit", ("read",), doc, ("basic",),
             ("eq", "resource", "classification", "internal")),
        Rule("advanced-write", "permit", ("write",), doc, ("advanced",),
             ("eq", "principal", "kyc", "verified")),
        Rule("admin-all", "permit", None, ("document", "project"), ("admin",)),
        Rule("locked", "forbid", ("write", "delete"), doc, None, ("flag", "resource", "locked")),
        Rule("secret-needs-kyc", "forbid", None, doc, None,
             ("eq", "resource", "classification", "secret"), ("eq", "principal", "kyc", "verified")),
        Rule("exports", "permit", ("export",), doc, ("advanced",), ("enabled", "exports")),
        Rule("share-own", "permit", ("share",), doc, ("basic",),
             ("and", ("enabled", "sharing"), ("owner",))),
        Rule("project-read", "permit", ("read",), proj, ("basic",)),
        Rule("project-owner", "permit", ("write", "archive"), proj, None, ("owner",)),
        Rule("archived", "forbid", ("write", "delete"), proj, None, ("flag", "resource", "archived")),
    ]
    return Template(roles, features, rules)


def _atom(rng: random.Random, resource_type: str, features: list[str]):
    """One random test on the principal or the resource of `resource_type`."""
    pick = rng.random()
    if pick < 0.15:
        return ("owner",)
    if pick < 0.30:
        return ("ge", "principal", "account_age_days", rng.randrange(0, 400, 5))
    if pick < 0.42:
        return ("eq", "principal", "kyc", rng.choice(PRINCIPAL_ATTRS["kyc"]))
    if pick < 0.52:
        return ("eq", "principal", "department", rng.choice(DEPARTMENTS))
    if pick < 0.57 and features:
        return ("enabled", rng.choice(features))
    if resource_type == "document":
        if pick < 0.72:
            return ("eq", "resource", "classification", rng.choice(RESOURCE_ATTRS["document"]["classification"]))
        if pick < 0.85:
            values = tuple(rng.sample(RESOURCE_ATTRS["document"]["classification"], 2))
            return ("in", "resource", "classification", values)
        return ("flag", "resource", "locked")
    if pick < 0.80:
        return ("ge", "resource", "budget", rng.randrange(0, 100_000, 500))
    return ("flag", "resource", "archived")


def _atom_subject(atom) -> tuple:
    """What an atom tests (`owner`, `principal.kyc`, ...): one test per subject
    in a condition, so none repeats or contradicts another one."""
    return atom[1:3] if atom[0] in ("eq", "in", "ge", "flag") else atom[:2]


def _condition(rng: random.Random, resource_type: str, features: list[str], atoms: int, narrow: bool = False):
    """`atoms` tests joined by `&&` (sometimes an `||` and a `!`); `narrow`: a
    plain conjunction, for forbids, which should hold for few requests."""
    parts, subjects = [], set()
    while len(parts) < atoms:
        atom = _atom(rng, resource_type, features)
        if _atom_subject(atom) in subjects:
            continue
        subjects.add(_atom_subject(atom))
        parts.append(("not", atom) if not narrow and rng.random() < 0.1 else atom)
    if len(parts) == 1:
        return parts[0]
    if not narrow and rng.random() < 0.25:  # an `||` of the first two, and-ed with the rest
        head = ("or", parts[0], parts[1])
        return head if len(parts) == 2 else ("and", head) + tuple(parts[2:])
    return ("and",) + tuple(parts)


def _own_rule(rng: random.Random, index: int, roles: list[str], features: list[str], cell: bool) -> Rule:
    rule_id = f"r{index}"
    if cell:  # the crowded cell: read on document for basic (and so every role above it)
        effect = "forbid" if rng.random() < 0.005 else "permit"
        atoms = 3 if effect == "forbid" else rng.choice((1, 2, 2, 3))
        return Rule(rule_id, effect, ("read",), ("document",), ("basic",),
                    _condition(rng, "document", features, atoms, narrow=effect == "forbid"))
    resource_type = "document" if rng.random() < 0.75 else "project"
    declared = ACTIONS[resource_type]
    actions = tuple(sorted(rng.sample(declared, rng.choice((1, 1, 1, 2))), key=declared.index))
    effect = "forbid" if rng.random() < 0.12 else "permit"
    rule_roles = None if rng.random() < 0.25 else tuple(sorted(rng.sample(roles, rng.choice((1, 1, 2)))))
    # Forbids are narrower (three tests), so they do not drown the permits.
    atoms = 3 if effect == "forbid" else rng.choice((1, 2, 2, 3))
    when = _condition(rng, resource_type, features, atoms, narrow=effect == "forbid")
    unless = _condition(rng, resource_type, features, 1) if rng.random() < 0.15 else None
    return Rule(rule_id, effect, actions, (resource_type,), rule_roles, when, unless)


def _tenant(rng: random.Random, index: int, base: Template, own_rules: int, cell_share: float) -> Tenant:
    tenant = Tenant(name=f"t{index:04d}")
    if index % 3 == 0:
        tenant.own_roles["auditor"] = ("basic",)
    if index % 2 == 0:
        tenant.own_features["exports"] = Feature(on=True)
    if index % 4 == 1:
        tenant.own_features["sharing"] = Feature(on=False)
    roles = list(base.roles) + list(tenant.own_roles)
    features = list(base.features)
    cell_rules = round(own_rules * cell_share)
    for i in range(own_rules):
        tenant.own_rules.append(_own_rule(rng, i + 1, roles, features, cell=i < cell_rules))
    return tenant


def _request(rng: random.Random, workload: Workload, index: int, cell: bool) -> dict:
    tenant = rng.choice(workload.tenants)
    roles = list(workload.roles(tenant))
    principal_id = f"u{rng.randrange(40)}"
    if cell and rng.random() < 0.7:
        resource_type, action = "document", "read"
    else:
        resource_type = "document" if rng.random() < 0.75 else "project"
        action = rng.choice(ACTIONS[resource_type])
    # One request in ten asks about another partner's resource: always denied.
    resource_tenant = tenant.name
    if len(workload.tenants) > 1 and rng.random() < 0.1:
        resource_tenant = rng.choice([t for t in workload.tenants if t is not tenant]).name
    owner = principal_id if rng.random() < 0.4 else f"u{rng.randrange(40)}"
    if resource_type == "document":
        attrs = {
            "owner": owner,
            "locked": rng.random() < 0.25,
            "classification": rng.choice(RESOURCE_ATTRS["document"]["classification"]),
        }
    else:
        attrs = {"owner": owner, "archived": rng.random() < 0.2, "budget": rng.randrange(0, 100_000)}
    return {
        "tenant": tenant.name,
        "principal": {
            "id": principal_id,
            "role": rng.choice(roles),
            "attrs": {
                "kyc": rng.choice(PRINCIPAL_ATTRS["kyc"]),
                "account_age_days": rng.randrange(0, 500),
                "department": rng.choice(DEPARTMENTS),
            },
        },
        "action": action,
        "resource": {"type": resource_type, "id": f"{resource_type[0]}{index}", "tenant": resource_tenant,
                     "attrs": attrs},
    }


def generate(size: str, seed: int) -> Workload:
    """The workload of one size; a pure function of (size, seed)."""
    spec = SIZES[size]
    rng = random.Random(f"{size}/{seed}")
    base = template()
    tenants = [_tenant(rng, i + 1, base, spec["rules"], spec["cell_share"]) for i in range(spec["tenants"])]
    workload = Workload(size, base, tenants, [])
    cell = spec["cell_share"] > 0
    for i in range(spec["requests"]):
        request = _request(rng, workload, i, cell)
        request["expected"] = expected_decision(workload, request)
        workload.requests.append(request)
    return workload


def describe(workload: Workload) -> str:
    """One line: what the size holds and its request mix."""
    requests = workload.requests
    allow = sum(r["expected"] == "allow" for r in requests)
    cross = sum(r["resource"]["tenant"] != r["tenant"] for r in requests)
    crowded = max(
        sum(1 for rule in workload.rules(t) if "document" in rule.types and "read" in rule.actions_for("document")
            and (rule.roles is None or "basic" in rule.roles or "guest" in rule.roles))
        for t in workload.tenants
    )
    return (f"{len(workload.tenants):,} partners, {workload.rule_count():,} rules "
            f"(template {len(workload.template.rules)} + {len(workload.tenants[0].own_rules)} own each; "
            f"up to {crowded:,} candidates for read on document by basic); "
            f"{len(requests):,} requests: {allow:,} allow, {len(requests) - allow:,} deny, {cross:,} cross-tenant")
