#include "engine/eval/check_prefetch.hpp"

#include <algorithm>
#include <cstddef>

namespace tenet::eval {
namespace {

template <typename T>
void prefetch(const T* address) {
  __builtin_prefetch(static_cast<const void*>(address), 0, 3);
}

// The rule cell of a check, or null when the request's indices do not name
// one (check then stops at isolation).
Index action_of(const compile::Tenant& tenant, const CheckRequest& request) {
  return request.action < tenant.local_actions ? request.action : 0;
}

bool names_a_cell(const compile::Tenant& tenant, const CheckRequest& request) {
  return request.principal.role < tenant.role_count && request.resource.type < tenant.type_count;
}

const compile::RuleCell* cell_of(const compile::Tenant& tenant, const CheckRequest& request) {
  if (!names_a_cell(tenant, request)) return nullptr;
  return &tenant.cell(action_of(tenant, request), request.resource.type, request.principal.role);
}

// A condition's nodes (literals included: the evaluator reads them from the
// node). The compiler emits a condition in post-order, so its root is its
// last node and its operands sit just before it.
void prefetch_condition(const compile::Tenant& tenant, Index root) {
  if (root >= tenant.nodes.size()) return;
  constexpr Index kNodesBefore = 1;
  const Index first = root >= kNodesBefore ? root - kNodesBefore : 0;
  const auto* nodes = reinterpret_cast<const char*>(&tenant.nodes[first]);
  const auto* nodes_end = reinterpret_cast<const char*>(&tenant.nodes[root] + 1);
  // Offsets, not a pointer stepped past the end (which would be undefined).
  for (std::ptrdiff_t offset = 0; offset < nodes_end - nodes; offset += 64)
    prefetch(nodes + offset);
  prefetch(&tenant.nodes[root]);
}

// The first candidates of a range: their conditions and rules.
void prefetch_candidates(const compile::Tenant& tenant, compile::Range range) {
  constexpr Index kFirst = 3;
  for (Index i = range.begin; i < range.begin + std::min(range.count, kFirst); ++i) {
    const compile::Candidate& candidate = tenant.candidates[i];
    prefetch_condition(tenant, candidate.when);
    prefetch_condition(tenant, candidate.unless);
    prefetch(&tenant.rules[candidate.rule]);
  }
}

// The text of the first candidates' rule ids (written into the answer).
void prefetch_rule_ids(const compile::Tenant& tenant, compile::Range range) {
  constexpr Index kFirst = 3;
  for (Index i = range.begin; i < range.begin + std::min(range.count, kFirst); ++i) {
    prefetch(tenant.rules[tenant.candidates[i].rule].id.data());
  }
}

}  // namespace

void prefetch_check(const compile::CompiledPolicySet& policies, const CheckRequest& request,
                    int stage) {
  if (request.tenant >= policies.tenant_count()) return;
  const compile::Tenant& tenant = policies.tenant(request.tenant);
  switch (stage) {
    case 0:
      // Where the cell lookup will read first (the cell table's storage).
      if (!tenant.dense_cells.empty()) prefetch(tenant.dense_cells.data());
      return;
    case 1:
      // The slot where the cell's lookup starts (the lookup itself would wait for it).
      if (!names_a_cell(tenant, request)) return;
      if (!tenant.dense_cells.empty()) {
        prefetch(&tenant.dense_cells[tenant.dense_index(
            action_of(tenant, request), request.resource.type, request.principal.role)]);
      } else {
        prefetch(tenant.cells.home(action_of(tenant, request), request.resource.type,
                                   request.principal.role));
      }
      return;
    case 2:
      if (const compile::RuleCell* cell = cell_of(tenant, request)) {
        if (cell->forbids.count > 0) prefetch(&tenant.candidates[cell->forbids.begin]);
        if (cell->permits.count > 0) prefetch(&tenant.candidates[cell->permits.begin]);
      }
      return;
    case 3:
      if (const compile::RuleCell* cell = cell_of(tenant, request)) {
        prefetch_candidates(tenant, cell->forbids);
        prefetch_candidates(tenant, cell->permits);
      }
      return;
    case 4:
      if (const compile::RuleCell* cell = cell_of(tenant, request)) {
        prefetch_rule_ids(tenant, cell->forbids);
        prefetch_rule_ids(tenant, cell->permits);
      }
      return;
    default:
      return;
  }
}

}  // namespace tenet::eval
