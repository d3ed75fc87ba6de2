// The decision operations of LANGUAGE.md section 5 on a compiled policy set.
//
// Each function fills `out` (cleared first) from a request in engine form.
// No heap allocation once `out`'s vectors have grown to size: the caller
// reuses one Decision per thread. Pure reads of the compiled set: callable
// from any number of threads at once.
#pragma once

#include "engine/compiled.hpp"
#include "engine/decision.hpp"
#include "engine/request.hpp"

namespace tenet {

void check(const CompiledPolicySet& policies, const CheckRequest& request, Decision& out);
void transition(const CompiledPolicySet& policies, const TransitionRequest& request, Decision& out);
void subscribe(const CompiledPolicySet& policies, const SubscribeRequest& request, Decision& out);
// Decision::names: every open plan, in declaration order.
void plans(const CompiledPolicySet& policies, const PlansRequest& request, Decision& out);
// Decision::names: every enabled feature, in declaration order.
void features(const CompiledPolicySet& policies, const FeaturesRequest& request, Decision& out);
void lifecycle(const CompiledPolicySet& policies, const LifecycleRequest& request, Decision& out);

}  // namespace tenet
