#include "engine/checker/internal/action_declarations.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "grammar/source/policy_limits.hpp"

namespace tenet::checker {

using model::Index;
using model::kNone;

ActionDeclarations::ActionDeclarations(const model::Schema& schema, model::Interner& names,
                                       Reporter& reporter, std::string context)
    : schema_(schema), names_(names), reporter_(reporter), context_(std::move(context)) {
  actions_.reserve(schema.resources.size());
  spans_.reserve(schema.resources.size());
  for (const model::ResourceType& type : schema.resources) {
    const auto index = static_cast<std::uint64_t>(actions_.size());
    for (std::size_t i = 0; i < type.actions.size(); ++i)
      position_.emplace(index << 32 | type.actions[i], i);
    pairs_ += type.actions.size();
    actions_.push_back(type.actions);
    spans_.push_back(type.action_spans);
  }
}

void ActionDeclarations::declare(const ast::ActionsDecl& decl) {
  std::vector<Index> types;
  for (const ast::Name& type_name : decl.types) {
    const Index type = schema_.find_resource_type(names_.intern(type_name.text));
    if (type == kNone) {
      std::vector<std::string_view> candidates;
      for (const model::ResourceType& r : schema_.resources)
        candidates.push_back(names_.name(r.name));
      reporter_.report(DiagCode::UnknownResourceType, type_name.span,
                       {type_name.text, did_you_mean(type_name.text, candidates)});
      continue;
    }
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  for (const ast::Name& action : decl.actions) {
    const model::Symbol symbol = names_.intern(action.text);
    for (const Index type : types) {
      std::vector<model::Symbol>& declared = actions_[type];
      const auto [found, fresh] =
          position_.emplace(std::uint64_t{type} << 32 | symbol, declared.size());
      if (!fresh) {
        const std::string where_declared = " for resource type '" +
                                           std::string(names_.name(schema_.resources[type].name)) +
                                           "'" + context_;
        reporter_.report(
            DiagCode::DuplicateDeclaration, action.span,
            {"action", action.text, where_declared, reporter_.where(spans_[type][found->second])});
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
        position_.erase(found);
        return;
      }
      declared.push_back(symbol);
      spans_[type].push_back(action.span);
    }
  }
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
