// A deterministic, indented S-expression dump of an AST, for tests (compare
// dumps, not trees) and for a CLI command that shows what the parser read.
//
// Spans are not printed; names that are not plain identifiers and all string
// values are quoted with their escapes. Pure functions; thread-safe.
#pragma once

#include <string>

#include "grammar/ast.hpp"

namespace tenet::grammar {

// The whole file: schema, templates, tenants, tests, one construct a line.
[[nodiscard]] std::string dump(const ast::File& file);

// One expression on one line, e.g. `(and (== principal.kyc "verified") resource.locked)`.
[[nodiscard]] std::string dump(const ast::Expr& expr);

}  // namespace tenet::grammar
