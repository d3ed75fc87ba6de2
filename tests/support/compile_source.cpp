#include "tests/support/compile_source.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"

namespace tenet::test_support {

std::shared_ptr<const CompiledPolicySet> compile_source(std::string_view file_name,
                                                        std::string_view text) {
  // The one pipeline every front end uses (tenet::compile_policy_texts).
  const PolicyLoad load =
      compile_policy_texts({PolicyText{std::string(file_name), std::string(text)}});
  for (const std::string& problem : load.io_errors) ADD_FAILURE() << problem;
  if (!load.set_error.empty()) ADD_FAILURE() << load.set_error;
  for (const Diagnostic& d : load.diagnostics) {
    if (d.severity == Severity::Error) ADD_FAILURE() << render(d, *load.sources);
  }
  return load.policies;
}

}  // namespace tenet::test_support
