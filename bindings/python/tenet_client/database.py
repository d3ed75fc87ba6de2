"""The session settings that `tenet sql`'s row-level security reads, for one request.

`tenet sql` (docs/DATABASE.md) emits the SQL function
`tenet_set_principal(tenant, id, role, attrs json)`, which validates the
attributes as `check` does (it raises, SQLSTATE 22023, where `check` answers
invalid_request) and sets `tenet.tenant`, `tenet.principal.id`,
`tenet.principal.role` and one setting per attribute with
`set_config(..., true)`: local to the current transaction. This module builds
the statement that calls it, with every value as a bound parameter, never
spliced into the text. The attributes travel as `json`, not `jsonb`: jsonb
would rewrite numbers (1e3 becomes 1000, an int, where `check` sees a float).

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
    object (the function checks each one against the schema's type and raises
    on a mismatch, as `check` answers invalid_request). NaN and infinities are
    refused here: they are not JSON.
    """
    if paramstyle not in _PLACEHOLDERS:
        raise ValueError(f"unknown paramstyle {paramstyle!r}; expected one of {sorted(_PLACEHOLDERS)}")
    if not isinstance(tenant, str) or not tenant:
        raise ValueError("tenant must be a non-empty string")
    tenant_p, id_p, role_p, attrs_p = _PLACEHOLDERS[paramstyle]
    sql = f"SELECT tenet_set_principal({tenant_p}, {id_p}, {role_p}, {attrs_p}::json)"
    attrs = json.dumps(_jsonable(dict(principal.attrs)), separators=(",", ":"), sort_keys=True,
                       ensure_ascii=False, allow_nan=False)
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
