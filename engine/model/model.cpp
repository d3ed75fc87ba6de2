#include "engine/model/model.hpp"

#include <algorithm>

namespace tenet::model {

Symbol Interner::intern(std::string_view text) {
  if (base_ != nullptr) {
    if (const std::optional<Symbol> found = base_->find(text)) return *found;
  }
  if (const auto found = index_.find(text); found != index_.end()) return found->second;
  const auto symbol = static_cast<Symbol>(size());
  const std::string& stored = strings_.emplace_back(text);
  index_.emplace(std::string_view(stored), symbol);
  return symbol;
}

std::optional<Symbol> Interner::find(std::string_view text) const {
  if (base_ != nullptr) {
    if (const std::optional<Symbol> found = base_->find(text)) return found;
  }
  if (const auto found = index_.find(text); found != index_.end()) return found->second;
  return std::nullopt;
}

namespace {

template <typename T>
Index position_of(const std::vector<T>& items, Symbol name) {
  const auto it =
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? kNone : static_cast<Index>(it - items.begin());
}

const Attribute* find_attribute(const std::vector<Attribute>& attributes, Symbol name) {
  const Index at = position_of(attributes, name);
  return at == kNone ? nullptr : &attributes[at];
}

}  // namespace

const Attribute* ResourceType::find(Symbol attribute) const {
  return find_attribute(attributes, attribute);
}
const Attribute* Schema::find_principal(Symbol name) const {
  return find_attribute(principal, name);
}
const Attribute* Schema::find_context(Symbol name) const { return find_attribute(context, name); }
Index Schema::find_resource_type(Symbol name) const { return position_of(resources, name); }

Index Lifecycle::find_state(Symbol name) const {
  const auto it = std::find(states.begin(), states.end(), name);
  return it == states.end() ? kNone : static_cast<Index>(it - states.begin());
}

Index Tenant::add_role(Role role) {
  const auto at = static_cast<Index>(roles.size());
  role_index.emplace(role.name, at);
  roles.push_back(std::move(role));
  return at;
}

Index Tenant::find_role(Symbol name) const {
  const auto it = role_index.find(name);
  return it == role_index.end() ? kNone : it->second;
}
Index Tenant::find_feature(Symbol name) const { return position_of(features, name); }
Index Tenant::find_plan(Symbol name) const { return position_of(plans, name); }

bool Tenant::matches(Index role, const RoleList& list) const {
  if (list.all) return true;
  if (role >= roles.size()) return false;
  const Role& principal = roles[role];
  return std::any_of(list.roles.begin(), list.roles.end(),
                     [&](Index wanted) { return principal.is_a(wanted); });
}

const Tenant* PolicySet::find_tenant(std::string_view tenant_name) const {
  const std::optional<Symbol> symbol = names.find(tenant_name);
  if (!symbol) return nullptr;
  const Index at = position_of(tenants, *symbol);
  return at == kNone ? nullptr : &tenants[at];
}

namespace {

void collect_conjuncts(const Tenant& tenant, ExprId at, bool root, std::vector<ExprId>& out) {
  const Node& node = tenant.nodes.at(at);
  // Parentheses leave no node, only a span that starts before the left
  // operand's: such an And stays whole, unless it is the root.
  const bool parenthesised =
      node.op == Op::And && tenant.nodes.at(node.lhs).span.offset != node.span.offset;
  if (node.op != Op::And || (parenthesised && !root)) {
    out.push_back(at);
    return;
  }
  collect_conjuncts(tenant, node.lhs, false, out);
  collect_conjuncts(tenant, node.rhs, false, out);
}

}  // namespace

std::vector<ExprId> conjuncts(const Tenant& tenant, ExprId condition) {
  std::vector<ExprId> out;
  if (condition != kNone) collect_conjuncts(tenant, condition, true, out);
  return out;
}

std::string_view source_text(const PolicySet& policy_set, const Tenant& tenant, ExprId expr) {
  return policy_set.sources->text(tenant.nodes.at(expr).span);
}

namespace {

std::string kind_name(ExprType kind) {
  switch (kind) {
    case ExprType::Error:
      return "an invalid expression";
    case ExprType::Bool:
      return "bool";
    case ExprType::Int:
      return "int";
    case ExprType::String:
      return "string";
    case ExprType::Enum:
      return "enum";
    case ExprType::SetOfString:
      return "set<string>";
    case ExprType::SetOfInt:
      return "set<int>";
    case ExprType::List:
      return "list";
  }
  return "?";
}

std::string enum_name(Index enum_index, const Schema& schema, const Interner& names) {
  if (enum_index >= schema.enums.size()) return "enum";
  std::string out;
  for (const Symbol member : schema.enums[enum_index].members) {
    if (!out.empty()) out += " | ";
    out += '"';
    out += names.name(member);
    out += '"';
  }
  return out;
}

}  // namespace

std::string type_name(const StaticType& type, const Schema& schema, const Interner& names) {
  switch (type.kind) {
    case ExprType::Enum:
      return enum_name(type.enum_index, schema, names);
    case ExprType::List:
      if (type.element == ExprType::Error) return "an empty list";
      if (type.element == ExprType::Enum)
        return "a list of " + enum_name(type.enum_index, schema, names);
      return "a list of " + kind_name(type.element);
    default:
      return kind_name(type.kind);
  }
}

}  // namespace tenet::model
