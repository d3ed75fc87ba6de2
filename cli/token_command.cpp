#include "cli/token_command.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/check_command.hpp"
#include "server/tokens.hpp"

namespace tenet::cli {

void add_token_command(CLI::App& app, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "Manage the access tokens of `tenet serve`");
  token->require_subcommand(1);
  struct Options {
    std::string tenant;
    std::string rights = "check";
  };
  auto options = std::make_shared<Options>();
  CLI::App* create = token->add_subcommand("new",
                                           "Print a fresh random token, then the line to add to "
                                           "the token file (its SHA-256, tenant, rights)");
  create->add_option("--tenant", options->tenant, "The tenant the token is bound to, or * for all")
      ->required();
  create
      ->add_option("--rights", options->rights,
                   "A comma list of check, admin and author (e.g. check,author)")
      ->capture_default_str();
  create->callback([options, &exit_code] {
    const std::string line = "0000000000000000000000000000000000000000000000000000000000000000 " +
                             options->tenant + ' ' + options->rights;
    const auto checked = server::TokenStore::parse(line, "--rights");
    if (!checked.store || options->tenant.empty()) {
      std::cerr << "tenet token new: error: --rights must be a comma list of check, admin and "
                   "author, and "
                   "--tenant a name or *\n";
      exit_code = kUsageOrIo;
      return;
    }
    const std::string fresh = server::new_token();
    const auto hash = server::sha256(fresh);
    std::cout << fresh << '\n'
              << server::to_hex(hash.data(), hash.size()) << ' ' << options->tenant << ' '
              << options->rights << '\n';
    exit_code = kOk;
  });
}

}  // namespace tenet::cli
