#include "engine/check_prefetch.hpp"

#include <algorithm>

namespace tenet {
namespace {

template <typename T>
void prefetch(const T* address) {
  __builtin_prefetch(static_cast<const void*>(address), 0, 3);
}

// The rule cell of a check, or null when the request's indices do not name
// one (check then stops at isolation).
const compiled::RuleCell* cell_of(const compiled::Tenant& tenant, const CheckRequest& request) {
  if (request.principal.role >= tenant.role_count || request.resource.type >= tenant.type_count)
    return nullptr;
  const Index action =
      request.action < tenant.action_slot.size() ? tenant.action_slot[request.action] : 0;
  return &tenant.cell(action, request.resource.type, request.principal.role);
}

// The first candidates of a range: a condition's nodes and its rule.
void prefetch_candidates(const compiled::Layout& layout, const compiled::Tenant& tenant,
                         compiled::Range range) {
  constexpr Index kFirst = 2;
  for (Index i = range.begin; i < range.begin + std::min(range.count, kFirst); ++i) {
    const compiled::Candidate& candidate = tenant.candidates[i];
    if (candidate.when < layout.nodes.size()) {
      prefetch(&layout.nodes[candidate.when]);
      prefetch(&layout.constants[candidate.when]);
    }
    prefetch(&tenant.rules[candidate.rule]);
  }
}

}  // namespace

void prefetch_check(const CompiledPolicySet& policies, const CheckRequest& request, int stage) {
  const compiled::Layout& layout = policies.layout();
  if (request.tenant >= layout.tenants.size()) return;
  const compiled::Tenant& tenant = layout.tenants[request.tenant];
  switch (stage) {
    case 0:
      if (request.action < tenant.action_slot.size()) prefetch(&tenant.action_slot[request.action]);
      return;
    case 1:
      if (const compiled::RuleCell* cell = cell_of(tenant, request)) prefetch(cell);
      return;
    case 2:
      if (const compiled::RuleCell* cell = cell_of(tenant, request)) {
        if (cell->forbids.count > 0) prefetch(&tenant.candidates[cell->forbids.begin]);
        if (cell->permits.count > 0) prefetch(&tenant.candidates[cell->permits.begin]);
      }
      return;
    case 3:
      if (const compiled::RuleCell* cell = cell_of(tenant, request)) {
        prefetch_candidates(layout, tenant, cell->forbids);
        prefetch_candidates(layout, tenant, cell->permits);
      }
      return;
    default:
      return;
  }
}

}  // namespace tenet
