// `tenet check DIR`: load, parse and check a policy set; print diagnostics.
//
// Exit codes (documented in README.md and `tenet check --help`):
//   0  no errors (warnings allowed)
//   1  the policy set has errors (or holds no .tenet file)
//   2  usage or I/O error: missing directory, unreadable file
// The function takes its streams as arguments so the golden tests run exactly
// the code the binary runs.
#pragma once

#include <filesystem>
#include <iosfwd>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

enum ExitCode : int { kOk = 0, kPolicyErrors = 1, kUsageOrIo = 2 };

struct CheckOptions {
  std::filesystem::path directory;
  ParseLimits limits;
  bool quiet = false;  // no summary line on success
  bool lint = false;   // also the lint warnings (docs/LANGUAGE.md §9, "Lint")
};

[[nodiscard]] int run_check(const CheckOptions& options, std::ostream& out, std::ostream& err);

// Adds the `check` subcommand to the application; `exit_code` receives its result.
void add_check_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
