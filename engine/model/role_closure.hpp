// Reachability over role inheritance, as bitsets of 64 roles a word: which
// roles each role is (following `extends` to its parents) or, over the
// reversed edges, which roles are each role (its descendants).
//
// Why its own file: the checker (Role::is_a_bits) and the rule table
// (RoleExpander) both need a closure over up to limits::kMaxRolesPerTenant
// roles, and a walk per role costs roles² steps on a long chain. Here each
// node is closed after the nodes it points to, and its set is its own bit
// OR-ed with theirs a word at a time: edges × roles / 64 words.
//
// Internal to engine/. A pure function.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/model.hpp"

namespace tenet::model {

// For n nodes with `edges[node]` the nodes it points to (each < n): the
// flat bitsets, node `i`'s in words [i * words, (i + 1) * words) with
// words = (n + 63) / 64; bit j set when j is i or reachable from i. Cycles
// are allowed (a cycle's nodes reach each other).
[[nodiscard]] std::vector<std::uint64_t> reachability(const std::vector<std::vector<Index>>& edges);

}  // namespace tenet::model
