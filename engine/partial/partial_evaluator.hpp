// Partial evaluation of `check` (docs/LANGUAGE.md §7.2) over an unknown resource
// row: for one tenant, action, resource type and principal role, the
// residual condition (engine/partial/residual.hpp) on the row under which `check`
// allows. What the filter op returns and what `tenet sql` renders.
//
// The candidates are exactly check's: the compiled (action, type, role)
// cell, with role inheritance, `for` and `*` actions folded in by the
// compiler. Each candidate's `when A unless B` is folded with check's
// three-valued, left-to-right semantics, and
//   allowed = AND over forbids (condition false)  AND  OR over permits (condition true)
// so a forbid in error denies and a permit in error does not grant.
//
// Two modes:
//   Known     the principal's id and attributes and the request's context
//             are given (the filter op); `enabled(F)` uses the runtime
//             feature switches as check does. The residual then decides
//             exactly what check decides, row by row.
//   Symbolic  only the role is known (the DDL of `tenet sql`): principal
//             id and attributes stay symbolic terms. `context` reads and
//             `enabled(..)` cannot be known there: they count as neither
//             true nor false, which can only shrink `allowed` (a permit
//             needing one is dropped, a forbid needing one to NOT apply
//             applies); each such place is listed in `approximations`.
//
// Pure reads of the compiled set; callable from any thread. The results'
// string_views point into `policies`, which must outlive them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/compile/compiled.hpp"
#include "engine/eval/request.hpp"
#include "engine/partial/residual.hpp"

namespace tenet::partial {

using model::Index;
using model::kNone;

enum class PrincipalMode : std::uint8_t { Known, Symbolic };

struct PartialRequest {
  // tenant and principal.role always; principal id and attributes and
  // context in Known mode only (ignored in Symbolic mode).
  eval::RequestBase base;
  // CompiledPolicySet::find_action(tenant, name); kNone: an action no rule
  // of the tenant names (`*` rules only).
  Index action = kNone;
  Index resource_type = kNone;
  PrincipalMode mode = PrincipalMode::Known;
  // The most nodes a residual may have once written out as a tree (the
  // shared nodes repeated: what JSON and SQL would print). Deeply nested
  // negations can make that exponential in the policy text; past the limit
  // a rule's residual is replaced by its fail-closed extreme (see too_large).
  std::size_t max_nodes = 10'000;
};

struct RuleResidual {
  std::string_view id;  // TENANT:ID
  // Forbid: the rows it lets through (its condition is false there);
  // permit: the rows it grants (its condition is true there).
  residual::Expr passes;
};

// A place where the symbolic mode had to assume the worst.
struct Approximation {
  std::string_view rule;  // TENANT:ID
  std::string what;       // `context.mfa`, `enabled(beta_ui)`, `has context.mfa`
};

enum class FilterKind : std::uint8_t { Always, Never, Conditional };

struct PartialResult {
  residual::Expr allowed;
  FilterKind kind = FilterKind::Never;
  std::vector<RuleResidual> forbids;  // every candidate, declaration order
  std::vector<RuleResidual> permits;
  // Symbolic mode: context / enabled() places. Both modes: rules whose
  // residual was over max_nodes (`what` = "condition too large"): such a
  // permit grants nothing, such a forbid denies every row.
  std::vector<Approximation> approximations;
  bool too_large = false;  // some rule (or `allowed`) was over max_nodes
};

// Why a request cannot be partially evaluated; empty when it can. Checked in
// check's isolation order: unknown_tenant, unknown_role, unknown_resource_type.
[[nodiscard]] std::string_view partial_request_problem(const compile::CompiledPolicySet& policies,
                                                       const PartialRequest& request);

// Precondition: partial_request_problem(request) is empty (else the result
// is `never`).
[[nodiscard]] PartialResult partially_evaluate(const compile::CompiledPolicySet& policies,
                                               const PartialRequest& request);

[[nodiscard]] std::string_view filter_kind_name(
    FilterKind kind);  // "always" | "never" | "conditional"

}  // namespace tenet::partial
