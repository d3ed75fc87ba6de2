// A policy set whose rules all fall in one check cell: one tenant, one
// role, `read` on `document`, N rules — what a partner writing one rule
// per project (or customer, or folder) gets. Most rules test
// `resource.project` against their own constant (some against a list of
// two), a few are forbids keyed the same way, and a few have no such test
// (owner reads, locked documents) and hold for any project.
//
// For BM_CheckOneCell (bench/engine_bench.cpp): check's cost on this set,
// against BM_CheckEngineForm/0's, is the price of many rules per cell.
// Deterministic in its arguments. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/policy_generator.hpp"

namespace tenet::bench {

// The schema and the tenant file of a set with `rules` rules in one cell.
[[nodiscard]] std::vector<GeneratedFile> generate_one_cell_set(std::size_t rules);

// `count` check requests for that set, seeded: projects drawn over the
// rules' constants (and a few no rule names), departments, owners, locks.
[[nodiscard]] std::vector<std::string> generate_one_cell_requests(std::size_t rules,
                                                                  std::size_t count,
                                                                  std::uint64_t seed);

}  // namespace tenet::bench
