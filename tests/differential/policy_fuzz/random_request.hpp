// Random requests of all six operations against a generated policy set:
// known and unknown tenants, cross-tenant resources, unknown roles, types,
// plans and states, actions the tenant declares for the type and (about
// one check in ten) actions it does not, attributes present, absent or of
// the wrong type, values next to the policies' thresholds, enum members
// and non-members, sets. Deterministic in the Rng.
#pragma once

#include "tests/differential/policy_fuzz/rng.hpp"
#include "tests/differential/policy_fuzz/vocabulary.hpp"
#include "tests/differential/reference/simple_request.hpp"

namespace tenet::fuzz {

[[nodiscard]] reference::SimpleRequest random_request(Rng& rng, const Vocabulary& vocabulary);

}  // namespace tenet::fuzz
