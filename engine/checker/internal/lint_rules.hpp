// The lint passes that compare permit and forbid rules (docs/LANGUAGE.md §9,
// "Lint"):
//
// - identical-override: a partner's own rule that repeats one of its
//   templates' rules (same effect, actions, types, roles, `when` and
//   `unless`; ids aside). Rules add up, so the copy changes nothing.
// - wider-permit: a partner's own permit that grants everything one of its
//   templates' permits grants, and more: it names every action, type and
//   role the template's names (`*` and role inheritance count), its `when`
//   keeps only some of the template's top-level `&&` conjuncts (or none),
//   its `unless` is the template's or absent, and it differs in one of
//   these (the template's permit no longer limits anything).
// - reused-rule-id: one @id on rules of two partners' own bodies that say
//   different things (effect, actions, types, role names, `when`, `unless`).
//
// Rules compare by names and by normalized source text (lint_text.hpp).
//
// Internal to engine/ (included by lint.cpp).
#pragma once

#include <vector>

#include "engine/checker/internal/lint_support.hpp"

namespace tenet::checker {

void lint_inherited_rules(const LintContext& context, const LintedTenant& linted,
                          LintReporter& reporter);

// Across the tenants, in declaration order: each rule is compared with the
// first tenant's rule of the same @id.
void lint_reused_rule_ids(const LintContext& context, const std::vector<LintedTenant>& tenants,
                          LintReporter& reporter);

}  // namespace tenet::checker
