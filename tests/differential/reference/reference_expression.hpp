// Expressions of the reference evaluator: recursion on ast::Expr, names
// looked up by string in the request's maps, three-valued logic exactly as
// docs/SEMANTICS-NOTES.md states it (left to right, short-circuit, errors
// propagate, `has` and `enabled()` never in error).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/source/source.hpp"
#include "tests/differential/reference/simple_request.hpp"

namespace tenet::reference {

enum class Truth : std::uint8_t { False, True, Error };

struct Outcome {
  Truth truth = Truth::False;
  std::string error;  // Error: "principal.attrs.kyc is missing"
};

// What an expression can read. The request's attribute maps hold only
// attributes of the schema (of the resource's type), already validated.
struct Environment {
  const SimpleRequest& request;
  bool has_resource = false;
  std::function<bool(std::string_view feature)> enabled;
};

// A missing condition (null) is true.
[[nodiscard]] Outcome evaluate(const ast::Expr* condition, const Environment& env);

// `when A unless B` = `A && !B`.
[[nodiscard]] Outcome evaluate_rule(const ast::Expr* when, const ast::Expr* unless,
                                    const Environment& env);

// The top-level `&&` conjuncts (docs/LANGUAGE.md §7.3): the root is always split;
// below it, an `&&` written inside parentheses stays whole.
[[nodiscard]] std::vector<const ast::Expr*> conjuncts(const ast::Expr& condition);

}  // namespace tenet::reference
