// Lint silencing (docs/LANGUAGE.md §9, "Lint"): a comment
//
//   // tenet-lint: ignore unused-feature, identical-override (why)
//
// silences those codes on the line it is written on, or, alone on its line,
// on the line directly below (annotation lines such as `@id("x")` between
// them belong to the declaration and are skipped). The grammar drops
// comments, so they are read back from the source text.
//
// Internal to engine/ (included by the lint passes). Pure functions.
#pragma once

#include <string_view>

#include "grammar/source/source.hpp"

namespace tenet::checker {

// Does a `tenet-lint: ignore` comment silence the lint code `code`
// (e.g. "unused-feature") for a warning at `span`?
[[nodiscard]] bool lint_silenced(const SourceSet& sources, const Span& span, std::string_view code);

// The comment part of one source line (from the first `//` or `/*` outside a
// string literal), or "" when it has none.
[[nodiscard]] std::string_view comment_of(std::string_view line);

// Does `comment` hold `tenet-lint: ignore` followed by a comma-separated
// list of codes that names `code`? Text after the list is a free reason.
[[nodiscard]] bool ignores(std::string_view comment, std::string_view code);

}  // namespace tenet::checker
