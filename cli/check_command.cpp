#include "cli/check_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <ostream>

#include "engine/engine.hpp"
#include "grammar/loader.hpp"
#include "grammar/source/diagnostic.hpp"

namespace tenet::cli {
namespace {

std::string plural(std::size_t count, std::string_view word) {
  std::string text = std::to_string(count) + ' ' + std::string(word);
  if (count != 1) text += 's';
  return text;
}

std::size_t count_tenants(const std::vector<std::shared_ptr<const ast::File>>& files) {
  std::size_t tenants = 0;
  for (const auto& file : files) tenants += file->tenants.size();
  return tenants;
}

}  // namespace

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  grammar::LoadOptions load_options;
  load_options.limits = options.limits;
  grammar::LoadedPolicySet loaded = grammar::load_policy_set(options.directory, load_options);
  if (!loaded.io_errors.empty()) {
    for (const std::string& problem : loaded.io_errors)
      err << "tenet check: error: " << problem << '\n';
    return kUsageOrIo;
  }
  if (loaded.sources->size() == 0) {
    err << "tenet check: error: " << options.directory.string()
        << ": no .tenet files in this directory\n";
    return kPolicyErrors;
  }

  // The checker runs even after syntax errors: the parser recovers at statement
  // boundaries, so the rest of the set is still worth checking in the same run.
  const std::shared_ptr<const SourceSet> sources = loaded.sources;
  checker::CheckResult checked = checker::check_policy_set(sources, loaded.policy_files);
  std::vector<Diagnostic> diagnostics = std::move(loaded.diagnostics);
  std::move(checked.diagnostics.begin(), checked.diagnostics.end(),
            std::back_inserter(diagnostics));
  sort_and_unique(diagnostics, *sources);

  for (const Diagnostic& diagnostic : diagnostics) err << render(diagnostic, *sources);
  const auto errors = static_cast<std::size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::Error; }));
  const std::size_t warnings = diagnostics.size() - errors;
  if (errors > 0) {
    err << plural(errors, "error") << ", " << plural(warnings, "warning") << '\n';
    return kPolicyErrors;
  }
  if (warnings > 0) err << plural(warnings, "warning") << '\n';
  if (!options.quiet) {
    out << "ok: " << plural(loaded.policy_files.size(), "file") << ", "
        << plural(count_tenants(loaded.policy_files), "tenant") << '\n';
  }
  return kOk;
}

void add_check_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand(
      "check",
      "Parse and check every .tenet file below DIR (test files excepted) and report all errors and "
      "warnings at once. Exit status: 0 no errors, 1 errors, 2 usage or I/O error.");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  command
      ->add_option("--max-file-bytes", options->limits.max_file_bytes,
                   "Largest .tenet file accepted, in bytes")
      ->capture_default_str();
  command
      ->add_option("--max-nesting", options->limits.max_nesting,
                   "Deepest expression nesting accepted")
      ->capture_default_str();
  command
      ->add_option("--max-syntax-errors", options->limits.max_syntax_errors,
                   "Syntax errors reported per file before giving up on it")
      ->capture_default_str();
  command->add_flag("-q,--quiet", options->quiet, "Print nothing when the policy set is clean");
  command->callback(
      [options, &exit_code] { exit_code = run_check(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
