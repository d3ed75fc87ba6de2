#include "cli/check_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/policy_loading.hpp"
#include "engine/engine.hpp"
#include "grammar/source/diagnostic.hpp"

namespace tenet::cli {
namespace {

std::string plural(std::size_t count, std::string_view word) {
  std::string text = std::to_string(count) + ' ' + std::string(word);
  if (count != 1) text += 's';
  return text;
}

// The verdict per partner unit (docs/UNITS.md), e.g. "units: 5 ok, 1 broken
// (b)": which partners a server would serve and which it would refuse.
std::string units_line(const PolicyLoad& load) {
  constexpr std::size_t kNamesShown = 10;
  std::size_t ok = 0;
  std::vector<std::string_view> broken;
  for (const checker::UnitVerdict& unit : load.units) {
    if (unit.ok()) {
      ++ok;
    } else {
      broken.push_back(unit.tenant);
    }
  }
  std::string line = "units: " + std::to_string(ok) + " ok";
  if (!broken.empty()) {
    line += ", " + std::to_string(broken.size()) + " broken (";
    for (std::size_t i = 0; i < broken.size() && i < kNamesShown; ++i)
      line += (i == 0 ? "" : ", ") + (broken[i].empty() ? "\"\"" : std::string(broken[i]));
    if (broken.size() > kNamesShown) line += ", ...";
    line += ')';
  }
  if (load.platform_error_count > 0) line += "; the platform part has errors";
  return line + '\n';
}

}  // namespace

int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err) {
  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  policy_options.compile = false;  // a report: nothing runs, so nothing is compiled
  policy_options.lint = options.lint;
  const PolicyLoad load = compile_policy_directory(options.directory, policy_options);
  if (!load.io_errors.empty() || !load.set_error.empty())
    return report_failed_load(load, "tenet check", err);

  // Unlike the other commands, check prints warnings on a clean set too.
  for (const Diagnostic& diagnostic : load.diagnostics) err << render(diagnostic, *load.sources);
  if (load.error_count > 0) {
    err << plural(load.error_count, "error") << ", " << plural(load.warning_count, "warning")
        << '\n'
        << units_line(load);
    return kPolicyErrors;
  }
  if (load.warning_count > 0) err << plural(load.warning_count, "warning") << '\n';
  if (!options.quiet) {
    out << "ok: " << plural(load.policy_file_count, "file") << ", "
        << plural(load.tenant_count, "tenant") << '\n'
        << units_line(load);
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
  add_parse_limit_options(*command, options->limits);
  command->add_flag("-q,--quiet", options->quiet, "Print nothing when the policy set is clean");
  command->add_flag("--lint", options->lint,
                    "Also warn about what is legal but likely unintended (LANGUAGE.md section 9, "
                    "\"Lint\"); silence one line with // tenet-lint: ignore CODE");
  command->callback(
      [options, &exit_code] { exit_code = run_check(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
