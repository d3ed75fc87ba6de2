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
#include "engine/checker.hpp"

#include <set>
#include <tuple>

#include "engine/check_support.hpp"
#include "engine/schema_checker.hpp"
#include "engine/template_graph.hpp"
#include "engine/tenant_resolver.hpp"
#include "engine/warnings.hpp"

namespace tenet {
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

}  // namespace

CheckResult check_policy_set(std::shared_ptr<const SourceSet> sources,
                             const std::vector<std::shared_ptr<const ast::File>>& files) {
  auto policy_set = std::make_shared<model::PolicySet>();
  policy_set->sources = sources;
  check::Reporter reporter(*sources);
  std::vector<Diagnostic> diagnostics;
  std::set<Key> reported;

  policy_set->schema = check::check_schema(files, policy_set->names, reporter);
  const check::Units units = check::build_units(files, reporter);
  merge(reporter.diagnostics(), reported, diagnostics);

  // Templates on their own: only their diagnostics matter, the model is dropped.
  for (const check::Unit& unit : units.templates) {
    std::vector<model::Node> scratch;
    (void)check::resolve_unit(unit, policy_set->schema, policy_set->names, scratch, reporter);
    merge(reporter.diagnostics(), reported, diagnostics);
  }
  for (const check::Unit& unit : units.tenants) {
    model::Tenant tenant = check::resolve_unit(unit, policy_set->schema, policy_set->names,
                                               policy_set->nodes, reporter);
    // Warnings judge a whole, resolved tenant; on a tenant with errors they
    // would mostly echo those errors (a state "unreachable" through an edge
    // that names a misspelt state), so they wait until the errors are fixed.
    if (!has_errors(reporter.diagnostics())) {
      check::report_warnings(tenant, policy_set->schema, policy_set->names, unit.context, reporter);
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

}  // namespace tenet
