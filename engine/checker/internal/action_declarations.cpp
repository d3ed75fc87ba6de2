#include "engine/checker/internal/action_declarations.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "grammar/source/policy_limits.hpp"

namespace tenet::checker {

using model::Index;
using model::kNone;

ActionDeclarations::ActionDeclarations(const model::Schema& schema,
                                       std::shared_ptr<const model::ActionSlots> base,
                                       model::Interner& names, Reporter& reporter,
                                       std::string context)
    : schema_(schema),
      base_(std::move(base)),
      names_(names),
      reporter_(reporter),
      context_(std::move(context)),
      pairs_(base_ ? base_->pair_count() : 0) {}

void ActionDeclarations::declare(const ast::ActionsDecl& decl) {
  std::vector<Index> types;
  for (const ast::Name& type_name : decl.types) {
    const Index type = find_resource_type(schema_, names_, reporter_, type_name);
    if (type == kNone) continue;
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  for (const ast::Name& action : decl.actions) {
    const model::Symbol symbol = names_.intern(action.text);
    const Index base_slot = base_ ? base_->find(symbol) : kNone;
    for (const Index type : types) {
      const Span* first = nullptr;
      if (base_slot != kNone && base_->declared(base_slot, type)) {
        first = &base_->span(base_slot, type);
      } else if (const auto at = added_at_.find(std::uint64_t{type} << 32 | symbol);
                 at != added_at_.end()) {
        first = &at->second;
      }
      if (first != nullptr) {
        const std::string where_declared = " for resource type '" +
                                           std::string(names_.name(schema_.resources[type].name)) +
                                           "'" + context_;
        reporter_.report(DiagCode::DuplicateDeclaration, action.span,
                         {"action", action.text, where_declared, reporter_.where(*first)});
        continue;
      }
      if (++pairs_ > limits::kMaxDeclaredActions) {
        if (!over_limit_) {
          over_limit_ = true;
          reporter_.report(DiagCode::PolicyTooLarge, decl.span,
                           {"more than " + std::to_string(limits::kMaxDeclaredActions) +
                                " (action, resource type) pairs are declared" + context_,
                            std::to_string(limits::kMaxDeclaredActions)});
        }
        return;
      }
      added_at_.emplace(std::uint64_t{type} << 32 | symbol, action.span);
      auto [list, fresh] = added_.try_emplace(type);
      if (fresh) added_types_.push_back(type);
      list->second.push_back(symbol);
      added_spans_[type].push_back(action.span);
    }
  }
}

std::shared_ptr<const model::ActionSlots> ActionDeclarations::finish() const {
  if (base_ && added_.empty()) return base_;
  // The schema's first (a tenant's own come after them), then the additions.
  std::vector<std::vector<model::Symbol>> by_type(schema_.resources.size());
  std::vector<std::vector<Span>> spans(schema_.resources.size());
  if (base_) {
    for (Index type = 0; type < by_type.size() && type < base_->by_type().size(); ++type) {
      by_type[type] = base_->by_type()[type];
      for (const model::Symbol action : by_type[type])
        spans[type].push_back(base_->span(base_->find(action), type));
    }
  }
  for (const Index type : added_types_) {
    const std::vector<model::Symbol>& actions = added_.at(type);
    by_type[type].insert(by_type[type].end(), actions.begin(), actions.end());
    const std::vector<Span>& where = added_spans_.at(type);
    spans[type].insert(spans[type].end(), where.begin(), where.end());
  }
  return model::ActionSlots::build(std::move(by_type), std::move(spans));
}

Index find_resource_type(const model::Schema& schema, model::Interner& names, Reporter& reporter,
                         const ast::Name& name) {
  const Index found = schema.find_resource_type(names.intern(name.text));
  if (found == kNone) {
    std::vector<std::string_view> candidates;
    for (const model::ResourceType& r : schema.resources) candidates.push_back(names.name(r.name));
    reporter.report(DiagCode::UnknownResourceType, name.span,
                    {name.text, did_you_mean(name.text, candidates)});
  }
  return found;
}

std::string describe_types(const model::Schema& schema, const model::Interner& names,
                           const std::vector<Index>& types, bool all_types) {
  if (all_types) return "any resource type";
  std::string out = types.size() == 1 ? "resource type " : "resource types ";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i != 0) out += ", ";
    out += '\'';
    out += names.name(schema.resources[types[i]].name);
    out += '\'';
  }
  return out;
}

}  // namespace tenet::checker
