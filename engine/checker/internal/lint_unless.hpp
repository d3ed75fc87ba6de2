// The `unless-never-holds` lint (docs/LANGUAGE.md §9, "Lint"): an `unless`
// that is false for every request its rule applies to, so the rule reads as
// if it had none.
//
// Decided on the typed nodes, without running anything: constants folded
// (`false`, `1 == 2`, `"a" in ["b"]`), an operand compared with itself
// (`x != x`, `x < x`), and contradictions between the facts of one `&&`
// chain, of `||`/`!` through De Morgan, and of the rule's `when` (the
// `unless` is only read where it holds): one attribute equal to two
// different constants, outside an `in [...]` list, out of an int range
// (`x > 5 && x < 3`), every member of an enum or bool excluded, the same
// test both true and false (`enabled(f) && !enabled(f)`), and values that
// cannot occur: `principal.role` is one of the roles the rule is `for`,
// `resource.type` one of its types, `principal.tenant` and
// `resource.tenant` the tenant itself.
//
// Internal to engine/ (included by lint.cpp). Pure function.
#pragma once

#include <string>

#include "engine/model/model.hpp"

namespace tenet::checker {

// Why `rule`'s `unless` can never hold ("" when it may, or has none).
[[nodiscard]] std::string unless_never_holds(const model::Tenant& tenant, const model::Rule& rule,
                                             const model::Schema& schema);

}  // namespace tenet::checker
