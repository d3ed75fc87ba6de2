// The lint passes on features, plans and lifecycles (docs/LANGUAGE.md §9,
// "Lint"):
//
// - identical-override: a feature, plan or lifecycle of a partner's own body
//   that replaces the one its templates declare (LANGUAGE.md §4) with the
//   same declaration (normalized source text, ids aside).
// - unused-feature: a feature of the merged tenant that no condition reads
//   with enabled() (rules, transitions, features, plans, lifecycle edges)
//   and no plan requires. It is reported where the name is first declared
//   (the template's line when a partner only flips it), once.
//
// Internal to engine/ (included by lint.cpp).
#pragma once

#include "engine/checker/internal/lint_support.hpp"

namespace tenet::checker {

void lint_identical_overrides(const LintContext& context, const LintedTenant& linted,
                              LintReporter& reporter);

void lint_unused_features(const LintContext& context, const LintedTenant& linted,
                          LintReporter& reporter);

}  // namespace tenet::checker
