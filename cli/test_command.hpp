// `tenet test DIR`: run every test of every *_test.tenet file below DIR.
//
// Prints `FILE:LINE: FAIL TEST: MESSAGE` for each failing expectation, then
// `N passed, M failed` (expectations). With --coverage (or any of the
// coverage outputs, or --min-coverage), what the tests reached follows
// (docs/LANGUAGE.md §10.2). Exit codes: 0 all passed (and coverage at least
// --min-coverage), 1 a test failed, coverage below the threshold, the policy
// set has errors, or there is no test at all; 2 usage or I/O error.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct TestOptions {
  std::filesystem::path directory;
  ParseLimits limits;
  bool coverage = false;                // print the coverage table
  std::filesystem::path coverage_json;  // write the report as JSON ("-": stdout)
  std::filesystem::path lcov;           // write an lcov tracefile ("-": stdout)
  std::optional<double> min_coverage;   // percent of declarations reached
};

[[nodiscard]] int run_test(const TestOptions& options, std::ostream& out, std::ostream& err);

void add_test_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
