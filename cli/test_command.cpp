#include "cli/test_command.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <ostream>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "cli/policy_tests.hpp"

namespace tenet::cli {

int run_test(const TestOptions& options, std::ostream& out, std::ostream& err) {
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
  const TestReport report =
      run_policy_tests(*loaded.load.policies, *loaded.load.sources, loaded.load.test_files);
  for (const TestFailure& failure : report.failures) {
    out << failure.file << ':' << failure.line << ": FAIL " << failure.test << ": "
        << failure.message << '\n';
  }
  out << report.passed << " passed, " << report.failures.size() << " failed\n";
  return report.failures.empty() ? kOk : kPolicyErrors;
}

void add_test_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* command = app.add_subcommand(
      "test",
      "Run every test block of the *_test.tenet files below DIR against its policies. Exit status: "
      "0 all "
      "expectations passed, 1 a failure or policy errors, 2 usage or I/O error.");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  add_parse_limit_options(*command, options->limits);
  command->callback(
      [options, &exit_code] { exit_code = run_test(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
