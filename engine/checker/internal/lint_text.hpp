// Normalized source text, the lint passes' way of comparing what two
// declarations or conditions say (docs/LANGUAGE.md §9, "Lint"): the tokens
// one space apart, with whitespace, comments and annotations (`@id("x")`)
// dropped, `and`/`or`/`not` written `&&`/`||`/`!`, and parentheses around
// the whole text removed. Equal texts say the same thing; different texts
// may still (`a && b` and `b && a`), which only makes a lint quieter.
//
// Internal to engine/ (included by the lint passes). Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "engine/model/model.hpp"
#include "grammar/source/source.hpp"

namespace tenet::checker {

[[nodiscard]] std::string normalized_text(std::string_view text);

// The normalized source text of an expression of `tenant`; "" for kNone.
[[nodiscard]] std::string normalized_condition(const SourceSet& sources,
                                               const model::Tenant& tenant, model::ExprId expr);

}  // namespace tenet::checker
