#include "cli/sql_command.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <ostream>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "engine/engine.hpp"
#include "grammar/source/diagnostic.hpp"

namespace tenet::cli {

int run_sql(const SqlOptions& options, std::ostream& out, std::ostream& err) {
  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  const LoadedPolicies loaded = load_policies(options.directory, policy_options, "tenet sql", err);
  if (loaded.exit_code != kOk) return loaded.exit_code;
  const PolicyLoad& compiled = loaded.load;
  sql::DdlOptions ddl;
  if (!options.tenant.empty()) ddl.tenant = options.tenant;
  ddl.origin = options.directory.filename().empty()
                   ? options.directory.parent_path().filename().string()
                   : options.directory.filename().string();
  const sql::DdlResult result = sql::generate_ddl(*compiled.policies, ddl);
  if (!result.error.empty()) {
    err << "tenet sql: error: " << result.error << " in " << options.directory.string() << '\n';
    return result.policy_error ? kPolicyErrors : kUsageOrIo;
  }
  for (const Diagnostic& warning : result.warnings) err << render(warning, *compiled.sources);
  out << result.script;
  return kOk;
}

void add_sql_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SqlOptions>();
  CLI::App* command = app.add_subcommand(
      "sql",
      "Print PostgreSQL row-level security (DDL) enforcing the policies' read/write/create/delete "
      "decisions on every mapped resource type (docs/DATABASE.md). Exit status: 0 printed, 1 "
      "policy errors, 2 usage or I/O error or unknown tenant.");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  command->add_option("--tenant,-t", options->tenant, "Only this tenant's policies");
  add_parse_limit_options(*command, options->limits);
  command->callback([options, &exit_code] { exit_code = run_sql(*options, std::cout, std::cerr); });
}

}  // namespace tenet::cli
