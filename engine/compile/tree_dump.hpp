// `tenet tree`: a readable, deterministic dump of one tenant's compiled
// structures. Thread-safe: reads an immutable compiled set.
#pragma once

#include <string>

#include "engine/compile/compiled.hpp"

namespace tenet::compile {

// Rule candidates per (action, type), transitions, features with their
// switches, plans, lifecycles.
[[nodiscard]] std::string dump_tree(const CompiledPolicySet& policies, Index tenant);

}  // namespace tenet::compile
