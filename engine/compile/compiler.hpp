// The compiler: a checked model → the flat compiled set the evaluator reads
// (engine/compile/compiled.hpp, engine/compile/layout.hpp). Thread-safe: a
// pure function of its argument.
#pragma once

#include <memory>

#include "engine/compile/compiled.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

// Compiles a checked model (no errors). Never fails on a model the checker accepted.
[[nodiscard]] std::shared_ptr<const CompiledPolicySet> compile(
    std::shared_ptr<const model::PolicySet> model);

}  // namespace tenet::compile
