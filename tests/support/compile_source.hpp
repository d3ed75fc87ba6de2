// Compiling a policy set written inline in a test: parse one file, check it,
// compile it (tenet::compile_policy_texts, the pipeline of every front end). Every syntax or check
// error becomes a GoogleTest failure, so a typo in a test's policy text cannot pass unnoticed.
#pragma once

#include <memory>
#include <string_view>

#include "engine/engine.hpp"

namespace tenet::test_support {

// Null when the text has errors (already reported as test failures).
[[nodiscard]] std::shared_ptr<const CompiledPolicySet> compile_source(std::string_view file_name,
                                                                      std::string_view text);

}  // namespace tenet::test_support
