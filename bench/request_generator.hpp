// Check requests matching a generated policy set (bench/policy_generator):
// the same tenant and action names, attributes of the generated schema, a
// seeded mix of tenants, roles, types, actions and values, so that both
// allow and deny come out. Used by tenet-bench-engine and tenet-gen-requests.
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tenet::bench {

// Tenant number `index` of a generated set, as a request names it: `t00042`,
// or `partner-00003.example` for every seventh tenant.
[[nodiscard]] std::string tenant_name(std::size_t index);

// Action number `index`: read, write, create, delete, share, export, then
// `action6`, `action7`...
[[nodiscard]] std::string action_name(std::size_t index);

// `count` docs/PROTOCOL.md check lines (ids 0, 1, ...) for a set of `tenants`
// tenants whose rules draw from `actions` actions. The same seed gives the
// same lines on every platform.
[[nodiscard]] std::vector<std::string> generate_check_requests(std::size_t tenants,
                                                               std::size_t actions,
                                                               std::size_t count,
                                                               std::uint64_t seed);

}  // namespace tenet::bench
