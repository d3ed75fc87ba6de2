#include "engine/checker/internal/warnings.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "engine/model/rule_coverage.hpp"

namespace tenet::checker {
namespace {

using model::Index;
using model::kNone;

void unreachable_states(const model::Tenant& tenant, const model::Schema& schema,
                        const model::Interner& names, Reporter& reporter) {
  for (const model::Lifecycle& lifecycle : tenant.lifecycles) {
    if (lifecycle.initial == kNone) continue;
    std::vector<bool> reached(lifecycle.states.size(), false);
    reached[lifecycle.initial] = true;
    // Edges are few: iterate to a fixed point.
    for (bool changed = true; changed;) {
      changed = false;
      for (const model::Edge& edge : lifecycle.edges) {
        if (edge.to == kNone || reached[edge.to]) continue;
        if (std::any_of(edge.from.begin(), edge.from.end(),
                        [&](Index from) { return reached[from]; })) {
          reached[edge.to] = true;
          changed = true;
        }
      }
    }
    for (Index i = 0; i < lifecycle.states.size(); ++i) {
      if (reached[i]) continue;
      reporter.report(DiagCode::UnreachableState, lifecycle.state_spans[i],
                      {names.name(lifecycle.states[i]),
                       names.name(schema.resources[lifecycle.resource_type].name),
                       names.name(lifecycle.states[lifecycle.initial])});
    }
  }
}

// A role with parents must be reachable by some transition; roles without
// parents are the lowest, where users start.
void unreachable_roles(const model::Tenant& tenant, const model::Interner& names,
                       std::string_view context, Reporter& reporter) {
  std::vector<bool> reached(tenant.roles.size(), false);
  for (const model::Transition& t : tenant.transitions) {
    if (t.to < reached.size()) reached[t.to] = true;
  }
  for (Index i = 0; i < tenant.roles.size(); ++i) {
    const model::Role& role = tenant.roles[i];
    if (role.parents.empty() || reached[i]) continue;
    reporter.report(DiagCode::UnreachableRole, role.span, {names.name(role.name), context});
  }
}

// Is every action and type of `permit` also one of `forbid`'s?
bool covers_actions_and_types(const model::Rule& forbid, const model::Rule& permit) {
  if (!forbid.all_actions) {
    if (permit.all_actions) return false;
    for (const model::Symbol action : permit.actions) {
      if (std::find(forbid.actions.begin(), forbid.actions.end(), action) == forbid.actions.end())
        return false;
    }
  }
  if (!forbid.all_types) {
    if (permit.all_types) return false;
    for (const Index type : permit.types) {
      if (std::find(forbid.types.begin(), forbid.types.end(), type) == forbid.types.end())
        return false;
    }
  }
  return true;
}

// Permits an unconditional forbid covers in every action, type and role.
//
// Unconditional forbids are indexed by each (action, type) pair they name
// (`*` as a pair member of its own), so a permit is compared only with the
// forbids that name its first action and type, or `*`: with no forbid at
// all nothing is compared, and the index is as large as the forbids'
// lists, which the table limit bounds. Within a bucket, forbids that do
// not cover still cost a comparison each; kComparisonBudget bounds that
// for contrived sets of thousands of near-miss forbids (a warning that is
// not given there is not worth a stalled `check`).
void overridden_permits(const model::Tenant& tenant, std::string_view context, Reporter& reporter) {
  constexpr model::Symbol kAny = kNone;
  using Key = std::pair<model::Symbol, Index>;  // (action or kAny, type or kAny)
  std::map<Key, std::vector<Index>> forbids;    // declaration order in each
  for (Index i = 0; i < tenant.rules.size(); ++i) {
    const model::Rule& rule = tenant.rules[i];
    if (rule.effect != model::Effect::Forbid || rule.when != kNone || rule.unless != kNone)
      continue;
    const std::vector<model::Symbol> actions =
        rule.all_actions ? std::vector<model::Symbol>{kAny} : rule.actions;
    const std::vector<Index> types = rule.all_types ? std::vector<Index>{kAny} : rule.types;
    for (const model::Symbol action : actions) {
      for (const Index type : types) {
        std::vector<Index>& bucket = forbids[{action, type}];
        if (bucket.empty() || bucket.back() != i) bucket.push_back(i);
      }
    }
  }
  if (forbids.empty()) return;

  const model::RoleExpander expander(tenant);
  std::vector<std::uint64_t> permitted;
  std::vector<std::uint64_t> forbidden;
  constexpr std::size_t kComparisonBudget = 50'000'000;  // in 64-role words compared
  std::size_t spent = 0;
  for (const model::Rule& permit : tenant.rules) {
    if (permit.effect != model::Effect::Permit) continue;
    if (!permit.all_actions && permit.actions.empty()) continue;
    if (!permit.all_types && permit.types.empty()) continue;
    const model::Symbol action = permit.all_actions ? kAny : permit.actions.front();
    const Index type = permit.all_types ? kAny : permit.types.front();
    expander.expand(permit.roles, permitted);
    // The earliest covering forbid of the (up to four) buckets that can hold one.
    Index first = kNone;
    std::vector<Key> keys;
    for (const model::Symbol a : {action, kAny}) {
      for (const Index t : {type, kAny}) {
        if (std::find(keys.begin(), keys.end(), Key{a, t}) == keys.end()) keys.emplace_back(a, t);
      }
    }
    for (const Key& key : keys) {
      const auto bucket = forbids.find(key);
      if (bucket == forbids.end()) continue;
      for (const Index f : bucket->second) {
        if (f >= first || spent > kComparisonBudget) break;
        spent += 1 + expander.words();
        const model::Rule& forbid = tenant.rules[f];
        if (!covers_actions_and_types(forbid, permit)) continue;
        expander.expand(forbid.roles, forbidden);
        bool roles_covered = true;
        for (std::size_t w = 0; w < permitted.size(); ++w)
          roles_covered = roles_covered && (permitted[w] & ~forbidden[w]) == 0;
        if (!roles_covered) continue;
        first = f;
        break;
      }
    }
    if (first == kNone) continue;
    reporter.report(DiagCode::PermitAlwaysOverridden, permit.span,
                    {context, reporter.where(tenant.rules[first].span)});
  }
}

}  // namespace

void report_warnings(const model::Tenant& tenant, const model::Schema& schema,
                     const model::Interner& names, std::string_view context, Reporter& reporter) {
  unreachable_states(tenant, schema, names, reporter);
  unreachable_roles(tenant, names, context, reporter);
  overridden_permits(tenant, context, reporter);
}

}  // namespace tenet::checker
