#include "engine/warnings.hpp"

#include <algorithm>
#include <vector>

namespace tenet::check {
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
  for (Index i = 0; i < tenant.roles.size(); ++i) {
    const model::Role& role = tenant.roles[i];
    if (role.parents.empty()) continue;
    const bool reached = std::any_of(tenant.transitions.begin(), tenant.transitions.end(),
                                     [&](const model::Transition& t) { return t.to == i; });
    if (!reached)
      reporter.report(DiagCode::UnreachableRole, role.span, {names.name(role.name), context});
  }
}

// The principal roles a `for` list applies to.
std::vector<bool> applies_to(const model::Tenant& tenant, const model::RoleList& list) {
  std::vector<bool> out(tenant.roles.size(), false);
  for (Index r = 0; r < tenant.roles.size(); ++r) out[r] = tenant.matches(r, list);
  return out;
}

bool covers(const model::Rule& forbid, const model::Rule& permit, const model::Tenant& tenant) {
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
  const std::vector<bool> permitted = applies_to(tenant, permit.roles);
  const std::vector<bool> forbidden = applies_to(tenant, forbid.roles);
  for (std::size_t r = 0; r < permitted.size(); ++r) {
    if (permitted[r] && !forbidden[r]) return false;
  }
  return true;
}

void overridden_permits(const model::Tenant& tenant, std::string_view context, Reporter& reporter) {
  for (const model::Rule& permit : tenant.rules) {
    if (permit.effect != model::Effect::Permit) continue;
    for (const model::Rule& forbid : tenant.rules) {
      if (forbid.effect != model::Effect::Forbid || forbid.when != kNone || forbid.unless != kNone)
        continue;
      if (!covers(forbid, permit, tenant)) continue;
      reporter.report(DiagCode::PermitAlwaysOverridden, permit.span,
                      {context, reporter.where(forbid.span)});
      break;  // one forbid is enough to make the point
    }
  }
}

}  // namespace

void report_warnings(const model::Tenant& tenant, const model::Schema& schema,
                     const model::Interner& names, std::string_view context, Reporter& reporter) {
  unreachable_states(tenant, schema, names, reporter);
  unreachable_roles(tenant, names, context, reporter);
  overridden_permits(tenant, context, reporter);
}

}  // namespace tenet::check
