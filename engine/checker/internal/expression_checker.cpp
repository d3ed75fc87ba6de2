#include "engine/checker/internal/expression_checker.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "engine/checker/internal/type_rules.hpp"

namespace tenet::checker {
namespace {

using model::ExprType;
using model::Index;
using model::kNone;
using model::Node;
using model::Op;
using model::StaticType;

const StaticType kError = of_kind(ExprType::Error);
const StaticType kBool = of_kind(ExprType::Bool);

std::string_view entity_name(ast::Entity entity) {
  switch (entity) {
    case ast::Entity::Principal:
      return "principal";
    case ast::Entity::Resource:
      return "resource";
    case ast::Entity::Context:
      return "context";
  }
  return "?";
}

model::Entity to_model(ast::Entity entity) {
  switch (entity) {
    case ast::Entity::Principal:
      return model::Entity::Principal;
    case ast::Entity::Resource:
      return model::Entity::Resource;
    case ast::Entity::Context:
      return model::Entity::Context;
  }
  return model::Entity::Principal;
}

std::string_view op_text(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Or:
      return "||";
    case ast::BinaryOp::And:
      return "&&";
    case ast::BinaryOp::Eq:
      return "==";
    case ast::BinaryOp::Ne:
      return "!=";
    case ast::BinaryOp::Lt:
      return "<";
    case ast::BinaryOp::Le:
      return "<=";
    case ast::BinaryOp::Gt:
      return ">";
    case ast::BinaryOp::Ge:
      return ">=";
    case ast::BinaryOp::In:
      return "in";
    case ast::BinaryOp::Contains:
      return "contains";
  }
  return "?";
}

Op to_model(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Or:
      return Op::Or;
    case ast::BinaryOp::And:
      return Op::And;
    case ast::BinaryOp::Eq:
      return Op::Eq;
    case ast::BinaryOp::Ne:
      return Op::Ne;
    case ast::BinaryOp::Lt:
      return Op::Lt;
    case ast::BinaryOp::Le:
      return Op::Le;
    case ast::BinaryOp::Gt:
      return Op::Gt;
    case ast::BinaryOp::Ge:
      return Op::Ge;
    case ast::BinaryOp::In:
      return Op::InList;
    case ast::BinaryOp::Contains:
      return Op::Contains;
  }
  return Op::And;
}

struct BuiltinInfo {
  ast::Entity entity;
  std::string_view name;
  model::Builtin builtin;
};
constexpr std::array kBuiltins{
    BuiltinInfo{ast::Entity::Principal, "id", model::Builtin::Id},
    BuiltinInfo{ast::Entity::Principal, "tenant", model::Builtin::Tenant},
    BuiltinInfo{ast::Entity::Principal, "role", model::Builtin::Role},
    BuiltinInfo{ast::Entity::Resource, "type", model::Builtin::Type},
    BuiltinInfo{ast::Entity::Resource, "id", model::Builtin::Id},
    BuiltinInfo{ast::Entity::Resource, "tenant", model::Builtin::Tenant},
    BuiltinInfo{ast::Entity::Resource, "state", model::Builtin::State},
};

}  // namespace

model::ExprId ExpressionChecker::check_condition(const ast::ExprPtr& expr, const Scope& scope,
                                                 std::string_view what, const Facts& known,
                                                 Facts* proven_true) {
  if (!expr) return kNone;
  scope_ = &scope;
  const Index root = check(*expr, known);
  require_bool(root, what);
  scope_ = nullptr;
  if (proven_true != nullptr) *proven_true = proven(root).if_true;
  proven_.clear();
  return root;
}

const ExpressionChecker::Proven& ExpressionChecker::proven(Index node) const {
  static const Proven kNothing;
  const auto found = proven_.find(node);
  return found == proven_.end() ? kNothing : found->second;
}

std::vector<model::Index> ExpressionChecker::take_enabled() { return std::exchange(enabled_, {}); }

Index ExpressionChecker::emit(Node node) {
  nodes_.push_back(node);
  return static_cast<Index>(nodes_.size() - 1);
}

std::string ExpressionChecker::type_name(const StaticType& type) const {
  return model::type_name(type, schema_, names_);
}

