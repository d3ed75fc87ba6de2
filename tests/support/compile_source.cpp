#include "tests/support/compile_source.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"
#include "grammar/parser.hpp"

namespace tenet::test_support {

std::shared_ptr<const CompiledPolicySet> compile_source(std::string_view file_name,
                                                        std::string_view text) {
  auto sources = std::make_shared<SourceSet>();
  const FileId id = sources->add(std::string(file_name), std::string(text));
  grammar::ParseResult parsed = grammar::parse_file(*sources, id, false);
  for (const Diagnostic& d : parsed.diagnostics) ADD_FAILURE() << render(d, *sources);
  checker::CheckResult checked = checker::check_policy_set(sources, {parsed.file});
  for (const Diagnostic& d : checked.diagnostics) {
    if (d.severity == Severity::Error) ADD_FAILURE() << render(d, *sources);
  }
  if (!checked.policy_set) return nullptr;
  return compile::compile(checked.policy_set);
}

}  // namespace tenet::test_support
