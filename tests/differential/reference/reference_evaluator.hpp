// A deliberately simple reference evaluator for the differential test.
//
// It answers the six decision operations of docs/LANGUAGE.md §7 (with the choices
// of docs/SEMANTICS-NOTES.md) by walking the parsed AST of the policy set:
// templates and declared actions resolved per tenant on construction
// (policy_view), everything else at each question — role inheritance by
// walking `extends`, features by recursion on `enabled()`, expressions by
// recursion on ast::Expr with every name looked up as a string. It shares
// no code with engine/: not the checker's model, not the compiler, not the
// evaluator (of grammar/ it uses the AST and the did-you-mean suggestion).
// Slow on purpose; correctness by inspection is the point.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/source/source.hpp"
#include "tests/differential/reference/policy_view.hpp"
#include "tests/differential/reference/simple_request.hpp"

namespace tenet::reference {

class ReferenceEvaluator {
 public:
  // The files must check clean with the real checker.
  ReferenceEvaluator(std::shared_ptr<const SourceSet> sources,
                     std::vector<std::shared_ptr<const ast::File>> files);

  [[nodiscard]] Answer answer(const SimpleRequest& request) const;

  // The runtime switch of one feature (the server's set_feature): nullopt
  // goes back to the declared default.
  void set_feature_switch(const std::string& tenant, const std::string& feature,
                          std::optional<bool> on);

 private:
  struct Question;  // one request being answered (reference_evaluator.cpp)

  PolicyView view_;
  std::map<std::pair<std::string, std::string>, bool> switches_;
};

}  // namespace tenet::reference
