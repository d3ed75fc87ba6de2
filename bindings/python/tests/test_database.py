"""set_principal_statement: the statement that scopes one database transaction to a principal."""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from tenet_client import Principal  # noqa: E402
from tenet_client.database import set_principal_statement  # noqa: E402

HOSTILE = "x'); DROP TABLE documents; --\u00e9"


class SetPrincipalStatement(unittest.TestCase):
    def test_values_are_parameters_never_text(self) -> None:
        principal = Principal(id=HOSTILE, role="basic", attrs={"kyc": HOSTILE, "tags": ["b", "a"]})
        for style in ("format", "numeric", "qmark", "pyformat"):
            sql, params = set_principal_statement(HOSTILE, principal, paramstyle=style)
            self.assertNotIn("DROP", sql, style)
            self.assertNotIn("'", sql, style)
            values = list(params.values()) if isinstance(params, dict) else list(params)
            self.assertEqual(values[:3], [HOSTILE, HOSTILE, "basic"], style)
            self.assertEqual(json.loads(values[3]), {"kyc": HOSTILE, "tags": ["b", "a"]}, style)

    def test_placeholders_per_paramstyle(self) -> None:
        alice = Principal(id="alice", role="basic", attrs={"kyc": "verified", "account_age_days": 12})
        self.assertEqual(set_principal_statement("acme", alice)[0],
                         "SELECT tenet_set_principal(%s, %s, %s, %s::json)")
        self.assertEqual(set_principal_statement("acme", alice, "numeric")[0],
                         "SELECT tenet_set_principal($1, $2, $3, $4::json)")
        sql, params = set_principal_statement("acme", alice, "numeric")
        self.assertEqual(params, ("acme", "alice", "basic", '{"account_age_days":12,"kyc":"verified"}'))

    def test_bad_arguments_are_refused(self) -> None:
        alice = Principal(id="alice", role="basic")
        with self.assertRaises(ValueError):
            set_principal_statement("acme", alice, paramstyle="named-ish")
        with self.assertRaises(ValueError):
            set_principal_statement("", alice)
        with self.assertRaises(ValueError):  # not JSON: never sent
            set_principal_statement("acme", Principal(id="alice", role="basic", attrs={"age": float("nan")}))


if __name__ == "__main__":
    unittest.main()
