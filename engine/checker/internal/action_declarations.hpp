// Declared actions (docs/LANGUAGE.md §3, "Actions"): every
// `actions A, B on T, U;` of the schema, then of a tenant's templates and
// body, merged into one numbered table (engine/model/action_slots.hpp).
//
// A tenant's declarations are kept apart from the schema's: a tenant that
// declares none shares the schema's table, so checking many partners
// costs the schema's actions once.
//
// Internal to engine/ (included by the checker's schema and tenant passes).
// Reports unknown resource types, actions declared twice for one type
// (keeping the first) and the declared-actions limit, so later passes can
// go on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/checker/internal/check_support.hpp"
#include "engine/model/action_slots.hpp"
#include "engine/model/model.hpp"
#include "grammar/ast.hpp"

namespace tenet::checker {

class ActionDeclarations {
 public:
  // `base`: the schema's table, which a tenant's declarations add to; null
  // while the schema's own are read. `context` (` in tenant 'acme'`, or
  // empty for the schema) ends messages.
  ActionDeclarations(const model::Schema& schema, std::shared_ptr<const model::ActionSlots> base,
                     model::Interner& names, Reporter& reporter, std::string context);

  void declare(const ast::ActionsDecl& decl);

  // The table: `base` itself when nothing was added to it.
  [[nodiscard]] std::shared_ptr<const model::ActionSlots> finish() const;

 private:
  const model::Schema& schema_;
  std::shared_ptr<const model::ActionSlots> base_;
  model::Interner& names_;
  Reporter& reporter_;
  std::string context_;
  // What this scope adds, per type (types in order of first addition).
  std::vector<model::Index> added_types_;
  std::unordered_map<model::Index, std::vector<model::Symbol>> added_;
  std::unordered_map<model::Index, std::vector<Span>> added_spans_;
  std::unordered_map<std::uint64_t, Span> added_at_;  // type << 32 | action
  std::size_t pairs_ = 0;
  bool over_limit_ = false;
};

// The declared resource type `name` names; kNone (and unknown-resource-type
// reported, with a suggestion) when there is none.
[[nodiscard]] model::Index find_resource_type(const model::Schema& schema, model::Interner& names,
                                              Reporter& reporter, const ast::Name& name);

// The types a rule's actions must be declared for, as messages name them:
// `resource type 'document'`, `resource types 'a', 'b'`, or
// `any resource type` (a rule `on *`).
[[nodiscard]] std::string describe_types(const model::Schema& schema, const model::Interner& names,
                                         const std::vector<model::Index>& types, bool all_types);

}  // namespace tenet::checker