std::string ExpressionChecker::path(const Node& attribute) const {
  static constexpr std::array kEntities{std::string_view("principal"), std::string_view("resource"),
                                        std::string_view("context")};
  return std::string(kEntities[static_cast<std::size_t>(attribute.entity)]) + "." +
         std::string(names_.name(attribute.symbol));
}

void ExpressionChecker::require_bool(Index node, std::string_view what) {
  const StaticType& type = nodes_[node].type;
  if (type.kind == ExprType::Bool || type.kind == ExprType::Error) return;
  reporter_.report(DiagCode::NotBoolean, nodes_[node].span, {what, type_name(type)});
}

Index ExpressionChecker::check(const ast::Expr& expr, const Facts& known) {
  Node node;
  node.span = expr.span;
  if (const auto* literal = std::get_if<ast::BoolLiteral>(&expr.node)) {
    node.op = Op::BoolConst;
    node.value = literal->value ? 1 : 0;
    node.type = kBool;
    return emit(node);
  }
  if (const auto* literal = std::get_if<ast::IntLiteral>(&expr.node)) {
    node.op = Op::IntConst;
    node.value = literal->value;
    node.type = of_kind(ExprType::Int);
    return emit(node);
  }
  if (const auto* literal = std::get_if<ast::StringLiteral>(&expr.node)) {
    node.op = Op::StringConst;
    node.symbol = names_.intern(literal->value);
    node.type = of_kind(ExprType::String);
    return emit(node);
  }
  if (const auto* list = std::get_if<ast::ListLiteral>(&expr.node)) return check_list(expr, *list);
  if (const auto* attribute = std::get_if<ast::AttributeRef>(&expr.node)) {
    return check_attribute(expr, attribute->entity, attribute->attribute, false, known);
  }
  if (const auto* has = std::get_if<ast::HasAttribute>(&expr.node)) {
    return check_attribute(expr, has->entity, has->attribute, true, known);
  }
  if (const auto* call = std::get_if<ast::EnabledCall>(&expr.node)) {
    node.op = Op::Enabled;
    node.type = kBool;
    node.symbol = names_.intern(call->feature.text);
    node.ref = tenant_.find_feature(node.symbol);
    if (node.ref == kNone) {
      std::vector<std::string_view> candidates;
      for (const model::Feature& feature : tenant_.features)
        candidates.push_back(names_.name(feature.name));
      reporter_.report(
          DiagCode::UnknownFeature, call->feature.span,
          {call->feature.text, context_, did_you_mean(call->feature.text, candidates)});
    } else {
      enabled_.push_back(node.ref);
    }
    return emit(node);
  }
  if (const auto* negated = std::get_if<ast::Not>(&expr.node)) {
    const Index operand = check(*negated->operand, known);
    const Proven swapped{proven(operand).if_false, proven(operand).if_true};
    const bool bang = reporter_.sources().text(expr.span).starts_with('!');
    require_bool(operand, bang ? "the operand of '!'" : "the operand of 'not'");
    node.op = Op::Not;
    node.lhs = operand;
    node.type = kBool;
    const Index at = emit(node);
    if (!swapped.if_true.empty() || !swapped.if_false.empty()) proven_[at] = swapped;
    return at;
  }
  return check_binary(expr, std::get<ast::Binary>(expr.node), known);
}

Index ExpressionChecker::check_list(const ast::Expr& expr, const ast::ListLiteral& list) {
  // Items are literals (leaves), so checking them in order lays them out
  // consecutively, as the List node requires.
  Node node;
  node.op = Op::List;
  node.span = expr.span;
  node.type = of_kind(ExprType::List);
  node.lhs = static_cast<Index>(nodes_.size());
  node.rhs = 0;
  const ast::Expr* first = nullptr;
  for (const ast::ExprPtr& item : list.items) {
    const Index at = check(*item, {});
    ++node.rhs;
    const StaticType type = nodes_[at].type;
    if (first == nullptr) {
      first = item.get();
      node.type.element = type.kind;
      node.type.enum_index = type.enum_index;
    } else if (type.kind != node.type.element && node.type.element != ExprType::Error) {
      reporter_.report(
          DiagCode::MixedList, item->span,
          {type_name(StaticType{node.type.element, ExprType::Error, node.type.enum_index}),
           type_name(type)});
      node.type.element = ExprType::Error;
      node.type.kind = ExprType::Error;
    }
  }
  if (list.items.empty()) node.lhs = kNone;
  return emit(node);
}

