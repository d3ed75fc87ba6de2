"""The session settings that `tenet sql`'s row-level security reads, for one request.

`tenet sql` (docs/DATABASE.md) emits the SQL function
`tenet_set_principal(tenant, id, role, attrs jsonb)`, which sets
`tenet.tenant`, `tenet.principal.id`, `tenet.principal.role` and one
`tenet.principal.<attr>` per attribute with `set_config(..., true)`: local to
the current transaction. This module builds the statement that calls it, with
every value as a bound parameter, never spliced into the text.

Run it as the first statement inside the transaction of the request, and
nowhere else: the settings end with the transaction, so a pooled connection
never carries one tenant's principal into the next request.

    sql, params = set_principal_statement("acme", alice, paramstyle="format")
    with connection:                       # psycopg: one transaction
        cursor.execute(sql, params)
        cursor.execute("SELECT id FROM documents")   # only what check allows

Standard library only; the database driver is the application's.
"""

from __future__ import annotations

import json
from typing import Any, Tuple

from .types import Principal

# DB-API paramstyles (PEP 249) that the statement can be written in, and the
# placeholders for the function's four arguments in each.
_PLACEHOLDERS = {
    "format": ("%s", "%s", "%s", "%s"),        # psycopg, pg8000 (format)
    "pyformat": ("%(tenant)s", "%(id)s", "%(role)s", "%(attrs)s"),
    "numeric": ("$1", "$2", "$3", "$4"),       # asyncpg, libpq's PQexecParams
    "qmark": ("?", "?", "?", "?"),
}


def set_principal_statement(tenant: str, principal: Principal, paramstyle: str = "format") -> Tuple[str, Any]:
    """The `SELECT tenet_set_principal(...)` statement and its parameters.

    `paramstyle` is the driver's PEP 249 style. Parameters are a dict for
    "pyformat", else a tuple in argument order. Attributes travel as one JSON
    object (the function reads each one and casts it to the schema's type).
    """
    if paramstyle not in _PLACEHOLDERS:
        raise ValueError(f"unknown paramstyle {paramstyle!r}; expected one of {sorted(_PLACEHOLDERS)}")
    if not isinstance(tenant, str) or not tenant:
        raise ValueError("tenant must be a non-empty string")
    tenant_p, id_p, role_p, attrs_p = _PLACEHOLDERS[paramstyle]
    sql = f"SELECT tenet_set_principal({tenant_p}, {id_p}, {role_p}, {attrs_p}::jsonb)"
    attrs = json.dumps(_jsonable(dict(principal.attrs)), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if paramstyle == "pyformat":
        return sql, {"tenant": tenant, "id": principal.id, "role": principal.role, "attrs": attrs}
    return sql, (tenant, principal.id, principal.role, attrs)


def _jsonable(value: Any) -> Any:
    """Python sets (for the schema's set<...>) become sorted JSON arrays; the rest is JSON already."""
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value
