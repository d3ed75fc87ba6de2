// Per-partner size limits of a policy set (docs/LANGUAGE.md §9, "Limits").
//
// Partners upload their own policies, so a small file must not be able to
// stall a server: compile time and memory grow about linearly with a
// policy's size, and these limits stop the few shapes that would still
// multiply (many templates stacked on each other, `*` rules across many
// actions × types × roles) with a clear `policy-too-large` error from the
// checker before any of that work is done. Each is far above any policy
// written by hand; see the documentation for what each one counts.
//
// Expression depth is limited by the parser (grammar/parser.hpp ParseLimits).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tenet::limits {

// permit/forbid rules of one tenant, its templates' included.
inline constexpr std::size_t kMaxRulesPerTenant = 100'000;
// Roles of one tenant, its templates' included.
inline constexpr std::size_t kMaxRolesPerTenant = 10'000;
// Declared (action, resource type) pairs of one tenant: the schema's
// `actions ... on` lines and its templates' and its own. One line naming
// many actions on many types declares their product.
inline constexpr std::size_t kMaxDeclaredActions = 100'000;
// Templates in the whole policy set.
inline constexpr std::size_t kMaxTemplates = 10'000;
// Length of an `extends` chain: a template that extends nothing is 1 deep.
inline constexpr std::size_t kMaxTemplateDepth = 64;
// Templates one tenant or template builds on, directly or through `extends`.
inline constexpr std::size_t kMaxTemplatesPerUnit = 256;
// (action, resource type, role) combinations check's table holds for one
// tenant, summed over its rules: a rule counts the declared (action, type)
// pairs it names (`*`: every action declared for the type) × the roles it
// applies to (inheritance included), and a rule listing both actions and
// types at least their product (the work of walking it).
//
// Each entry costs about 100 bytes and a few hundred nanoseconds to build
// (a 28-byte slot in a table at most half full, a 12-byte candidate, two
// passes): 1,000,000 keeps the worst policy under about 100 MB and a
// second or two. At 4,000,000 an 80 KB file (3,000 types × 1,200 actions
// under `permit aN on *`) took 7 s and 358 MB (found by the policy fuzzer's
// shapes, issue 21).
inline constexpr std::uint64_t kMaxRuleTableEntries = 1'000'000;

}  // namespace tenet::limits
