#include "cli/store_command.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// `tenet store prune-decisions URL --older-than DAYS`: the decision log's
// day partitions before (today - DAYS), UTC, dropped whole (no row by row
// delete, no vacuum); the default partition's rows that old deleted.
int run_prune_decisions(const std::string& url, unsigned days) {
  constexpr std::string_view kCommand = "tenet store prune-decisions";
  try {
    store::Connection connection(url);
    if (const int version = store::store_version(connection); version < 3) {
      std::cerr << kCommand << ": error: the store is at version " << version
                << " and has no tenet.decisions: run `tenet store migrate URL`\n";
      return kUsageOrIo;
    }
    const std::string before =
        *connection
             .query("SELECT ((now() AT TIME ZONE 'UTC')::date - $1::integer)::text",
                    {std::to_string(days)})
             .at(0)
             .at(0);
    const std::vector<store::Row> old = connection.query(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'tenet.decisions'::regclass AND c.relname ~ '^decisions_[0-9]{8}$' "
        "AND to_date(substr(c.relname, 11), 'YYYYMMDD') < $1::date ORDER BY c.relname",
        {before});
    for (const store::Row& row : old) {
      // Each in a transaction of its own: dropping a partition locks the
      // table a moment, and replicas insert into it.
      connection.exec("DROP TABLE tenet." + row.at(0).value_or("") + "");
      std::cout << "dropped tenet." << *row.at(0) << '\n';
    }
    const std::uint64_t deleted =
        connection.command("DELETE FROM tenet.decisions_default WHERE time < ('" + before +
                           "'::date)::timestamp AT TIME ZONE 'UTC'");
    if (deleted > 0) std::cout << "deleted " << deleted << " rows from tenet.decisions_default\n";
    std::cout << (old.empty() && deleted == 0 ? "nothing to prune; " : "")
              << "tenet.decisions keeps the decisions from " << before << " (UTC) on\n";
    return kOk;
  } catch (const store::StoreError& error) {
    std::cerr << kCommand << ": error: " << error.what() << '\n';
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
  auto days = std::make_shared<unsigned>(0);
  CLI::App* prune = command->add_subcommand(
      "prune-decisions",
      "Drop the day partitions of tenet.decisions (the decision log's copy) older than "
      "--older-than DAYS (docs/FLEET.md)");
  prune->add_option("URL", *url, "libpq connection string or URI (postgresql://...)")->required();
  prune
      ->add_option("--older-than", *days,
                   "Keep today (UTC) and the DAYS days before it; drop the days before those")
      ->required()
      ->check(CLI::Range(1U, 100'000U));
  prune->callback([url, days, &exit_code] { exit_code = run_prune_decisions(*url, *days); });
}

}  // namespace tenet::cli
