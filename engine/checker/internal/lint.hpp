// The lint of `tenet check --lint` (docs/LANGUAGE.md §9, "Lint"): warnings
// an author asks for, each ending with the code that silences it
// (`// tenet-lint: ignore CODE`, lint_silence.hpp). They judge resolved
// tenants without errors, like the other warnings, and never change a
// verdict. The passes:
//
//   lint_rules.hpp         identical-override (rules), wider-permit, reused-rule-id
//   lint_declarations.hpp  identical-override (features, plans, lifecycles), unused-feature
//   lint_unless.hpp        unless-never-holds
//
// Internal to engine/ (included by checker.cpp).
#pragma once

#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/checker/internal/lint_support.hpp"

namespace tenet::checker {

// The lints of one tenant on its own.
void lint_tenant(const LintContext& context, const LintedTenant& linted, Reporter& reporter);

// The lints across tenants (reused-rule-id), in declaration order.
void lint_across_tenants(const LintContext& context, const std::vector<LintedTenant>& tenants,
                         Reporter& reporter);

}  // namespace tenet::checker
