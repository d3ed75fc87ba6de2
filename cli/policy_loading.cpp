#include "cli/policy_loading.hpp"

#include <algorithm>
#include <iterator>
#include <ostream>

#include "cli/check_command.hpp"
#include "engine/engine.hpp"
#include "grammar/loader.hpp"
#include "grammar/source/diagnostic.hpp"

namespace tenet::cli {

LoadedPolicies load_policies(const std::filesystem::path& directory, bool include_tests,
                             std::string_view command, std::ostream& err) {
  LoadedPolicies result;
  grammar::LoadOptions options;
  options.include_tests = include_tests;
  grammar::LoadedPolicySet loaded = grammar::load_policy_set(directory, options);
  if (!loaded.io_errors.empty()) {
    for (const std::string& problem : loaded.io_errors)
      err << command << ": error: " << problem << '\n';
    result.exit_code = kUsageOrIo;
    return result;
  }
  if (loaded.policy_files.empty()) {
    err << command << ": error: " << directory.string() << ": no .tenet files in this directory\n";
    result.exit_code = kPolicyErrors;
    return result;
  }
  const std::shared_ptr<const SourceSet> sources = loaded.sources;
  checker::CheckResult checked = checker::check_policy_set(sources, loaded.policy_files);
  std::vector<Diagnostic> diagnostics = std::move(loaded.diagnostics);
  std::move(checked.diagnostics.begin(), checked.diagnostics.end(),
            std::back_inserter(diagnostics));
  sort_and_unique(diagnostics, *sources);
  const auto errors =
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::Error; });
  if (errors > 0 || !checked.policy_set) {
    // Warnings are shown with the errors (as `tenet check` would), not on a clean set.
    for (const Diagnostic& diagnostic : diagnostics) err << render(diagnostic, *sources);
    err << command << ": error: the policy set has " << errors
        << (errors == 1 ? " error" : " errors") << '\n';
    result.exit_code = kPolicyErrors;
    return result;
  }
  result.policies = compile::compile(checked.policy_set);
  result.sources = sources;
  result.test_files = std::move(loaded.test_files);
  return result;
}

}  // namespace tenet::cli
