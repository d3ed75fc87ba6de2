// Tenant pass of the checker: the layers of one unit (a template on its own,
// or a tenant with its templates) → one merged, resolved model::Tenant.
//
// Applies the override rules of docs/LANGUAGE.md §4, resolves every name,
// type-checks every expression (through ExpressionChecker), assigns ids and
// reports duplicates and cycles.
//
// Internal to engine/ (included by checker.cpp); not shared between threads.
#pragma once

#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/checker/internal/template_graph.hpp"
#include "engine/model/model.hpp"

namespace tenet::checker {

// The tenant's expression nodes are its own (model::Tenant::nodes).
[[nodiscard]] model::Tenant resolve_unit(const Unit& unit, const model::Schema& schema,
                                         model::Interner& names, Reporter& reporter);

}  // namespace tenet::checker
