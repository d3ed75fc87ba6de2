// Loading a policy directory for every command that reads one (`check`,
// `eval`, `test`, `tree`, `sql`, `serve`): the shared parse-limit flags, one
// call of the facade's pipeline (tenet::compile_policy_directory), and one
// way to report a load that failed.
//
// Used by the cli/*_command.cpp files. No shared state.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string_view>

#include "cli/check_command.hpp"
#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

// The parse-limit flags (--max-file-bytes, --max-nesting,
// --max-expression-depth, --max-syntax-errors) on `command`, into `limits`:
// one option group that every command loading policies adds.
void add_parse_limit_options(CLI::App& command, ParseLimits& limits);

// The exit code of README's table for a load's status.
[[nodiscard]] ExitCode exit_code_of(PolicyLoad::Status status);

// Prints why the load failed, as `COMMAND: error: ...` lines (`command`
// names the command: "tenet eval"): I/O errors; the set's own error (no
// .tenet files); or every diagnostic as `tenet check` renders it, then
// `COMMAND: error: the policy set has N errors`. Returns the exit code.
int report_failed_load(const PolicyLoad& load, std::string_view command, std::ostream& err);

// compile_policy_directory, and on failure report_failed_load: `exit_code`
// is kOk when load.policies is set.
struct LoadedPolicies {
  int exit_code = kOk;
  PolicyLoad load;
};
[[nodiscard]] LoadedPolicies load_policies(const std::filesystem::path& directory,
                                           const PolicyOptions& options, std::string_view command,
                                           std::ostream& err);

}  // namespace tenet::cli
