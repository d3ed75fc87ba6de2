// The three renderings of a test coverage report (`tenet test --coverage`,
// docs/LANGUAGE.md §10.2): a table for people, JSON for tools, and an lcov
// tracefile over the .tenet sources that Debian's `genhtml` (package lcov)
// turns into an HTML report.
//
// lcov's model mapped onto policies: each declaration is a "function"
// (FN/FNDA: its id, how often it was evaluated), each of its lines a line
// (DA: the same count), and its outcome two branches (BRDA: matched, not
// matched; `genhtml --branch-coverage` shows them).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "cli/test_coverage.hpp"

namespace tenet::cli {

void write_coverage_table(const CoverageReport& report, std::ostream& out);

// One JSON document (docs/LANGUAGE.md §10.2 lists its members).
[[nodiscard]] std::string coverage_json(const CoverageReport& report);

// SF paths are absolute: `directory` joined with each declaration's file.
void write_lcov(const CoverageReport& report, const std::filesystem::path& directory,
                std::ostream& out);

}  // namespace tenet::cli
