// Three-valued evaluation of compiled conditions (docs/SEMANTICS-NOTES.md):
// true, false, or error when an attribute the condition reads is absent.
//
// Included by engine/eval/evaluator.cpp only. One ConditionEvaluator per decision,
// on the stack: it holds views of the request and of the compiled tenant and
// never allocates. Not shared between threads (each decision makes its own);
// the compiled set it reads is immutable; the feature switches beside each
// tenant are atomics (engine/compile/feature_switches.hpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/compile/compiled.hpp"
#include "engine/compile/layout.hpp"
#include "engine/eval/request.hpp"

namespace tenet::eval {

enum class Truth : std::uint8_t { False, True, Error };

// The value of a literal node (bool, int, string, role, enum member); Absent
// for any other node. Built on the stack from the node already loaded: a
// table of constants beside the nodes would cost a second cache line per
// literal on a large policy set. The partial evaluator reads literals this
// way too.
[[nodiscard]] inline Value literal_value(const compile::Node& node) {
  Value v;
  switch (node.op) {
    case compile::Op::True:
    case compile::Op::False:
      v.kind = ValueKind::Bool;
      v.boolean = node.op == compile::Op::True;
      break;
    case compile::Op::Int:
      v.kind = ValueKind::Int;
      v.integer = node.value;
      break;
    case compile::Op::String:
    case compile::Op::Role:
      v.kind = ValueKind::String;
      v.string = node.text;
      break;
    case compile::Op::Enum:
      v.kind = ValueKind::Enum;
      v.string = node.text;
      v.member = node.ref;
      break;
    default:
      break;  // not a literal: Absent
  }
  return v;
}

struct Collection;  // a set value or a list literal (condition_evaluator.cpp)

class ConditionEvaluator {
 public:
  // `resource` is null for operations without one (transition, plans...):
  // a resource read is then an error (the checker rejects such reads anyway).
  ConditionEvaluator(const compile::CompiledPolicySet& policies, const compile::Tenant& tenant,
                     const RequestBase& request, const Resource* resource)
      : platform_(policies.platform()), tenant_(tenant), request_(request), resource_(resource) {}

  // A condition; kNone (no condition) is true. On Error, error() names the
  // first attribute that could not be read, left to right.
  [[nodiscard]] Truth condition(Index node);
  // `when A unless B`: A && !B.
  [[nodiscard]] Truth rule(Index when, Index unless);
  // Feature F is enabled for the principal (docs/LANGUAGE.md §7.2): switch on, role
  // in its `for`, `when` true (false or error: not enabled). Never an error.
  [[nodiscard]] bool enabled(Index feature);
  // The principal's role matches a role set.
  [[nodiscard]] bool role_in(compile::RoleSet set) const {
    return tenant_.has_role(set, request_.principal.role);
  }

  [[nodiscard]] std::string_view error() const { return error_; }

  // The value an attribute-read node gives (a view, or `scratch` filled
  // in); null when it cannot be read. For looking a value up in a cell's
  // index (engine/compile/cell_index.hpp): the error it may leave behind
  // is only ever read after a condition in error, which sets its own.
  [[nodiscard]] const Value* value_of(Index node, Value& scratch) { return operand(node, scratch); }

 private:
  [[nodiscard]] Truth eval(Index node);
  // The value of an operand: a view of a request attribute or of a compiled
  // constant, or `scratch` filled in (built-ins). Null (and error_ set) when
  // it cannot be read.
  [[nodiscard]] const Value* operand(Index node, Value& scratch);
  [[nodiscard]] const Value* read(Attributes attributes, Index slot,
                                  const std::vector<std::string_view>& missing);
  [[nodiscard]] static const Value* text(std::string_view text, Value& scratch);
  [[nodiscard]] Truth compare(const compile::Node& node);
  [[nodiscard]] bool collection_has(const Collection& c, const Value& item);
  [[nodiscard]] bool collection_within(const Collection& a, const Collection& b);
  [[nodiscard]] Truth membership(const compile::Node& node);

  const compile::Platform& platform_;
  const compile::Tenant& tenant_;
  const RequestBase& request_;
  const Resource* resource_;
  std::string_view error_;
};

}  // namespace tenet::eval
