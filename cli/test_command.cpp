#include "cli/test_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <ostream>
#include <sstream>

#include "cli/check_command.hpp"
#include "cli/coverage_report.hpp"
#include "cli/policy_loading.hpp"
#include "cli/policy_tests.hpp"
#include "cli/test_coverage.hpp"
#include "server/durable_file.hpp"

namespace tenet::cli {
namespace {

// `text` to `path` (replaced atomically), or to `out` for "-".
bool write_output(const std::filesystem::path& path, const std::string& text, std::ostream& out,
                  std::ostream& err) {
  if (path == "-") {
    out << text;
    return true;
  }
  if (const auto problem = server::write_file_durably(path, text)) {
    err << "tenet test: error: " << path.string() << ": " << *problem << '\n';
    return false;
  }
  return true;
}

}  // namespace

int run_test(const TestOptions& options, std::ostream& out, std::ostream& err) {
  if (options.min_coverage && (*options.min_coverage < 0 || *options.min_coverage > 100)) {
    err << "tenet test: error: --min-coverage must be a percentage from 0 to 100\n";
    return kUsageOrIo;
  }
  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  policy_options.include_tests = true;
  const LoadedPolicies loaded = load_policies(options.directory, policy_options, "tenet test", err);
  if (loaded.exit_code != kOk) return loaded.exit_code;
  std::size_t tests = 0;
  for (const auto& file : loaded.load.test_files) tests += file->tests.size();
  if (tests == 0) {
    err << "tenet test: error: " << options.directory.string()
        << ": no test in any *_test.tenet file\n";
    return kPolicyErrors;
  }
  const bool with_coverage = options.coverage || !options.coverage_json.empty() ||
                             !options.lcov.empty() || options.min_coverage.has_value();
  std::unique_ptr<TestCoverage> coverage;
  if (with_coverage) coverage = std::make_unique<TestCoverage>(*loaded.load.policies);
  const TestReport report = run_policy_tests(*loaded.load.policies, *loaded.load.sources,
                                             loaded.load.test_files, coverage.get());
  for (const TestFailure& failure : report.failures) {
    out << failure.file << ':' << failure.line << ": FAIL " << failure.test << ": "
        << failure.message << '\n';
  }
  out << report.passed << " passed, " << report.failures.size() << " failed\n";
  int status = report.failures.empty() ? kOk : kPolicyErrors;
  if (!coverage) return status;

  const CoverageReport covered = coverage->report();
  if (options.coverage) write_coverage_table(covered, out);
  if (!options.coverage_json.empty() &&
      !write_output(options.coverage_json, coverage_json(covered), out, err))
    return kUsageOrIo;
  if (!options.lcov.empty()) {
    std::ostringstream lcov;
    write_lcov(covered, options.directory, lcov);
    if (!write_output(options.lcov, lcov.str(), out, err)) return kUsageOrIo;
  }
  if (options.min_coverage && covered.percent() < *options.min_coverage) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "tenet test: coverage %.1f%% (%llu of %llu declarations reached) is below "
                  "--min-coverage %g\n",
                  covered.percent(), static_cast<unsigned long long>(covered.all.reached),
                  static_cast<unsigned long long>(covered.all.total), *options.min_coverage);
    err << line;
    status = kPolicyErrors;
  }
  return status;
}

void add_test_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* command = app.add_subcommand(
      "test",
      "Run every test block of the *_test.tenet files below DIR against its policies. Exit status: "
      "0 all expectations passed (and coverage reached --min-coverage), 1 a failure, coverage "
      "below the threshold or policy errors, 2 usage or I/O error.");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  command->add_flag("--coverage", options->coverage,
                    "Print which rules, transitions, plans, lifecycle edges and features the "
                    "tests reached, and which check cells they exercised");
  command->add_option("--coverage-json", options->coverage_json,
                      "Write the coverage report as JSON to FILE ('-': standard output)");
  command->add_option("--lcov", options->lcov,
                      "Write an lcov tracefile over the .tenet sources to FILE ('-': standard "
                      "output), for genhtml");
  command->add_option("--min-coverage", options->min_coverage,
                      "Fail (exit 1) when fewer than PCT percent of the declarations were reached");
  add_parse_limit_options(*command, options->limits);
  command->callback(
      [options, &exit_code] { exit_code = run_test(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
