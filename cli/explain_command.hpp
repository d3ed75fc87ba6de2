// `tenet explain --log FILE --id ID` and `tenet replay --log FILE ...`:
// re-run logged decisions against the policy revision recorded in them
// (cli/decision_replay.hpp; docs/DECISION_LOG.md#replay).
//
// explain exit codes: 0 the replay gives the logged decision, 1 it does not
// (a DIFFERENT line), 2 not reproducible (withheld @sensitive attributes, a
// revision that is not kept), unknown id, usage or I/O error.
// replay exit codes: 0 no record differs, 1 at least one differs, 2 usage or
// I/O error (not reproducible and unreadable records are counted, not fatal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/decision_replay.hpp"

namespace CLI {
class App;
}

namespace tenet::cli {

struct ExplainOptions {
  std::vector<std::filesystem::path> logs;
  std::string id;
  ReplaySourceOptions source;
  bool json = false;
};

struct ReplayOptions {
  std::vector<std::filesystem::path> logs;
  std::optional<std::string> from;  // RFC 3339, inclusive
  std::optional<std::string> to;    // RFC 3339, inclusive
  std::optional<std::string> tenant;
  ReplaySourceOptions source;
  bool quiet = false;
  bool json = false;
};

[[nodiscard]] int run_explain(const ExplainOptions& options, std::ostream& out, std::ostream& err);
[[nodiscard]] int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err);

void add_explain_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);

}  // namespace tenet::cli
