#include "cli/tree_command.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <ostream>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "engine/engine.hpp"

namespace tenet::cli {

int run_tree(const TreeOptions& options, std::ostream& out, std::ostream& err) {
  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  // Errors and warnings are printed only when the set does not compile: a
  // tree is wanted, not a lint report (that is `tenet check`).
  const LoadedPolicies loaded = load_policies(options.directory, policy_options, "tenet tree", err);
  if (loaded.exit_code != kOk) return loaded.exit_code;
  const PolicyLoad& compiled = loaded.load;
  const Index tenant = compiled.policies->find_tenant(options.tenant);
  if (tenant == kNone) {
    err << "tenet tree: error: no tenant '" << options.tenant << "' in "
        << options.directory.string() << '\n';
    return kUsageOrIo;
  }
  out << compile::dump_tree(*compiled.policies, tenant);
  return kOk;
}

void add_tree_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TreeOptions>();
  CLI::App* command = app.add_subcommand(
      "tree",
      "Print the compiled decision structures of one tenant: candidate rules per (action, type) "
      "with the roles they apply to, transitions, features, plans, lifecycles. Exit status: 0 "
      "printed, 1 policy errors, 2 usage or I/O error or unknown tenant.");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  command->add_option("--tenant,-t", options->tenant, "The tenant to print")->required();
  add_parse_limit_options(*command, options->limits);
  command->callback(
      [options, &exit_code] { exit_code = run_tree(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
