// `tenet diff OLD_DIR NEW_DIR`: which decisions change between two versions
// of a policy set (docs/LANGUAGE.md §14).
//
// Evaluates the same requests under both sets, each through the engine's
// own line path (json::LineHandler, as `tenet eval`), and reports every
// request whose decision changes — allow/deny, or the list of a plans or
// features request — grouped per partner and per change (the op, the
// decision before and after, the rule ids lost and gained), with a sample of
// request lines per group, and a summary line. Requests whose decision is
// the same but whose reasons differ are counted apart (listed, and counted
// as changes, with --reasons).
//
// The requests: --requests FILE (request lines, as `tenet eval` reads;
// `batch` lines are taken item by item), --decision-log FILE (the records of
// `tenet serve --decision-log`, read as `tenet replay` reads them), or, with
// neither, the requests cli/request_synth synthesizes from both sets.
//
// Exit codes: 0 no decision changes, 1 decision changes (or a partner added
// or removed, or --reasons and reason changes, or a policy set with errors,
// its diagnostics printed), 2 usage or I/O error (a directory or request
// file that cannot be read, a request line that is not a decision request).
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct DiffOptions {
  std::filesystem::path old_directory;
  std::filesystem::path new_directory;
  std::vector<std::string> request_files;            // --requests ('-': standard input)
  std::vector<std::filesystem::path> decision_logs;  // --decision-log
  std::size_t samples = 5;                           // request lines shown per group
  bool json = false;                                 // one JSON object, every change
  bool reasons = false;                              // reason-only changes listed and counted
  std::string save_requests;                         // every request evaluated, to this file
  unsigned jobs = 0;                                 // threads; 0: one per core
  std::size_t max_line = 1U << 20U;                  // bytes per request line, as `tenet eval`
  ParseLimits limits;
};

// `in` is read for a request file named "-".
[[nodiscard]] int run_diff(const DiffOptions& options, std::istream& in, std::ostream& out,
                           std::ostream& err);

void add_diff_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
