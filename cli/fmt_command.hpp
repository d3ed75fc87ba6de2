// `tenet fmt PATH... [-w | --check]`: lay out .tenet files the one canonical
// way (grammar/formatter.hpp, docs/LANGUAGE.md §13). A PATH is a file or a
// directory (every *.tenet below it, in path order).
//
//   (default)  print the formatted text: of a file alone, or of each file
//              after a `==> PATH <==` line
//   -w         rewrite the files that change, each atomically (a temporary
//              file beside it, then a rename), and name them
//   --check    change nothing; print a unified diff of what would change
//
// Exit codes:
//   0  printed / rewritten / already formatted
//   1  --check: some file is not formatted
//   2  usage or I/O error, or a file with syntax errors (not formatted;
//      diagnostics on stderr)
// Streams are arguments so tests run exactly the code the binary runs.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <vector>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct FmtOptions {
  std::vector<std::filesystem::path> paths;
  bool write = false;
  bool check = false;
  ParseLimits limits;  // of the policy files (--max-file-bytes, ...)
};

[[nodiscard]] int run_fmt(const FmtOptions& options, std::ostream& out, std::ostream& err);

// Adds the `fmt` subcommand to the application; `exit_code` receives its result.
void add_fmt_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
