// `tenet fmt`: one canonical layout for a .tenet file (docs/LANGUAGE.md §13).
//
// Works on the file's tokens, never on its meaning: the formatted text has
// exactly the tokens of the input, in order (comments included), on the
// same lines, so it parses to the same AST with the same default ids
// (FILE:LINE); only the whitespace within lines changes, and it depends on
// the tokens alone, so formatting formatted text changes nothing. A file
// with syntax errors is not formatted.
//
// Pure function of its inputs; safe to call from several threads.
#pragma once

#include <string>
#include <vector>

#include "grammar/parser.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::grammar {

struct FormatResult {
  std::string text;                     // the formatted file; empty when there are diagnostics
  std::vector<Diagnostic> diagnostics;  // the syntax errors that kept it from being formatted
};

[[nodiscard]] FormatResult format_file(const SourceSet& sources, FileId file, bool is_test_file,
                                       const ParseLimits& limits = {});

}  // namespace tenet::grammar
