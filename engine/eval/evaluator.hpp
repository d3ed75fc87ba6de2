// The decision operations of docs/LANGUAGE.md §7 on a compiled policy set.
//
// Each function fills `out` (cleared first) from a request in engine form.
// No heap allocation once `out`'s vectors have grown to size: the caller
// reuses one Decision per thread. Pure reads of the compiled set: callable
// from any number of threads at once.
#pragma once

#include "engine/compile/compiled.hpp"
#include "engine/eval/decision.hpp"
#include "engine/eval/request.hpp"

namespace tenet::eval {

void check(const compile::CompiledPolicySet& policies, const CheckRequest& request, Decision& out);
void transition(const compile::CompiledPolicySet& policies, const TransitionRequest& request,
                Decision& out);
void subscribe(const compile::CompiledPolicySet& policies, const SubscribeRequest& request,
               Decision& out);
// Decision::names: every open plan, in declaration order.
void plans(const compile::CompiledPolicySet& policies, const PlansRequest& request, Decision& out);
// Decision::names: every enabled feature, in declaration order.
void features(const compile::CompiledPolicySet& policies, const FeaturesRequest& request,
              Decision& out);
void lifecycle(const compile::CompiledPolicySet& policies, const LifecycleRequest& request,
               Decision& out);

}  // namespace tenet::eval
