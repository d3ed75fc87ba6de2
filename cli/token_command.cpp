#include "cli/token_command.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
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

// --expires: a UTC date (midnight) or a whole RFC 3339 UTC time.
std::optional<std::chrono::sys_seconds> parse_expires(const std::string& text) {
  if (text.size() == 10) return server::parse_utc_time(text + "T00:00:00Z");
  return server::parse_utc_time(text);
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
    std::string expires;     // --expires DATE
    std::string expires_in;  // --expires-in DURATION
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
  CLI::Option* expires = create->add_option(
      "--expires", options->expires,
      "The instant the token stops working, in UTC: YYYY-MM-DD (midnight) or "
      "YYYY-MM-DDTHH:MM:SSZ; written to the line as expires=YYYY-MM-DDTHH:MM:SSZ");
  create
      ->add_option("--expires-in", options->expires_in,
                   "The token stops working this long from now: NUMBER UNIT pairs, UNIT one of "
                   "s, m, h, d, w (e.g. 90d, 12h, 1d12h)")
      ->excludes(expires);
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
    std::optional<std::chrono::sys_seconds> expiry;
    if (!options->expires.empty()) {
      expiry = parse_expires(options->expires);
      if (!expiry) {
        std::cerr << "tenet token new: error: --expires must be YYYY-MM-DD or "
                     "YYYY-MM-DDTHH:MM:SSZ (UTC), not '"
                  << options->expires << "'\n";
        exit_code = kUsageOrIo;
        return;
      }
    } else if (!options->expires_in.empty()) {
      const auto duration = server::parse_duration(options->expires_in);
      if (!duration) {
        std::cerr << "tenet token new: error: --expires-in must be NUMBER UNIT pairs with UNIT "
                     "one of s, m, h, d, w (e.g. 90d, 12h), more than zero and under 100 years, "
                     "not '"
                  << options->expires_in << "'\n";
        exit_code = kUsageOrIo;
        return;
      }
      // Rounded up to the second: never shorter than asked.
      expiry =
          std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()) + *duration;
    }
    if (expiry &&
        *expiry <= std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())) {
      std::cerr << "tenet token new: error: --expires " << server::format_utc_time(*expiry)
                << " is not in the future: the token would never work\n";
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
                         cli_actor(), expiry);
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
              << options->rights;
    if (expiry) std::cout << " expires=" << server::format_utc_time(*expiry);
    std::cout << '\n';
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
