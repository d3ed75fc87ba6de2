// Read-ahead for a run of `check` decisions (the server's `batch`).
//
// Why: on a large policy set a decision walks a chain of the tenant's
// tables — action slot → (action, type, role) cell → candidates → condition
// nodes and rules — and each link is a separate allocation, so with
// thousands of tenants each is a cache miss that the next load waits for.
// Measured on 1,000 tenants × 20 rules, those waits were about a third of
// the server's CPU per decision. A caller that knows the next requests (a
// batch) runs the stages below on each of them, one stage per item decided,
// so every link is loaded while other work goes on, and `check` finds it in
// cache.
//
// Each stage only reads what the previous stage made resident and issues
// the next prefetch; stage k needs stages 0..k-1 to have run first (else it
// merely stalls, it is never wrong). Nothing is written, nothing can fail:
// requests whose indices are out of range (unknown tenant, role, type) are
// skipped. Thread-safe (reads only).
#pragma once

#include "engine/compile/compiled.hpp"
#include "engine/eval/request.hpp"

namespace tenet::eval {

inline constexpr int kCheckPrefetchStages = 5;

// Stage 0: the action slot; 1: the rule cell; 2: its candidates; 3: the
// first candidates' condition nodes and rules; 4: their rule ids.
void prefetch_check(const compile::CompiledPolicySet& policies, const CheckRequest& request,
                    int stage);

}  // namespace tenet::eval