Index ExpressionChecker::check_attribute(const ast::Expr& expr, ast::Entity entity,
                                         const ast::Name& name, bool is_has, const Facts& known) {
  Node node;
  node.op = is_has ? Op::Has : Op::Attribute;
  node.entity = to_model(entity);
  node.span = expr.span;
  node.symbol = names_.intern(name.text);
  node.type = kError;
  const std::string full = std::string(entity_name(entity)) + "." + name.text;
  const auto finish = [&](StaticType type) {
    node.type = is_has ? kBool : type;
    const Index at = emit(node);
    if (is_has) proven_[at].if_true = {{entity, name.text}};
    return at;
  };

  if (entity == ast::Entity::Resource && !scope_->no_resource.empty()) {
    reporter_.report(DiagCode::NoResourceHere, expr.span, {full, scope_->no_resource});
    return finish(kError);
  }
  for (const BuiltinInfo& builtin : kBuiltins) {
    if (builtin.entity != entity || builtin.name != name.text) continue;
    node.builtin = builtin.builtin;
    if (builtin.builtin == model::Builtin::State) {
      for (const Index type : scope_->types) {
        if (type < tenant_.lifecycle_of.size() && tenant_.lifecycle_of[type] != kNone) continue;
        reporter_.report(
            DiagCode::NoStateHere, expr.span,
            {"resource type '" + std::string(names_.name(schema_.resources[type].name)) + "'",
             context_});
        return finish(kError);
      }
    }
    return finish(of_kind(ExprType::String));
  }

  const auto candidates_of = [&](const std::vector<model::Attribute>& attributes) {
    std::vector<std::string_view> out;
    for (const BuiltinInfo& builtin : kBuiltins) {
      if (builtin.entity == entity) out.push_back(builtin.name);
    }
    for (const model::Attribute& attribute : attributes) out.push_back(names_.name(attribute.name));
    return out;
  };
  const bool guarded = known.count({entity, name.text}) != 0;
  const auto warn_unguarded = [&](bool optional) {
    if (optional && !is_has && !guarded) {
      reporter_.report(DiagCode::UnguardedOptional, expr.span,
                       {full, entity_name(entity), name.text});
    }
  };

  if (entity != ast::Entity::Resource) {
    const std::vector<model::Attribute>& attributes =
        entity == ast::Entity::Principal ? schema_.principal : schema_.context;
    const model::Attribute* attribute = entity == ast::Entity::Principal
                                            ? schema_.find_principal(node.symbol)
                                            : schema_.find_context(node.symbol);
    if (attribute == nullptr) {
      reporter_.report(DiagCode::UnknownAttribute, name.span,
                       {full, "", did_you_mean(name.text, candidates_of(attributes))});
      return finish(kError);
    }
    node.ref = attribute->slot;
    warn_unguarded(attribute->optional);
    return finish(of_attribute(attribute->type));
  }

  // A resource attribute must exist, with one type, on every type in scope.
  const model::Attribute* first = nullptr;
  Index first_type = kNone;
  bool optional = false;
  for (const Index type : scope_->types) {
    const model::ResourceType& resource = schema_.resources[type];
    const model::Attribute* attribute = resource.find(node.symbol);
    if (attribute == nullptr) {
      const std::string where =
          scope_->types.size() > 1
              ? " on resource type '" + std::string(names_.name(resource.name)) + "'"
              : "";
      reporter_.report(DiagCode::UnknownAttribute, name.span,
                       {full, where, did_you_mean(name.text, candidates_of(resource.attributes))});
      return finish(kError);
    }
    optional = optional || attribute->optional;
    if (first == nullptr) {
      first = attribute;
      first_type = type;
    } else if (of_attribute(first->type) != of_attribute(attribute->type)) {
      reporter_.report(DiagCode::AttributeTypeDiffers, name.span,
                       {full, type_name(of_attribute(first->type)),
                        names_.name(schema_.resources[first_type].name),
                        type_name(of_attribute(attribute->type)), names_.name(resource.name)});
      return finish(kError);
    }
  }
  if (first == nullptr) return finish(kError);  // no type in scope (already reported)
  node.ref = first->slot;
  warn_unguarded(optional);
  return finish(of_attribute(first->type));
}

