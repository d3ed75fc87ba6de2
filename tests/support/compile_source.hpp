// Compiling a policy set written inline in a test: parse one file, check it,
// compile it (tenet::compile_policy_texts, the pipeline of every front end). Every syntax or check
// error becomes a GoogleTest failure, so a typo in a test's policy text cannot pass unnoticed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine.hpp"

namespace tenet::test_support {

// Parses each (path, text) file and checks them as one policy set, without
// compiling: the checker's diagnostics are the result's to assert on; a
// syntax error becomes a test failure.
[[nodiscard]] checker::CheckResult check_files(
    const std::vector<std::pair<std::string, std::string>>& files);

// Null when the text has errors (already reported as test failures).
[[nodiscard]] std::shared_ptr<const CompiledPolicySet> compile_source(std::string_view file_name,
                                                                      std::string_view text);

}  // namespace tenet::test_support
