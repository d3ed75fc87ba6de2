// Guards for optional attributes (docs/LANGUAGE.md §6): the attributes a
// `has` proves present, and how those facts combine. Facts flow left to
// right through `&&` (what the left side proves when true) and `||` (what it
// proves when false: `!(principal has x) || principal.x`); `not` swaps them.
// ExpressionChecker applies these rules as it checks.
//
// Internal to engine/ (included by expression_checker and tenant_resolver).
// Pure functions.
#pragma once

#include <set>
#include <string>
#include <utility>

#include "grammar/ast.hpp"

namespace tenet::checker {

// Attributes known to be present: `(entity, name)` pairs established by `has`.
using Facts = std::set<std::pair<ast::Entity, std::string>>;

[[nodiscard]] Facts unite(Facts a, const Facts& b);
[[nodiscard]] Facts intersect(const Facts& a, const Facts& b);

}  // namespace tenet::checker
