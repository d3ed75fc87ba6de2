#include "engine/checker/internal/lint_rules.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/checker/internal/lint_text.hpp"
#include "engine/model/rule_coverage.hpp"

namespace tenet::checker {
namespace {

using model::Index;
using model::kNone;

// What a rule says, as text: equal shapes, equal rules (ids aside).
std::string shape(const LintContext& context, const SourceSet& sources, const model::Tenant& tenant,
                  const model::Rule& rule) {
  constexpr char kSeparator = '\x1f';
  const auto sorted = [&](std::vector<std::string_view> names) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::string out;
    for (const std::string_view name : names) (out += name) += ',';
    return out;
  };
  std::vector<std::string_view> actions;
  for (const model::Symbol action : rule.actions) actions.push_back(context.names.name(action));
  std::vector<std::string_view> types;
  for (const Index type : rule.types)
    types.push_back(context.names.name(context.schema.resources[type].name));
  std::vector<std::string_view> roles;
  for (const Index role : rule.roles.roles)
    roles.push_back(context.names.name(tenant.roles[role].name));
  std::string out = rule.effect == model::Effect::Permit ? "permit" : "forbid";
  out += kSeparator;
  out += rule.all_actions ? "*" : sorted(actions);
  out += kSeparator;
  out += rule.all_types ? "*" : sorted(types);
  out += kSeparator;
  out += rule.roles.all ? "*" : sorted(roles);
  out += kSeparator;
  out += normalized_condition(sources, tenant, rule.when);
  out += kSeparator;
  out += normalized_condition(sources, tenant, rule.unless);
  return out;
}

// `permit` or `forbid`.
std::string_view effect_name(const model::Rule& rule) {
  return rule.effect == model::Effect::Permit ? "permit" : "forbid";
}

// Does `wide` name every item `narrow` names, and does it name more?
template <typename T>
std::pair<bool, bool> covers(bool wide_all, const std::vector<T>& wide, bool narrow_all,
                             const std::vector<T>& narrow) {
  if (wide_all) return {true, !narrow_all};
  if (narrow_all) return {false, false};
  for (const T& item : narrow) {
    if (std::find(wide.begin(), wide.end(), item) == wide.end()) return {false, false};
  }
  return {true, std::any_of(wide.begin(), wide.end(), [&](const T& item) {
            return std::find(narrow.begin(), narrow.end(), item) == narrow.end();
          })};
}

// A permit's condition, for wider-permit: its top-level `when` conjuncts
// and its `unless`, normalized.
struct Condition {
  std::vector<std::string> when;  // sorted
  std::string unless;
};

Condition condition_of(const SourceSet& sources, const model::Tenant& tenant,
                       const model::Rule& rule) {
  Condition out;
  for (const model::ExprId conjunct : model::conjuncts(tenant, rule.when))
    out.when.push_back(normalized_condition(sources, tenant, conjunct));
  std::sort(out.when.begin(), out.when.end());
  out.when.erase(std::unique(out.when.begin(), out.when.end()), out.when.end());
  out.unless = normalized_condition(sources, tenant, rule.unless);
  return out;
}

class WiderPermits {
 public:
  WiderPermits(const LintContext& context, const LintedTenant& linted,
               const std::vector<RuleOrigin>& origins, LintReporter& reporter)
      : context_(context),
        tenant_(*linted.tenant),
        unit_(*linted.unit),
        origins_(origins),
        reporter_(reporter),
        expander_(tenant_) {}

  void run() {
    std::vector<Index> inherited;
    for (Index i = 0; i < tenant_.rules.size(); ++i) {
      if (tenant_.rules[i].effect == model::Effect::Permit && !is_own(unit_, origins_[i].layer))
        inherited.push_back(i);
    }
    if (inherited.empty()) return;
    for (Index p = 0; p < tenant_.rules.size(); ++p) {
      if (tenant_.rules[p].effect != model::Effect::Permit || !is_own(unit_, origins_[p].layer))
        continue;
      for (const Index t : inherited) {
        if (++pairs_ > kPairBudget) return;  // contrived sets: a lint is not worth a stalled check
        std::string more = wider(tenant_.rules[p], p, tenant_.rules[t], t);
        if (more.empty()) continue;
        const model::Rule& permit = tenant_.rules[p];
        const model::Rule& base = tenant_.rules[t];
        reporter_.report(
            DiagCode::WiderPermit, permit.span,
            {unit_.context, base.id, owner_name(context_, unit_.layers[origins_[t].layer]),
             reporter_.where(base.span), more});
        break;
      }
    }
  }

 private:
  static constexpr std::size_t kPairBudget = 5'000'000;

  const Condition& condition(Index rule) {
    auto at = conditions_.find(rule);
    if (at == conditions_.end())
      at =
          conditions_.emplace(rule, condition_of(reporter_.sources(), tenant_, tenant_.rules[rule]))
              .first;
    return at->second;
  }