Index ExpressionChecker::check_binary(const ast::Expr& expr, const ast::Binary& binary,
                                      const Facts& known) {
  if (binary.op == ast::BinaryOp::In || binary.op == ast::BinaryOp::Contains) {
    return check_membership(expr, binary, known);
  }
  Node node;
  node.op = to_model(binary.op);
  node.span = expr.span;
  node.type = kBool;
  const std::string op(reporter_.sources().text(binary.op_span).empty()
                           ? op_text(binary.op)
                           : reporter_.sources().text(binary.op_span));

  if (binary.op == ast::BinaryOp::And || binary.op == ast::BinaryOp::Or) {
    node.lhs = check(*binary.lhs, known);
    // Guards flow left to right: `has x && x`, `!(has x) || x`.
    const bool is_and = binary.op == ast::BinaryOp::And;
    const Proven left = proven(node.lhs);
    node.rhs = check(*binary.rhs, unite(known, is_and ? left.if_true : left.if_false));
    const Proven& right = proven(node.rhs);
    // a && b proves what either proves when true, what both prove when
    // false; a || b the other way round.
    Proven both{
        is_and ? unite(left.if_true, right.if_true) : intersect(left.if_true, right.if_true),
        is_and ? intersect(left.if_false, right.if_false) : unite(left.if_false, right.if_false)};
    require_bool(node.lhs, "the left side of '" + op + "'");
    require_bool(node.rhs, "the right side of '" + op + "'");
    const Index at = emit(node);
    if (!both.if_true.empty() || !both.if_false.empty()) proven_[at] = std::move(both);
    return at;
  }

  node.lhs = check(*binary.lhs, known);
  node.rhs = check(*binary.rhs, known);
  if (binary.op == ast::BinaryOp::Eq || binary.op == ast::BinaryOp::Ne) {
    resolve_literals(node.lhs, node.rhs);
    resolve_literals(node.rhs, node.lhs);
    const StaticType left = nodes_[node.lhs].type;
    const StaticType right = nodes_[node.rhs].type;
    if (!comparable(left, right)) {
      reporter_.report(DiagCode::TypeMismatch, binary.op_span, {type_name(left), type_name(right)});
    }
    return emit(node);
  }
  // < <= > >=
  for (const Index side : {node.lhs, node.rhs}) {
    const StaticType type = nodes_[side].type;
    if (type.kind != ExprType::Int && type.kind != ExprType::Error) {
      reporter_.report(DiagCode::OrderingNeedsInt, nodes_[side].span, {op, type_name(type)});
      break;  // one error per comparison: `country >= "DE"` is one mistake, not two
    }
  }
  return emit(node);
}

Index ExpressionChecker::check_membership(const ast::Expr& expr, const ast::Binary& binary,
                                          const Facts& known) {
  Node node;
  node.span = expr.span;
  node.type = kBool;
  node.lhs = check(*binary.lhs, known);
  node.rhs = check(*binary.rhs, known);
  const StaticType left = nodes_[node.lhs].type;
  const StaticType right = nodes_[node.rhs].type;
  const std::string_view op = op_text(binary.op);
  const auto is_set = [](const StaticType& t) {
    return t.kind == ExprType::SetOfString || t.kind == ExprType::SetOfInt;
  };

  if (binary.op == ast::BinaryOp::Contains) {
    node.op = Op::Contains;
    if (!is_set(left)) {
      if (left.kind != ExprType::Error) {
        reporter_.report(DiagCode::NotASet, nodes_[node.lhs].span, {op, type_name(left)});
      }
    } else if (!element_fits(right, set_element(left.kind), kNone)) {
      reporter_.report(DiagCode::TypeMismatch, binary.op_span, {type_name(left), type_name(right)});
    }
    return emit(node);
  }

  if (nodes_[node.rhs].op == Op::List) {
    node.op = Op::InList;
    resolve_literals(node.lhs, node.rhs);
    const StaticType list = nodes_[node.rhs].type;
    const bool scalar = left.kind != ExprType::List && !is_set(left);
    if (list.kind != ExprType::Error &&
        (!scalar || !element_fits(left, list.element, list.enum_index))) {
      reporter_.report(DiagCode::TypeMismatch, binary.op_span, {type_name(left), type_name(list)});
    }
    return emit(node);
  }
  node.op = Op::InSet;
  if (!is_set(right)) {
    if (right.kind != ExprType::Error) {
      reporter_.report(DiagCode::NotASet, nodes_[node.rhs].span, {op, type_name(right)});
    }
  } else if (!element_fits(left, set_element(right.kind), kNone) || left.kind == ExprType::List ||
             is_set(left)) {
    reporter_.report(DiagCode::TypeMismatch, binary.op_span, {type_name(left), type_name(right)});
  }
  return emit(node);
}

