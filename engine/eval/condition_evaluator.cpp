// Design note: a recursive walk over the flat compiled nodes (nesting is
// capped at 256 by the parser, so the stack is bounded). Operands are
// `Value`s on the stack: attribute reads copy a request value, literals are
// views into the interner, so nothing is allocated. Errors propagate
// immediately (short-circuit), so the message kept is the first error met
// left to right. Equality never trusts kinds blindly: a value whose kind
// does not fit (a hand-built request) compares unequal instead of crashing.
#include "engine/eval/condition_evaluator.hpp"

#include <algorithm>

#include "engine/compile/compiled.hpp"
#include "engine/compile/short_text.hpp"

namespace tenet::eval {
namespace {

using compile::Op;

constexpr std::string_view kStateMissing = "resource.state is missing";
constexpr std::string_view kResourceMissing = "resource is missing";
constexpr std::string_view kAttributeMissing = "attribute is missing";

bool is_text(const Value& v) { return v.kind == ValueKind::String || v.kind == ValueKind::Enum; }

template <typename T>
bool same_set(std::span<const T> a, std::span<const T> b) {
  const auto in = [](std::span<const T> set, const T& item) {
    return std::find(set.begin(), set.end(), item) != set.end();
  };
  return std::all_of(a.begin(), a.end(), [&](const T& x) { return in(b, x); }) &&
         std::all_of(b.begin(), b.end(), [&](const T& x) { return in(a, x); });
}

bool equal(const Value& a, const Value& b) {
  // Members of one enum compare by index (the checker only lets one enum
  // meet itself); an enum and a string compare by text.
  if (a.kind == ValueKind::Enum && b.kind == ValueKind::Enum && a.member != kNone &&
      b.member != kNone) {
    return a.member == b.member;
  }
  if (is_text(a) && is_text(b)) return compile::same_text(a.string, b.string);
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case ValueKind::Bool:
      return a.boolean == b.boolean;
    case ValueKind::Int:
      return a.integer == b.integer;
    case ValueKind::SetOfString:
      return same_set(a.strings, b.strings);
    case ValueKind::SetOfInt:
      return same_set(a.integers, b.integers);
    default:
      return false;
  }
}

bool set_has(const Value& set, const Value& item) {
  if (set.kind == ValueKind::SetOfString && is_text(item)) {
    return std::any_of(set.strings.begin(), set.strings.end(), [&item](std::string_view element) {
      return compile::same_text(element, item.string);
    });
  }
  if (set.kind == ValueKind::SetOfInt && item.kind == ValueKind::Int) {
    return std::find(set.integers.begin(), set.integers.end(), item.integer) != set.integers.end();
  }
  return false;
}

Truth truth(bool b) { return b ? Truth::True : Truth::False; }

Value text_value(std::string_view text) {
  Value v;
  v.kind = ValueKind::String;
  v.string = text;
  return v;
}

bool present(Attributes attributes, Index slot) {
  return slot < attributes.size() && attributes[slot].kind != ValueKind::Absent;
}

}  // namespace

Truth ConditionEvaluator::condition(Index node) {
  if (node == kNone) return Truth::True;
  return eval(node);
}

Truth ConditionEvaluator::rule(Index when, Index unless) {
  const Truth a = condition(when);
  if (a != Truth::True || unless == kNone) return a;
  switch (eval(unless)) {
    case Truth::True:
      return Truth::False;
    case Truth::False:
      return Truth::True;
    case Truth::Error:
      break;
  }
  return Truth::Error;
}

bool ConditionEvaluator::enabled(Index feature) {
  if (feature >= tenant_.features.size()) return false;
  const compile::Feature& f = tenant_.features[feature];
  const compile::FeatureSwitch state = tenant_.switches->get(feature);
  const bool on =
      state == compile::FeatureSwitch::Default ? f.default_on : state == compile::FeatureSwitch::On;
  if (!on || !role_in(f.roles)) return false;
  if (f.condition == kNone) return true;
  // A feature in error is simply not enabled: its error is not the caller's.
  const std::string_view saved = error_;
  const Truth result = eval(f.condition);
  error_ = saved;
  return result == Truth::True;
}

