#include "cli/token_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/check_command.hpp"
#include "server/store/migrations.hpp"
#include "server/store/token_rows.hpp"
#include "server/tokens.hpp"

namespace tenet::cli {
namespace {

// Who made a change in the store's audit: the operator's login.
std::string cli_actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr && *user != '\0' ? user : "unknown");
}

std::vector<std::string> split_rights(const std::string& rights) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  while (start <= rights.size()) {
    const auto comma = rights.find(',', start);
    out.push_back(rights.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

void add_token_command(CLI::App& app, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "Manage the access tokens of `tenet serve`");
  token->require_subcommand(1);
  struct Options {
    std::string tenant;
    std::string rights = "check";
    std::string store;  // a store URL: the token goes there, not to a file line
    std::string revoke_id;
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
  create->add_option("--store", options->store,
                     "Add the token to the fleet's store (docs/FLEET.md) instead of printing a "
                     "token-file line");
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
    if (!options->store.empty()) {
      try {
        store::Connection connection(options->store);
        store::require_latest(connection);
        store::add_token(connection, hash, options->tenant, split_rights(options->rights),
                         cli_actor());
      } catch (const store::StoreError& error) {
        std::cerr << "tenet token new: error: " << error.what() << '\n';
        exit_code = kUsageOrIo;
        return;
      }
      std::cout << fresh << '\n' << "sha256:" << server::to_hex(hash.data(), 8) << '\n';
      exit_code = kOk;
      return;
    }
    std::cout << fresh << '\n'
              << server::to_hex(hash.data(), hash.size()) << ' ' << options->tenant << ' '
              << options->rights << '\n';
    exit_code = kOk;
  });

  CLI::App* revoke = token->add_subcommand(
      "revoke",
      "Revoke a token in the fleet's store, by its id (sha256:<16 hex>, as logs and "
      "policy histories name it) or its whole SHA-256");
  revoke->add_option("ID", options->revoke_id, "The token's id")->required();
  revoke->add_option("--store", options->store, "The fleet's store URL (docs/FLEET.md)")
      ->required();
  revoke->callback([options, &exit_code] {
    try {
      store::Connection connection(options->store);
      store::require_latest(connection);
      const std::vector<std::string> revoked =
          store::revoke_token(connection, options->revoke_id, cli_actor());
      if (revoked.empty()) {
        std::cerr << "tenet token revoke: error: no live token " << options->revoke_id
                  << " in the store\n";
        exit_code = kPolicyErrors;
        return;
      }
      for (const std::string& id : revoked) std::cout << "revoked " << id << '\n';
      exit_code = kOk;
    } catch (const store::StoreError& error) {
      std::cerr << "tenet token revoke: error: " << error.what() << '\n';
      exit_code = kUsageOrIo;
    }
  });
}

}  // namespace tenet::cli