  // What `permit` grants beyond `base` ("" if it does not grant all of it, or no more).
  std::string wider(const model::Rule& permit, Index p, const model::Rule& base, Index b) {
    const auto [all_actions, more_actions] =
        covers(permit.all_actions, permit.actions, base.all_actions, base.actions);
    if (!all_actions) return {};
    const auto [all_types, more_types] =
        covers(permit.all_types, permit.types, base.all_types, base.types);
    if (!all_types) return {};
    const Condition& wide = condition(p);
    const Condition& narrow = condition(b);
    if (!wide.unless.empty() && wide.unless != narrow.unless) return {};
    if (!std::includes(narrow.when.begin(), narrow.when.end(), wide.when.begin(), wide.when.end()))
      return {};
    const bool weaker =
        wide.when.size() < narrow.when.size() || (wide.unless.empty() && !narrow.unless.empty());
    expander_.expand(permit.roles, wide_roles_);
    expander_.expand(base.roles, narrow_roles_);
    bool more_roles = false;
    for (std::size_t w = 0; w < wide_roles_.size(); ++w) {
      if ((narrow_roles_[w] & ~wide_roles_[w]) != 0) return {};
      more_roles = more_roles || (wide_roles_[w] & ~narrow_roles_[w]) != 0;
    }
    std::string out;
    const auto add = [&](bool yes, std::string_view what) {
      if (yes) (out += out.empty() ? "" : ", ") += what;
    };
    add(more_actions, "more actions");
    add(more_types, "more resource types");
    add(more_roles, "more roles");
    add(weaker, "a weaker condition");
    return out;
  }

  const LintContext& context_;
  const model::Tenant& tenant_;
  const Unit& unit_;
  const std::vector<RuleOrigin>& origins_;
  LintReporter& reporter_;
  const model::RoleExpander expander_;
  std::vector<std::uint64_t> wide_roles_;
  std::vector<std::uint64_t> narrow_roles_;
  std::unordered_map<Index, Condition> conditions_;
  std::size_t pairs_ = 0;
};

}  // namespace

void lint_inherited_rules(const LintContext& context, const LintedTenant& linted,
                          LintReporter& reporter) {
  const model::Tenant& tenant = *linted.tenant;
  const Unit& unit = *linted.unit;
  const std::vector<RuleOrigin> origins = rule_origins(unit, tenant);
  if (origins.empty()) return;

  // identical-override: a partner's rule whose shape an inherited rule has.
  std::unordered_map<std::string, Index> inherited;  // shape → first inherited rule
  for (Index i = 0; i < tenant.rules.size(); ++i) {
    if (!is_own(unit, origins[i].layer))
      inherited.emplace(shape(context, reporter.sources(), tenant, tenant.rules[i]), i);
  }
  if (inherited.empty()) return;
  for (Index i = 0; i < tenant.rules.size(); ++i) {
    if (!is_own(unit, origins[i].layer)) continue;
    const model::Rule& rule = tenant.rules[i];
    const auto found = inherited.find(shape(context, reporter.sources(), tenant, rule));
    if (found == inherited.end()) continue;
    const model::Rule& base = tenant.rules[found->second];
    const std::string subject = "this " + std::string(effect_name(rule));
    const std::string object = "rule '" + base.id + "'";
    reporter.report(DiagCode::IdenticalOverride, rule.span,
                    {subject, unit.context, object,
                     owner_name(context, unit.layers[origins[found->second].layer]), "repeats",
                     reporter.where(base.span)});
  }

  WiderPermits(context, linted, origins, reporter).run();
}

void lint_reused_rule_ids(const LintContext& context, const std::vector<LintedTenant>& tenants,
                          LintReporter& reporter) {
  struct First {
    std::string shape;
    std::string_view tenant;
    Span span;
  };
  std::map<std::string, First, std::less<>> first;  // by @id
  for (const LintedTenant& linted : tenants) {
    const model::Tenant& tenant = *linted.tenant;
    const std::vector<RuleOrigin> origins = rule_origins(*linted.unit, tenant);
    for (Index i = 0; i < origins.size(); ++i) {
      const RuleOrigin& origin = origins[i];
      if (!is_own(*linted.unit, origin.layer) || !origin.decl->annotation) continue;
      const ast::Name& id = origin.decl->annotation->id;
      std::string rule_shape = shape(context, reporter.sources(), tenant, tenant.rules[i]);
      const std::string_view name = context.names.name(tenant.name);
      const auto [at, fresh] = first.try_emplace(id.text, First{rule_shape, name, id.span});
      if (fresh || at->second.shape == rule_shape || at->second.tenant == name) continue;
      reporter.report(
          DiagCode::ReusedRuleId, id.span,
          {id.text, linted.unit->context, at->second.tenant, reporter.where(at->second.span)});
    }
  }
}

}  // namespace tenet::checker
