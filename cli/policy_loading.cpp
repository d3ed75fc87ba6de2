#include "cli/policy_loading.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "engine/engine.hpp"
#include "grammar/source/diagnostic.hpp"

namespace tenet::cli {

void add_parse_limit_options(CLI::App& command, ParseLimits& limits) {
  command
      .add_option("--max-file-bytes", limits.max_file_bytes,
                  "Largest .tenet file accepted, in bytes")
      ->capture_default_str();
  command.add_option("--max-nesting", limits.max_nesting, "Deepest expression nesting accepted")
      ->capture_default_str();
  command
      .add_option("--max-expression-depth", limits.max_expression_depth,
                  "Deepest expression tree accepted (a chain counted link by link)")
      ->capture_default_str();
  command
      .add_option("--max-syntax-errors", limits.max_syntax_errors,
                  "Syntax errors reported per file before giving up on it")
      ->capture_default_str();
}

ExitCode exit_code_of(PolicyLoad::Status status) {
  switch (status) {
    case PolicyLoad::Status::Ok:
      return kOk;
    case PolicyLoad::Status::PolicyErrors:
      return kPolicyErrors;
    case PolicyLoad::Status::IoError:
      return kUsageOrIo;
  }
  return kUsageOrIo;
}

int report_failed_load(const PolicyLoad& load, std::string_view command, std::ostream& err) {
  for (const std::string& problem : load.io_errors)
    err << command << ": error: " << problem << '\n';
  if (load.io_errors.empty() && !load.set_error.empty())
    err << command << ": error: " << load.set_error << '\n';
  if (load.io_errors.empty() && load.set_error.empty()) {
    // Warnings are shown with the errors (as `tenet check` would), not on a clean set.
    for (const Diagnostic& diagnostic : load.diagnostics) err << render(diagnostic, *load.sources);
    err << command << ": error: the policy set has " << load.error_count
        << (load.error_count == 1 ? " error" : " errors") << '\n';
  }
  return exit_code_of(load.status());
}

LoadedPolicies load_policies(const std::filesystem::path& directory, const PolicyOptions& options,
                             std::string_view command, std::ostream& err) {
  LoadedPolicies result;
  result.load = compile_policy_directory(directory, options);
  if (!result.load.policies) {
    result.exit_code = report_failed_load(result.load, command, err);
    // A load without errors always compiles; never let a null set pass as one.
    if (result.exit_code == kOk) result.exit_code = kPolicyErrors;
  }
  return result;
}

}  // namespace tenet::cli
