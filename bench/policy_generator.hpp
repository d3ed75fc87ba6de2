// A generator of large, valid policy sets, for measuring the front end.
//
// Produces a schema, one shared template and T tenant files with R
// permit/forbid rules each, over varied conditions (comparisons, enum and
// list membership, sets, guarded optionals, features, context). The output
// is a pure function of the options: the same seed gives byte-identical
// files on every platform (no std::*_distribution, whose results differ
// between standard libraries). Everything generated must check clean, with
// no warnings either, so the benchmark measures the normal path.
//
// Used by the `tenet-gen-policies` tool (bench/generate_policies.cpp) and by
// benchmarks that want a policy set in memory. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tenet::bench {

struct GeneratorOptions {
  std::size_t tenants = 10;
  std::size_t rules = 20;  // per tenant, on top of the template's
  std::uint64_t seed = 1;
  // Distinct action names rules draw from: the six common ones (read, write,
  // create, delete, share, export), then `action6`, `action7`... More actions
  // spread a tenant's rules thinly over (action, type), as in large real
  // policy sets; six concentrate them. The schema declares each of them (and
  // the six common ones in any case) on every resource type, so at most
  // kMaxActions: the language's limit is 100,000 declared (action, type)
  // pairs (docs/LANGUAGE.md §9).
  std::size_t actions = 6;
  // Share of rules on every action (`permit * on ...`), in per mille. A `*`
  // rule covers every declared action: many actions with many `*` rules
  // can take a tenant past the limit of 1,000,000 (action, type, role)
  // combinations (docs/LANGUAGE.md §9) — 2,000 rules over 600 actions at
  // the default share stay well within it.
  std::size_t wildcard_per_mille = 50;
};

struct GeneratedFile {
  std::string path;  // relative to the policy directory, '/'-separated
  std::string text;
};

// The most actions a set may draw from: 3 types × this stays within the
// language's 100,000 declared (action, type) pairs.
inline constexpr std::size_t kMaxActions = 33'333;

// The schema file of a set generated with `options`: the same attributes
// for every set, and `actions` lines declaring the set's actions.
[[nodiscard]] GeneratedFile generate_schema(const GeneratorOptions& options = {});

// The shared template every generated tenant extends.
[[nodiscard]] GeneratedFile generate_template();

// Tenant number `index` (0-based) of a set generated with `options`. Depends
// only on the options and the index, so tenants can be generated one at a time.
[[nodiscard]] GeneratedFile generate_tenant(const GeneratorOptions& options, std::size_t index);

// The whole set: schema, template, then the tenants in order.
[[nodiscard]] std::vector<GeneratedFile> generate_policy_set(const GeneratorOptions& options);

// Writes the set below `directory` (created if missing), one tenant at a time
// so memory stays flat for large T. Returns an error message, empty on success.
[[nodiscard]] std::string write_policy_set(const GeneratorOptions& options,
                                           const std::filesystem::path& directory);

}  // namespace tenet::bench
