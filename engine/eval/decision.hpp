// The answer to a decision request, in engine form.
//
// Strings are views into the compiled policy set (rule ids like
// "acme:owner-reads", unmet condition texts, error messages) or static text
// (built-in reasons): valid while the caller holds the compiled set. The
// vectors are cleared, not freed, by `clear()`: a caller that reuses one
// Decision per thread evaluates without heap allocation once warmed up.
//
// Filled by engine/eval/evaluator; read by the JSON response writer, the CLI and
// the embedding API. One Decision per thread; not shared.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "grammar/source/source.hpp"

namespace tenet::eval {

// Built-in reasons (docs/PROTOCOL.md), spelled once.
namespace reason {
inline constexpr std::string_view kUnknownTenant = "unknown_tenant";
inline constexpr std::string_view kCrossTenant = "cross_tenant";
inline constexpr std::string_view kUnknownRole = "unknown_role";
inline constexpr std::string_view kUnknownResourceType = "unknown_resource_type";
inline constexpr std::string_view kUnknownPlan = "unknown_plan";
inline constexpr std::string_view kNoPermit = "no_permit";
inline constexpr std::string_view kNoTransition = "no_transition";
// The partner's unit did not compile when the set was loaded (docs/UNITS.md).
inline constexpr std::string_view kTenantUnavailable = "tenant_unavailable";
}  // namespace reason

// Error codes of a whole request (docs/PROTOCOL.md); decisions still say deny.
namespace error_code {
inline constexpr std::string_view kInvalidRequest = "invalid_request";
}  // namespace error_code

// A rule whose condition could not be evaluated (fail closed).
struct RuleError {
  std::string_view rule;     // "acme:owner-reads"
  std::string_view message;  // "principal.attrs.kyc is missing"
};

enum class TraceOutcome : std::uint8_t { Matched, NotMatched, Error };

// One rule (or transition, plan, edge, feature) the engine looked at.
struct TraceEntry {
  std::string_view rule;  // its TENANT:ID
  std::string_view kind;  // "forbid", "permit", "transition", "plan", "edge", "feature"
  TraceOutcome outcome = TraceOutcome::NotMatched;
  std::string_view location;  // "retail.tenet:12:3"
};

struct Decision {
  bool allow = false;
  std::vector<std::string_view> reasons;
  std::vector<std::string_view> unmet;  // transition / subscribe / lifecycle denies
  std::vector<RuleError> errors;
  std::vector<TraceEntry> trace;        // only when the request asked to explain
  std::vector<std::string_view> names;  // plans / features: the open plans, the enabled features
  // A request-level error (invalid_request): the decision is deny.
  std::string_view error_code;
  std::string_view error_message;
  // The revision of the partner unit that answered (docs/UNITS.md); 0 when
  // no tenant did (unknown tenant) or the set has no revisions.
  std::uint64_t revision = 0;

  void clear() {
    allow = false;
    revision = 0;
    reasons.clear();
    unmet.clear();
    errors.clear();
    trace.clear();
    names.clear();
    error_code = {};
    error_message = {};
  }
};

}  // namespace tenet::eval
