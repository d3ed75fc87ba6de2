// The checker: parsed files → one resolved, typed model of the policy set.
//
// See engine/model/model.hpp for what it produces. Reports every problem it finds
// (it keeps going after an error) as diagnostics; the model is only usable
// when there are no errors. Pure function of its inputs.
#pragma once

#include <memory>
#include <vector>

#include "engine/model/model.hpp"
#include "grammar/ast.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::checker {

struct CheckResult {
  std::shared_ptr<const model::PolicySet> policy_set;  // null when there are errors
  std::vector<Diagnostic> diagnostics;                 // errors and warnings, sorted
};

[[nodiscard]] CheckResult check_policy_set(
    std::shared_ptr<const SourceSet> sources,
    const std::vector<std::shared_ptr<const ast::File>>& files);

}  // namespace tenet::checker
