// `tenet tree DIR --tenant T`: load, check and compile a policy set, then
// print the compiled decision structures of one tenant (engine dump_tree):
// check's candidate rules per (action, type) with the roles they apply to,
// the transition table, features with their switches, plans, lifecycles.
//
// Exit codes:
//   0  printed
//   1  the policy set has errors (diagnostics on stderr, as `tenet check`)
//   2  usage or I/O error, or no tenant of that name
// Streams are arguments so tests run exactly the code the binary runs.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct TreeOptions {
  std::filesystem::path directory;
  std::string tenant;
  ParseLimits limits;  // of the policy files (--max-file-bytes, ...)
};

[[nodiscard]] int run_tree(const TreeOptions& options, std::ostream& out, std::ostream& err);

// Adds the `tree` subcommand to the application; `exit_code` receives its result.
void add_tree_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
