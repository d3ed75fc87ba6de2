#include "tests/support/compile_source.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine/engine.hpp"
#include "grammar/parser.hpp"

namespace tenet::test_support {

checker::CheckResult check_files(const std::vector<std::pair<std::string, std::string>>& files) {
  auto sources = std::make_shared<SourceSet>();
  std::vector<std::shared_ptr<const ast::File>> parsed;
  for (const auto& [path, text] : files) {
    const FileId id = sources->add(path, text);
    grammar::ParseResult result = grammar::parse_file(*sources, id, false);
    for (const Diagnostic& d : result.diagnostics)
      ADD_FAILURE() << "syntax: " << render(d, *sources);
    parsed.push_back(std::move(result.file));
  }
  return checker::check_policy_set(sources, parsed);
}

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
