// The parser: one .tenet file's text → its AST plus syntax diagnostics.
//
// Built on PEGTL (grammar/internal/grammar.hpp holds the rules). Syntax errors become
// diagnostics that say in words what was expected; the parser then skips to
// the next declaration or statement and goes on, so one run reports several.
// PEGTL exceptions never leave this module. Pure function of its inputs;
// safe to call from several threads on different files.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "grammar/ast.hpp"
#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::grammar {

struct ParseLimits {
  std::size_t max_file_bytes = 16 * 1024 * 1024;
  // Depth of one expression as written: parentheses, `not`, lists, operators;
  // a chain of one operator (`a || b || c`) is one level, however long.
  std::size_t max_nesting = 256;
  // Height of an expression's tree, chains counted link by link (`a || b ||
  // c` is two deep): what every later pass recurses through, so it bounds
  // their stack use.
  std::size_t max_expression_depth = 1024;
  std::size_t max_syntax_errors = 20;  // per file; parsing stops after that many
};

struct ParseResult {
  std::shared_ptr<const ast::File> file;  // never null; partial when there were errors
  std::vector<Diagnostic> diagnostics;
};

// `is_test_file`: the file's name ends in `_test.tenet`; only `test` blocks
// are allowed in it, and `test` blocks are allowed nowhere else.
[[nodiscard]] ParseResult parse_file(const SourceSet& sources, FileId file, bool is_test_file,
                                     const ParseLimits& limits = {});

// The grammar's self-check (tao::pegtl::analyze over every rule): the number
// of rules that could loop without consuming input. Must be 0; a test asserts it.
[[nodiscard]] std::size_t grammar_analysis_issues();

}  // namespace tenet::grammar
