// `tenet eval DIR [FILE|-]`: answer newline-delimited docs/PROTOCOL.md requests.
//
// Reads one request per line (from FILE, or standard input for `-` or no
// FILE) and writes one response line per request, in order, through the
// same code path as the server (engine/json/line_handler). A bad line gets its error
// response and the rest go on; blank lines are skipped; a line longer than
// --max-line bytes gets `too_large` (and, unlike the server, evaluation
// continues with the next line). Output is flushed whenever the input has
// no more data ready, so a program can drive `tenet eval` through pipes.
//
// Exit codes: 0 every line answered (error responses included), 1 the
// policy set has errors (diagnostics printed as `tenet check` prints them),
// 2 usage or I/O error.
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "engine/engine.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct EvalOptions {
  std::filesystem::path directory;
  std::string input = "-";
  bool explain = false;              // `explain: true` on every request
  std::size_t max_line = 1U << 20U;  // bytes per request line
  ParseLimits limits;                // of the policy files (--max-file-bytes, ...)
};

// `input_fd` is read when options.input is "-".
[[nodiscard]] int run_eval(const EvalOptions& options, int input_fd, std::ostream& out,
                           std::ostream& err);

void add_eval_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
