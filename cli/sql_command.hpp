// `tenet sql DIR [--tenant T]`: print the PostgreSQL row-level security DDL
// of a policy set (engine/sql/sql_ddl.hpp; docs/DATABASE.md) on stdout.
//
// Exit codes:
//   0  printed (warnings about rules the database cannot follow exactly,
//      made stricter, go to stderr as `FILE:LINE:COL: warning: ...`)
//   1  the policy set has errors (diagnostics on stderr, as `tenet check`)
//   2  usage or I/O error, or no tenant of that name
// Streams are arguments so tests run exactly the code the binary runs.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct SqlOptions {
  std::filesystem::path directory;
  std::string tenant;  // empty: every tenant
  ParseLimits limits;  // of the policy files (--max-file-bytes, ...)
};

[[nodiscard]] int run_sql(const SqlOptions& options, std::ostream& out, std::ostream& err);

// Adds the `sql` subcommand to the application; `exit_code` receives its result.
void add_sql_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