Truth ConditionEvaluator::eval(Index at) {
  const compile::Node& node = tenant_.nodes[at];
  switch (node.op) {
    case Op::True:
      return Truth::True;
    case Op::False:
      return Truth::False;
    case Op::HasPrincipal:
      return truth(present(request_.principal.attributes, node.ref));
    case Op::HasResource:
      return truth(resource_ != nullptr && present(resource_->attributes, node.ref));
    case Op::HasContext:
      return truth(present(request_.context, node.ref));
    case Op::HasBuiltin:
      return Truth::True;
    case Op::HasState:
      return truth(resource_ != nullptr && !resource_->state_name.empty());
    case Op::Enabled:
      return truth(enabled(node.ref));
    case Op::Not: {
      const Truth inner = eval(node.lhs);
      return inner == Truth::Error ? Truth::Error : truth(inner == Truth::False);
    }
    case Op::And: {
      const Truth left = eval(node.lhs);
      return left == Truth::True ? eval(node.rhs) : left;
    }
    case Op::Or: {
      const Truth left = eval(node.lhs);
      return left == Truth::False ? eval(node.rhs) : left;
    }
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return compare(node);
    case Op::InList:
    case Op::InSet:
    case Op::Contains:
      return membership(node);
    default: {
      // A bool attribute used as a condition.
      Value scratch;
      const Value* v = operand(at, scratch);
      if (v == nullptr) return Truth::Error;
      return truth(v->kind == ValueKind::Bool && v->boolean);
    }
  }
}

// A set (or list literal) side of `==`: its items, and a membership test.
struct Collection {
  const Value* set = nullptr;           // a set value, or
  const compile::Node* list = nullptr;  // a List node
};

bool ConditionEvaluator::collection_has(const Collection& c, const Value& item) {
  if (c.set != nullptr) return set_has(*c.set, item);
  for (Index i = 0; i < c.list->rhs; ++i) {
    if (equal(item, literal_value(tenant_.nodes[c.list->lhs + i]))) return true;
  }
  return false;
}

// Every item of `a` is in `b`.
bool ConditionEvaluator::collection_within(const Collection& a, const Collection& b) {
  if (a.list != nullptr) {
    for (Index i = 0; i < a.list->rhs; ++i) {
      if (!collection_has(b, literal_value(tenant_.nodes[a.list->lhs + i]))) return false;
    }
    return true;
  }
  Value item;
  if (a.set->kind == ValueKind::SetOfString) {
    item.kind = ValueKind::String;
    for (const std::string_view s : a.set->strings) {
      item.string = s;
      if (!collection_has(b, item)) return false;
    }
    return true;
  }
  if (a.set->kind == ValueKind::SetOfInt) {
    item.kind = ValueKind::Int;
    for (const std::int64_t i : a.set->integers) {
      item.integer = i;
      if (!collection_has(b, item)) return false;
    }
    return true;
  }
  return false;
}

Truth ConditionEvaluator::compare(const compile::Node& node) {
  Value scratch_a;
  Value scratch_b;
  const Value* a = operand(node.lhs, scratch_a);
  if (a == nullptr) return Truth::Error;
  const Value* b = operand(node.rhs, scratch_b);
  if (b == nullptr) return Truth::Error;
  // A set compared with a list literal (`principal.tags == []`): equal as sets.
  const compile::Node& left = tenant_.nodes[node.lhs];
  const compile::Node& right = tenant_.nodes[node.rhs];
  if ((node.op == Op::Eq || node.op == Op::Ne) && (left.op == Op::List || right.op == Op::List)) {
    const Collection ca = left.op == Op::List ? Collection{nullptr, &left} : Collection{a, nullptr};
    const Collection cb =
        right.op == Op::List ? Collection{nullptr, &right} : Collection{b, nullptr};
    const bool same = collection_within(ca, cb) && collection_within(cb, ca);
    return truth(node.op == Op::Eq ? same : !same);
  }
  const bool ints = a->kind == ValueKind::Int && b->kind == ValueKind::Int;
  switch (node.op) {
    case Op::Eq:
      return truth(equal(*a, *b));
    case Op::Ne:
      return truth(!equal(*a, *b));
    case Op::Lt:
      return truth(ints && a->integer < b->integer);
    case Op::Le:
      return truth(ints && a->integer <= b->integer);
    case Op::Gt:
      return truth(ints && a->integer > b->integer);
    case Op::Ge:
      return truth(ints && a->integer >= b->integer);
    default:
      return Truth::False;
  }
}

