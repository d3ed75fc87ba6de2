// Schema pass of the checker: every `schema` block of the policy set merged
// into one model::Schema (docs/LANGUAGE.md §3 and §11).
//
// Internal to engine/ (included by checker.cpp). Reports duplicate
// attributes, mappings and columns; keeps the first declaration of anything
// declared twice so later passes can go on.
#pragma once

#include <memory>
#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/model/model.hpp"
#include "grammar/ast.hpp"

namespace tenet::checker {

[[nodiscard]] model::Schema check_schema(const std::vector<std::shared_ptr<const ast::File>>& files,
                                         model::Interner& names, Reporter& reporter);

}  // namespace tenet::checker
