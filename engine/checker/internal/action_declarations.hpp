// Declared actions (docs/LANGUAGE.md §3, "Actions"): every
// `actions A, B on T, U;` of the schema, then of a tenant's templates and
// body, merged into one list per resource type.
//
// Internal to engine/ (included by the checker's schema and tenant passes).
// Reports unknown resource types and actions declared twice for one type
// (keeping the first), so later passes can go on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/model/model.hpp"
#include "grammar/ast.hpp"

namespace tenet::checker {

class ActionDeclarations {
 public:
  // Starts from the actions `schema` already declares per type. `context`
  // (` in tenant 'acme'`, or empty for the schema) ends messages.
  ActionDeclarations(const model::Schema& schema, model::Interner& names, Reporter& reporter,
                     std::string context);

  void declare(const ast::ActionsDecl& decl);

  // Per resource type, in declaration order.
  [[nodiscard]] const std::vector<std::vector<model::Symbol>>& actions() const { return actions_; }
  [[nodiscard]] const std::vector<std::vector<Span>>& spans() const { return spans_; }

 private:
  const model::Schema& schema_;
  model::Interner& names_;
  Reporter& reporter_;
  std::string context_;
  std::vector<std::vector<model::Symbol>> actions_;
  std::vector<std::vector<Span>> spans_;
  // (type << 32 | action) → position in actions_[type]: duplicates found
  // in constant time, whatever the number of actions.
  std::unordered_map<std::uint64_t, std::size_t> position_;
  std::size_t pairs_ = 0;
  bool over_limit_ = false;
};

// The types a rule's actions must be declared for, as messages name them:
// `resource type 'document'`, `resource types 'a', 'b'`, or
// `any resource type` (a rule `on *`).
[[nodiscard]] std::string describe_types(const model::Schema& schema, const model::Interner& names,
                                         const std::vector<model::Index>& types, bool all_types);

}  // namespace tenet::checker