Truth ConditionEvaluator::membership(const compile::Node& node) {
  Value scratch_a;
  const Value* a = operand(node.lhs, scratch_a);
  if (a == nullptr) return Truth::Error;
  if (node.op == Op::InList) {
    const compile::Node& list = tenant_.nodes[node.rhs];
    for (Index i = 0; i < list.rhs; ++i) {
      if (equal(*a, literal_value(tenant_.nodes[list.lhs + i]))) return Truth::True;
    }
    return Truth::False;
  }
  Value scratch_b;
  const Value* b = operand(node.rhs, scratch_b);
  if (b == nullptr) return Truth::Error;
  return truth(node.op == Op::InSet ? set_has(*b, *a) : set_has(*a, *b));
}

const Value* ConditionEvaluator::read(Attributes attributes, Index slot,
                                      const std::vector<std::string_view>& missing) {
  if (present(attributes, slot)) return &attributes[slot];
  error_ = slot < missing.size() ? missing[slot] : kAttributeMissing;
  return nullptr;
}

const Value* ConditionEvaluator::text(std::string_view text, Value& scratch) {
  scratch = text_value(text);
  return &scratch;
}

const Value* ConditionEvaluator::operand(Index at, Value& scratch) {
  const compile::Node& node = tenant_.nodes[at];
  switch (node.op) {
    case Op::True:
    case Op::False:
    case Op::Int:
    case Op::String:
    case Op::Role:
    case Op::Enum:
    case Op::List:  // only ever beside `==`/`!=`/`in`, which read its items (Absent here)
      scratch = literal_value(node);
      return &scratch;
    case Op::PrincipalAttr:
      return read(request_.principal.attributes, node.ref, platform_.principal_missing);
    case Op::ContextAttr:
      return read(request_.context, node.ref, platform_.context_missing);
    case Op::ResourceAttr:
      if (resource_ == nullptr) {
        error_ = kResourceMissing;
        return nullptr;
      }
      return read(resource_->attributes, node.ref, platform_.resource_missing);
    case Op::PrincipalId:
      return text(request_.principal.id, scratch);
    case Op::PrincipalTenant:
      return text(tenant_.name, scratch);
    case Op::PrincipalRole:
      return text(request_.principal.role < tenant_.role_names.size()
                      ? tenant_.role_names[request_.principal.role]
                      : request_.principal.role_name,
                  scratch);
    case Op::ResourceType:
    case Op::ResourceId:
    case Op::ResourceTenant:
    case Op::ResourceState:
      if (resource_ == nullptr) {
        error_ = kResourceMissing;
        return nullptr;
      }
      if (node.op == Op::ResourceType) {
        return text(resource_->type < platform_.type_names.size()
                        ? platform_.type_names[resource_->type]
                        : resource_->type_name,
                    scratch);
      }
      if (node.op == Op::ResourceId) return text(resource_->id, scratch);
      if (node.op == Op::ResourceTenant) return text(resource_->tenant, scratch);
      if (resource_->state_name.empty()) {
        error_ = kStateMissing;
        return nullptr;
      }
      return text(resource_->state_name, scratch);
    default: {
      // A boolean sub-expression used as an operand (`(a < b) == true`).
      const Truth t = eval(at);
      if (t == Truth::Error) return nullptr;
      scratch.kind = ValueKind::Bool;
      scratch.boolean = t == Truth::True;
      return &scratch;
    }
  }
}

}  // namespace tenet::eval