// When `attribute` is an enum, principal.role, resource.state or
// resource.type and `literal` is a string literal (or a list of them), the
// literal must name one of its values; enum members and roles are resolved
// to their index here so the compiler compares integers.
void ExpressionChecker::resolve_literals(Index attribute, Index literal) {
  const Node target = nodes_[attribute];
  if (target.op != Op::Attribute) return;
  if (nodes_[literal].op == Op::List) {
    const Node list = nodes_[literal];
    for (Index i = 0; i < list.rhs; ++i) resolve_literal(target, nodes_[list.lhs + i]);
    if (list.rhs > 0 && nodes_[literal].type.kind == ExprType::List) {
      // The list takes the resolved item type (enum), unless an item failed.
      const bool failed =
          std::any_of(nodes_.begin() + list.lhs, nodes_.begin() + list.lhs + list.rhs,
                      [](const Node& item) { return item.type.kind == ExprType::Error; });
      nodes_[literal].type.element = failed ? ExprType::Error : nodes_[list.lhs].type.kind;
      nodes_[literal].type.enum_index = nodes_[list.lhs].type.enum_index;
    }
    return;
  }
  resolve_literal(target, nodes_[literal]);
}

void ExpressionChecker::resolve_literal(const Node& attribute, Node& literal) {
  if (literal.op != Op::StringConst) return;
  const std::string text(names_.name(literal.symbol));
  if (attribute.type.kind == ExprType::Enum) {
    const model::EnumType& type = schema_.enums[attribute.type.enum_index];
    const auto member = std::find(type.members.begin(), type.members.end(), literal.symbol);
    if (member == type.members.end()) {
      std::vector<std::string_view> candidates;
      for (const model::Symbol m : type.members) candidates.push_back(names_.name(m));
      reporter_.report(
          DiagCode::NotAMember, literal.span,
          {text, path(attribute), type_name(attribute.type), did_you_mean(text, candidates)});
      literal.type = kError;
      return;
    }
    literal.op = Op::EnumConst;
    literal.ref = static_cast<Index>(member - type.members.begin());
    literal.type = attribute.type;
    return;
  }
  switch (attribute.builtin) {
    case model::Builtin::Role: {
      literal.ref = tenant_.find_role(literal.symbol);
      if (literal.ref == kNone) {
        std::vector<std::string_view> candidates;
        for (const model::Role& role : tenant_.roles) candidates.push_back(names_.name(role.name));
        reporter_.report(DiagCode::UnknownRole, literal.span,
                         {text, context_, did_you_mean(text, candidates)});
        literal.type = kError;
        return;
      }
      literal.op = Op::RoleConst;
      return;
    }
    case model::Builtin::State:
      for (const Index type : scope_->types) {
        const Index at = tenant_.lifecycle_of[type];
        if (at == kNone) continue;
        const model::Lifecycle& lifecycle = tenant_.lifecycles[at];
        if (lifecycle.find_state(literal.symbol) != kNone) continue;
        std::vector<std::string_view> candidates;
        for (const model::Symbol s : lifecycle.states) candidates.push_back(names_.name(s));
        reporter_.report(DiagCode::UnknownState, literal.span,
                         {text, names_.name(schema_.resources[type].name),
                          std::string(context_) + did_you_mean(text, candidates)});
        literal.type = kError;
        return;
      }
      return;
    case model::Builtin::Type:
      if (schema_.find_resource_type(literal.symbol) == kNone) {
        std::vector<std::string_view> candidates;
        for (const model::ResourceType& r : schema_.resources)
          candidates.push_back(names_.name(r.name));
        reporter_.report(DiagCode::UnknownResourceType, literal.span,
                         {text, did_you_mean(text, candidates)});
        literal.type = kError;
      }
      return;
    default:
      return;
  }
}

}  // namespace tenet::checker
