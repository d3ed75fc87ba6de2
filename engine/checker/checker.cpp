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
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "engine/checker/internal/check_support.hpp"
#include "engine/checker/internal/lint.hpp"
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

const ast::TenantDecl* tenant_declaring(const std::vector<std::shared_ptr<const ast::File>>& files,
                                        const Span& span) {
  for (const auto& file : files) {
    if (file->file != span.file) continue;
    for (const ast::TenantDecl& decl : file->tenants) {
      if (span.offset >= decl.span.offset &&
          span.offset + span.length <= decl.span.offset + decl.span.length)
        return &decl;
    }
  }
  return nullptr;
}

namespace {

// The verdicts being gathered, by tenant name (declaration order kept).
class Verdicts {
 public:
  explicit Verdicts(const std::vector<std::shared_ptr<const ast::File>>& files) {
    for (const auto& file : files) {
      for (const ast::TenantDecl& decl : file->tenants) {
        if (index_.emplace(decl.name.text, verdicts_.size()).second)
          verdicts_.push_back({decl.name.text, decl.span, {}});
      }
    }
  }
  checker::UnitVerdict* find(const std::string& tenant) {
    const auto at = index_.find(tenant);
    return at == index_.end() ? nullptr : &verdicts_[at->second];
  }
  std::vector<checker::UnitVerdict> take(const SourceSet& sources) {
    for (checker::UnitVerdict& verdict : verdicts_) sort_and_unique(verdict.diagnostics, sources);
    return std::move(verdicts_);
  }

 private:
  std::vector<checker::UnitVerdict> verdicts_;
  std::map<std::string, std::size_t> index_;
};

// A platform-phase diagnostic (schema, template graph) goes to the tenant
// whose declaration holds it, else to the platform part.
void attribute(const std::vector<Diagnostic>& found,
               const std::vector<std::shared_ptr<const ast::File>>& files, Verdicts& verdicts,
               std::vector<Diagnostic>& platform) {
  for (const Diagnostic& diagnostic : found) {
    const ast::TenantDecl* decl = tenant_declaring(files, diagnostic.span);
    checker::UnitVerdict* verdict = decl != nullptr ? verdicts.find(decl->name.text) : nullptr;
    (verdict != nullptr ? verdict->diagnostics : platform).push_back(diagnostic);
  }
}

// Resolves one tenant unit: limits, resolution, then (without errors)
// table size and warnings. The diagnostics stay in `reporter`.
model::Tenant resolve_tenant(const checker::Unit& unit, model::PolicySet& set,
                             checker::Reporter& reporter, bool& resolved) {
  resolved = within_declaration_limits(unit, reporter);
  if (!resolved) return {};
  model::Tenant tenant = checker::resolve_unit(unit, set.schema, set.names, reporter);
  // Warnings judge a whole, resolved tenant; on a tenant with errors they
  // would mostly echo those errors (a state "unreachable" through an edge
  // that names a misspelt state), so they wait until the errors are fixed.
  if (!has_errors(reporter.diagnostics()) &&
      within_table_limit(unit, tenant, set.schema, reporter)) {
    checker::report_warnings(tenant, set.schema, set.names, unit.context, reporter);
  }
  return tenant;
}

}  // namespace

