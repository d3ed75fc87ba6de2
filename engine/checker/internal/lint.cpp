#include "engine/checker/internal/lint.hpp"

#include <string>

#include "engine/checker/internal/lint_declarations.hpp"
#include "engine/checker/internal/lint_rules.hpp"
#include "engine/checker/internal/lint_unless.hpp"

namespace tenet::checker {

void lint_tenant(const LintContext& context, const LintedTenant& linted, Reporter& reporter) {
  LintReporter lint(reporter);
  lint_unused_features(context, linted, lint);
  lint_identical_overrides(context, linted, lint);
  lint_inherited_rules(context, linted, lint);
  const model::Tenant& tenant = *linted.tenant;
  for (const model::Rule& rule : tenant.rules) {
    const std::string reason = unless_never_holds(tenant, rule, context.schema);
    if (!reason.empty()) {
      lint.report(DiagCode::UnlessNeverHolds, tenant.nodes[rule.unless].span,
                  {linted.unit->context, reason});
    }
  }
}

void lint_across_tenants(const LintContext& context, const std::vector<LintedTenant>& tenants,
                         Reporter& reporter) {
  LintReporter lint(reporter);
  lint_reused_rule_ids(context, tenants, lint);
}

}  // namespace tenet::checker
