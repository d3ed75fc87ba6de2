// The checker's driver: schema, then the template graph, then every template
// on its own, then every tenant; each pass reports and keeps going.
//
// A template's lines are checked once on their own and again inside every
// tenant that extends it. A problem found again at the same place (same
// span, same code) is reported once, by the first unit that found it:
// templates come first (each after the templates it extends), then tenants.
// So a template's own mistakes read "in template 'retail'", and only a
// problem that a tenant's combination causes on a template line (say, the
// tenant replaced the lifecycle the template's rule names a state of) reads
// "in tenant 'acme'".
#include "engine/checker/checker.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <tuple>

#include "engine/checker/internal/check_support.hpp"
#include "engine/checker/internal/schema_checker.hpp"
#include "engine/checker/internal/template_graph.hpp"
#include "engine/checker/internal/tenant_resolver.hpp"
#include "engine/checker/internal/warnings.hpp"
#include "engine/model/rule_coverage.hpp"
#include "grammar/source/policy_limits.hpp"

namespace tenet::checker {
namespace {

using Key = std::tuple<FileId, std::uint32_t, std::uint32_t, DiagCode>;

Key key_of(const Diagnostic& d) { return {d.span.file, d.span.offset, d.span.length, d.code}; }

// Moves a unit's diagnostics into `out`, minus those an earlier unit reported.
void merge(std::vector<Diagnostic>& unit, std::set<Key>& reported, std::vector<Diagnostic>& out) {
  std::set<Key> fresh;
  for (Diagnostic& diagnostic : unit) {
    const Key key = key_of(diagnostic);
    if (reported.count(key) != 0) continue;
    fresh.insert(key);
    out.push_back(std::move(diagnostic));
  }
  reported.insert(fresh.begin(), fresh.end());
  unit.clear();
}

// `tenant 'acme'` / `template 'retail'`.
std::string unit_label(const checker::Unit& unit) {
  return std::string(unit.is_template ? "template '" : "tenant '") + unit.name->text + "'";
}

// The limits a unit's declarations can be counted against before resolving
// it (whose cost grows with them); false after reporting one.
bool within_declaration_limits(const checker::Unit& unit, checker::Reporter& reporter) {
  std::size_t rules = 0;
  std::size_t roles = 0;
  for (const checker::Layer& layer : unit.layers) {
    rules += layer.body->rules.size();
    roles += layer.body->roles.size();
  }
  const char* const included = unit.layers.size() > 1 ? " (its templates' included)" : "";
  if (rules > limits::kMaxRulesPerTenant) {
    reporter.report(DiagCode::PolicyTooLarge, unit.name->span,
                    {unit_label(unit) + " has " + std::to_string(rules) + " rules" + included,
                     std::to_string(limits::kMaxRulesPerTenant)});
    return false;
  }
  if (roles > limits::kMaxRolesPerTenant) {
    reporter.report(DiagCode::PolicyTooLarge, unit.name->span,
                    {unit_label(unit) + " declares " + std::to_string(roles) + " roles" + included,
                     std::to_string(limits::kMaxRolesPerTenant)});
    return false;
  }
  return true;
}

// check's table (engine/model/rule_coverage.hpp) before the compiler builds it.
bool within_table_limit(const checker::Unit& unit, const model::Tenant& tenant,
                        const model::Schema& schema, checker::Reporter& reporter) {
  const std::uint64_t entries = model::RuleCoverage(tenant, schema.resources.size()).entries();
  if (entries <= limits::kMaxRuleTableEntries) return true;
  reporter.report(DiagCode::PolicyTooLarge, unit.name->span,
                  {"the rules of " + unit_label(unit) + " apply to " + std::to_string(entries) +
                       " (action, resource type, role) combinations; name fewer actions, types "
                       "or roles per rule than '*' gives",
                   std::to_string(limits::kMaxRuleTableEntries)});
  return false;
}

}  // namespace

CheckResult check_policy_set(std::shared_ptr<const SourceSet> sources,
                             const std::vector<std::shared_ptr<const ast::File>>& files) {
  auto policy_set = std::make_shared<model::PolicySet>();
  policy_set->sources = sources;
  checker::Reporter reporter(*sources);
  std::vector<Diagnostic> diagnostics;
  std::set<Key> reported;

  policy_set->schema = checker::check_schema(files, policy_set->names, reporter);
  const checker::Units units = checker::build_units(files, reporter);
  merge(reporter.diagnostics(), reported, diagnostics);

  // Templates on their own: only their diagnostics matter, the model is dropped.
  for (const checker::Unit& unit : units.templates) {
    if (!within_declaration_limits(unit, reporter)) {
      merge(reporter.diagnostics(), reported, diagnostics);
      continue;
    }
    std::vector<model::Node> scratch;
    (void)checker::resolve_unit(unit, policy_set->schema, policy_set->names, scratch, reporter);
    merge(reporter.diagnostics(), reported, diagnostics);
  }
  for (const checker::Unit& unit : units.tenants) {
    if (!within_declaration_limits(unit, reporter)) {
      merge(reporter.diagnostics(), reported, diagnostics);
      continue;
    }
    model::Tenant tenant = checker::resolve_unit(unit, policy_set->schema, policy_set->names,
                                                 policy_set->nodes, reporter);
    // Warnings judge a whole, resolved tenant; on a tenant with errors they
    // would mostly echo those errors (a state "unreachable" through an edge
    // that names a misspelt state), so they wait until the errors are fixed.
    if (!has_errors(reporter.diagnostics()) &&
        within_table_limit(unit, tenant, policy_set->schema, reporter)) {
      checker::report_warnings(tenant, policy_set->schema, policy_set->names, unit.context,
                               reporter);
    }
    merge(reporter.diagnostics(), reported, diagnostics);
    policy_set->tenants.push_back(std::move(tenant));
  }

  sort_and_unique(diagnostics, *sources);
  CheckResult result;
  if (!has_errors(diagnostics)) result.policy_set = std::move(policy_set);
  result.diagnostics = std::move(diagnostics);
  return result;
}

}  // namespace tenet::checker
