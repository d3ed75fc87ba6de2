#include "cli/store_command.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli/check_command.hpp"
#include "server/store/migrations.hpp"

namespace tenet::cli {
namespace {

// Runs init or migrate; what it did on stdout, a failure on stderr.
int run_store(const std::string& url, bool init) {
  const std::string command = init ? "tenet store init" : "tenet store migrate";
  try {
    store::Connection connection(url);
    const store::MigrationReport report =
        init ? store::init_store(connection) : store::migrate_store(connection);
    for (const std::string& applied : report.applied)
      std::cout << "applied migration " << applied << '\n';
    if (report.applied.empty()) {
      std::cout << "the store is at version " << report.to
                << (report.to < store::latest_version()
                        ? " (tenet store migrate upgrades it to " +
                              std::to_string(store::latest_version()) + ")"
                        : ", the latest")
                << "; nothing to do\n";
    } else {
      std::cout << "the store is at version " << report.to << '\n';
    }
    return kOk;
  } catch (const store::StoreError& error) {
    std::cerr << command << ": error: " << error.what() << '\n';
    return kUsageOrIo;
  }
}

}  // namespace

void add_store_command(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand(
      "store",
      "The fleet's store in PostgreSQL (docs/FLEET.md). Exit status: 0 done, 2 the "
      "database could not be reached or refused the change (nothing changed)");
  command->require_subcommand(1);
  auto url = std::make_shared<std::string>();
  CLI::App* init = command->add_subcommand(
      "init", "Create schema `tenet` at the latest version (nothing on an existing store)");
  init->add_option("URL", *url, "libpq connection string or URI (postgresql://...)")->required();
  init->callback([url, &exit_code] { exit_code = run_store(*url, true); });
  CLI::App* migrate =
      command->add_subcommand("migrate", "Apply the schema versions the store lacks");
  migrate->add_option("URL", *url, "libpq connection string or URI (postgresql://...)")->required();
  migrate->callback([url, &exit_code] { exit_code = run_store(*url, false); });
}

}  // namespace tenet::cli
