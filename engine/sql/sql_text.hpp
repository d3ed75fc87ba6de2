// Safe SQL text: quoting of identifiers and literals for the PostgreSQL that
// `tenet sql` and the `filter` op write for.
//
// Every name and value that comes from a policy set (table, column, tenant,
// role and attribute names, string literals) reaches SQL only through these
// functions, so quotes, semicolons, backslashes and unicode in them can never
// end a literal or an identifier early. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tenet::sql {

// `"name"`, with every `"` doubled: usable as any identifier, whatever it holds.
[[nodiscard]] std::string quote_ident(std::string_view name);

// `'text'` with every `'` doubled; `E'...'` (backslashes doubled too) when the
// text holds a backslash, so the result means the same whatever the server's
// standard_conforming_strings. nullopt for text PostgreSQL cannot store (a NUL
// byte): the caller treats such a value as untranslatable.
[[nodiscard]] std::optional<std::string> quote_literal(std::string_view text);

}  // namespace tenet::sql
