// Loading a policy directory for the commands that evaluate (`tenet eval`,
// `tenet test`): load, check, compile, and on errors print the diagnostics
// exactly as `tenet check` does.
//
// Used by cli/eval_command.cpp and cli/test_command.cpp. No shared state.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "grammar/ast.hpp"
#include "grammar/source/source.hpp"

namespace tenet::cli {

struct LoadedPolicies {
  int exit_code = 0;  // kOk: `policies` is set; else kPolicyErrors or kUsageOrIo
  std::shared_ptr<const CompiledPolicySet> policies;
  std::shared_ptr<const SourceSet> sources;
  std::vector<std::shared_ptr<const ast::File>> test_files;  // when asked for
};

// `command` names the command in messages ("tenet eval").
[[nodiscard]] LoadedPolicies load_policies(const std::filesystem::path& directory,
                                           bool include_tests, std::string_view command,
                                           std::ostream& err);

}  // namespace tenet::cli
