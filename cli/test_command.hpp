// `tenet test DIR`: run every test of every *_test.tenet file below DIR.
//
// Prints `FILE:LINE: FAIL TEST: MESSAGE` for each failing expectation, then
// `N passed, M failed` (expectations). Exit codes: 0 all passed, 1 a test
// failed, the policy set has errors, or there is no test at all; 2 usage or
// I/O error.
#pragma once

#include <filesystem>
#include <iosfwd>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct TestOptions {
  std::filesystem::path directory;
  ParseLimits limits;
};

[[nodiscard]] int run_test(const TestOptions& options, std::ostream& out, std::ostream& err);

void add_test_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