CheckResult check_policy_set(std::shared_ptr<const SourceSet> sources,
                             const std::vector<std::shared_ptr<const ast::File>>& files,
                             const CheckerOptions& options) {
  auto policy_set = std::make_shared<model::PolicySet>();
  policy_set->sources = sources;
  checker::Reporter reporter(*sources);
  std::vector<Diagnostic> diagnostics;
  std::set<Key> reported;
  // Per unit: a unit's list is complete on its own (a template line broken
  // in two tenants is in both), deduplicated only against the platform's.
  Verdicts verdicts(files);
  std::vector<Diagnostic> platform;
  std::set<Key> platform_keys;

  policy_set->schema = checker::check_schema(files, policy_set->names, reporter);
  const checker::Units units = checker::build_units(files, reporter);
  attribute(reporter.diagnostics(), files, verdicts, platform);
  merge(reporter.diagnostics(), reported, diagnostics);

  // Templates on their own: only their diagnostics matter, the model is dropped.
  for (const checker::Unit& unit : units.templates) {
    if (within_declaration_limits(unit, reporter))
      (void)checker::resolve_unit(unit, policy_set->schema, policy_set->names, reporter);
    platform.insert(platform.end(), reporter.diagnostics().begin(), reporter.diagnostics().end());
    merge(reporter.diagnostics(), reported, diagnostics);
  }
  for (const Diagnostic& diagnostic : platform) platform_keys.insert(key_of(diagnostic));

  std::vector<model::Tenant> clean;
  const checker::LintContext lint{policy_set->schema, policy_set->names, files};
  std::vector<std::pair<const checker::Unit*, std::size_t>> linted;  // (unit, index in clean)
  for (const checker::Unit& unit : units.tenants) {
    bool resolved = false;
    model::Tenant tenant = resolve_tenant(unit, *policy_set, reporter, resolved);
    // Lint, like the warnings, judges tenants without errors only.
    if (options.lint && resolved && !has_errors(reporter.diagnostics())) {
      checker::lint_tenant(lint, {&unit, &tenant}, reporter);
      linted.emplace_back(&unit, clean.size());
    }
    checker::UnitVerdict* verdict = verdicts.find(unit.name->text);
    for (const Diagnostic& diagnostic : reporter.diagnostics()) {
      if (verdict != nullptr && platform_keys.count(key_of(diagnostic)) == 0)
        verdict->diagnostics.push_back(diagnostic);
    }
    merge(reporter.diagnostics(), reported, diagnostics);
    if (resolved) clean.push_back(std::move(tenant));
  }
  if (!linted.empty()) {
    std::vector<checker::LintedTenant> tenants;
    for (const auto& [unit, index] : linted) tenants.push_back({unit, &clean[index]});
    checker::lint_across_tenants(lint, tenants, reporter);
    attribute(reporter.diagnostics(), files, verdicts, platform);
    merge(reporter.diagnostics(), reported, diagnostics);
  }

  sort_and_unique(diagnostics, *sources);
  sort_and_unique(platform, *sources);
  CheckResult result;
  result.units = verdicts.take(*sources);
  const bool platform_ok = !has_errors(platform);
  if (platform_ok) {
    // Only the tenants whose unit is clean are servable.
    std::map<std::string_view, bool> ok;
    for (const checker::UnitVerdict& verdict : result.units) ok[verdict.tenant] = verdict.ok();
    for (model::Tenant& tenant : clean) {
      const auto at = ok.find(policy_set->names.name(tenant.name));
      if (at != ok.end() && at->second) policy_set->tenants.push_back(std::move(tenant));
    }
    result.servable = policy_set;
  }
  if (!has_errors(diagnostics)) result.policy_set = std::move(policy_set);
  result.diagnostics = std::move(diagnostics);
  result.platform_diagnostics = std::move(platform);
  return result;
}

CheckResult check_unit(std::shared_ptr<const model::PolicySet> platform,
                       std::shared_ptr<const SourceSet> sources,
                       const std::vector<std::shared_ptr<const ast::File>>& platform_files,
                       const std::shared_ptr<const ast::File>& unit_file) {
  auto policy_set = std::make_shared<model::PolicySet>(std::move(platform));
  policy_set->sources = sources;
  checker::Reporter reporter(*sources);
  std::vector<std::shared_ptr<const ast::File>> files = platform_files;
  files.push_back(unit_file);  // last: a name it declares again is reported on its line
  const std::vector<std::shared_ptr<const ast::File>> unit_only{unit_file};
  Verdicts verdicts(unit_only);

  // The template graph again (cheap: templates only), for the unit's layers;
  // only what concerns the unit's file is the unit's.
  const checker::Units units = checker::build_units(files, reporter);
  std::vector<Diagnostic> found;
  for (const Diagnostic& diagnostic : reporter.diagnostics()) {
    if (diagnostic.span.file == unit_file->file) found.push_back(diagnostic);
  }
  reporter.diagnostics().clear();
  std::vector<Diagnostic> ignored;  // the platform's: it checked clean before
  attribute(found, unit_only, verdicts, ignored);

  bool resolved = false;
  for (const checker::Unit& unit : units.tenants) {
    if (unit.span.file != unit_file->file) continue;
    model::Tenant tenant = resolve_tenant(unit, *policy_set, reporter, resolved);
    if (checker::UnitVerdict* verdict = verdicts.find(unit.name->text)) {
      verdict->diagnostics.insert(verdict->diagnostics.end(), reporter.diagnostics().begin(),
                                  reporter.diagnostics().end());
    }
    reporter.diagnostics().clear();
    if (resolved) policy_set->tenants.push_back(std::move(tenant));
  }

  CheckResult result;
  result.units = verdicts.take(*sources);
  for (const checker::UnitVerdict& verdict : result.units) {
    result.diagnostics.insert(result.diagnostics.end(), verdict.diagnostics.begin(),
                              verdict.diagnostics.end());
  }
  sort_and_unique(result.diagnostics, *sources);
  if (!has_errors(result.diagnostics) && !policy_set->tenants.empty()) {
    result.servable = policy_set;
    result.policy_set = std::move(policy_set);
  }
  return result;
}

}  // namespace tenet::checker
