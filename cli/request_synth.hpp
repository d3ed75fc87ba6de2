// The requests `tenet diff` evaluates when it is given none
// (docs/LANGUAGE.md §14): synthesized from the schema and the policies of
// two policy sets, so that a change between them shows as a request whose
// decision changes.
//
// Per partner of either set, as docs/PROTOCOL.md request lines (no `id`):
//   - check: every role × every declared (action, resource type), on a base
//     assignment of the attributes (required ones present with a neutral
//     value: false, 0, "x", the first enum member, []; optional ones
//     absent); then, per rule, for every role it applies to and every
//     (action, type) it names: the rule's condition made true (`when` true,
//     `unless` false), each of its parts made false in turn, and every
//     value of each attribute the condition compares, one attribute at a
//     time from that satisfying assignment (an int constant c: c-1, c, c+1;
//     a string: c and another; an enum: every member; a list: every item and
//     one outside it; a set: {c} and {}; an optional: absent; `resource.owner
//     == principal.id`: equal and different);
//   - transition: every role × every role some transition leads to, then the
//     same per transition (its `from` role); subscribe: every role × every
//     plan, then per plan (its condition and its required features');
//     plans, features: per role, the base and the same per plan and
//     feature; lifecycle: every role × state × target state of each
//     lifecycle, then per edge (its `from` states, its `by` roles).
// Constants and rules come from both sets (the union), so both sides of a
// changed constant are tried, and the same lines are evaluated on both. A
// partner's lines are deduplicated. The count is bounded by
// roles × (action, type) pairs + Σ per rule (its roles × its pairs × (2 +
// parts + compared values)), plus the same terms for the other ops —
// linear in the policy text, never a cross product of attributes.
//
// Deterministic (the same sets give the same lines, in the same order).
// Thread-safe: synthesize() may run for several tenants at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace tenet::cli {

struct SynthSchema;  // the attributes of both schemas (request_synth.cpp)

class RequestSynthesizer {
 public:
  RequestSynthesizer(const CompiledPolicySet& old_set, const CompiledPolicySet& new_set);
  ~RequestSynthesizer();
  RequestSynthesizer(const RequestSynthesizer&) = delete;
  RequestSynthesizer& operator=(const RequestSynthesizer&) = delete;

  // The partners of either set, in byte order of their names.
  [[nodiscard]] const std::vector<std::string>& tenants() const { return tenants_; }

  // Appends the request lines of `tenant` (one of tenants()) to `lines`.
  void synthesize(std::string_view tenant, std::vector<std::string>& lines) const;

 private:
  const CompiledPolicySet& old_;
  const CompiledPolicySet& new_;
  std::vector<std::string> tenants_;
  std::unique_ptr<const SynthSchema> schema_;
};

}  // namespace tenet::cli
