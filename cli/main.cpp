// The `tenet` command: one subcommand per job, each in a file of its own.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>

#include "cli/check_command.hpp"
#include "cli/diff_command.hpp"
#include "cli/eval_command.hpp"
#include "cli/explain_command.hpp"
#include "cli/fmt_command.hpp"
#include "cli/policy_command.hpp"
#include "cli/publish_command.hpp"
#include "cli/serve_command.hpp"
#include "cli/sql_command.hpp"
#include "cli/store_command.hpp"
#include "cli/test_command.hpp"
#include "cli/token_command.hpp"
#include "cli/tree_command.hpp"
#include "cli/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tenet: a compiled policy language and decision engine for multi-tenant platforms",
               "tenet"};
  app.set_version_flag("--version", std::string("tenet ") + std::string(tenet::cli::kVersion));
  app.require_subcommand(1);
  app.footer("Run 'tenet COMMAND --help' for the options of a command.");

  int exit_code = tenet::cli::kOk;
  tenet::cli::add_check_command(app, exit_code);
  tenet::cli::add_eval_command(app, exit_code);
  tenet::cli::add_test_command(app, exit_code);
  tenet::cli::add_tree_command(app, exit_code);
  tenet::cli::add_fmt_command(app, exit_code);
  tenet::cli::add_serve_command(app, exit_code);
  tenet::cli::add_token_command(app, exit_code);
  tenet::cli::add_sql_command(app, exit_code);
  tenet::cli::add_policy_command(app, exit_code);
  tenet::cli::add_store_command(app, exit_code);
  tenet::cli::add_publish_command(app, exit_code);
  tenet::cli::add_explain_command(app, exit_code);
  tenet::cli::add_replay_command(app, exit_code);
  tenet::cli::add_diff_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    app.exit(error);  // prints the message and usage hint
    return tenet::cli::kUsageOrIo;
  } catch (const std::bad_alloc&) {
    // A command ran out of memory (a policy set too large for this process):
    // a clear error and exit status, not an abort.
    std::cerr << "tenet: error: out of memory (see the size limits in LANGUAGE.md section 9)\n";
    return tenet::cli::kUsageOrIo;
  }
  return exit_code;
}
