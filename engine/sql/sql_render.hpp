// Rendering residual conditions (engine/partial/residual.hpp) as PostgreSQL boolean
// expressions: the `USING` / `WITH CHECK` conditions `tenet sql` writes and
// the `sql` of the filter op.
//
// A residual is two-valued (the partial evaluator already folded tenet's
// errors into `Present` guards), so each node becomes its plain SQL
// counterpart. Names reach the text only through sql::quote_ident and values
// only through sql::quote_literal (DDL) or as `$n` parameters (filter), never
// spliced. Where the principal stays symbolic (DDL), its values are read
// from the session settings written by tenet_set_principal (docs/DATABASE.md):
//
//   principal.id            NULLIF(current_setting('tenet.principal.id', true), '')
//   principal.<attr>        the attribute's JSON text, (NULLIF(...)::jsonb), read as
//     int ...::bigint, bool ...::boolean, string / enum ... #>> '{}' (so "" is a
//     present empty string), set<..> a JSON array, read as a SQL array
//
// An unset setting (or one set to '') reads as NULL, i.e. absent: a rule
// that needs it fails closed. Resource sets are array columns (text[] or
// bigint[]); resource.state is the column `state`. Text columns (string,
// enum, set<string> attributes, `id`, `state`, the tenant column) are
// compared byte for byte, COLLATE "C", as check compares strings, whatever
// the column's collation.
//
// Used by engine/sql/sql_ddl.cpp and by the filter op. Pure functions of their
// arguments; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/model/model.hpp"
#include "engine/partial/residual.hpp"

namespace tenet::sql {

using model::Index;
using model::kNone;

// The settings `tenet sql` policies read: `tenet.tenant`, `tenet.principal.id`,
// `tenet.principal.role`, `tenet.principal.<attr>`.
[[nodiscard]] std::string setting_name(std::string_view what);  // "tenant" → "tenet.tenant"
// The setting of principal attribute `attribute`: `tenet.principal.<attribute>`
// for names of [a-z0-9_] (not starting with a digit); any other name is
// encoded, `tenet.principal.x$` then each byte outside [a-z0-9_] as `$` and two
// hex digits (`Role` → `tenet.principal.x$$52ole`). PostgreSQL folds setting
// names to lower case; these cannot collide with each other or with
// `tenet.principal.id` / `.role`, whatever the case of the names.
[[nodiscard]] std::string principal_setting_name(std::string_view attribute);
// `NULLIF(current_setting('<name>', true), '')`: the setting's text, NULL when unset or ''.
[[nodiscard]] std::string read_setting(std::string_view name);
// A principal attribute's setting cast to its schema type (see above).
[[nodiscard]] std::string principal_attribute(const model::Attribute& attribute,
                                              const model::Interner& names);

// `(column = value AND column COLLATE "C" = value)`: equal byte for byte
// whatever the column's collation, and still served by an index on it.
// Compares tenant columns (isolation, the filter op's tenant predicate).
[[nodiscard]] std::string column_equals(const std::string& column, const std::string& value);

// A residual as SQL with every literal quoted inline (DDL).
[[nodiscard]] std::string render_inline(const partial::residual::Expr& condition);

// The filter op's SQL: `sql` is a WHERE condition over the type's table,
// tenant predicate first (`("provider_id" = $1 AND "provider_id" COLLATE "C" = $1)`), then the
// value checks of enum columns (as `tenet sql`'s tenet_valid policy makes them), then the residual;
// every value is a `$n` parameter, listed in `params` in order. `type` is an index of
// model::Schema::resources.
struct FilterSql {
  std::string sql;
  std::vector<partial::residual::Literal> params;
};
[[nodiscard]] FilterSql render_filter_sql(const partial::residual::Expr& allowed,
                                          const model::PolicySet& policies, model::Index type,
                                          std::string_view tenant);

// `(col IS NULL OR col IN ('a', 'b'))` for every enum attribute of a mapped
// type, joined with AND; "TRUE" when it has none. What check calls an
// invalid_request (an enum value outside its members) never passes.
[[nodiscard]] std::string enum_columns_valid(const model::PolicySet& policies,
                                             const model::ResourceType& type);

}  // namespace tenet::sql
