#include "engine/checker/internal/type_rules.hpp"

namespace tenet::checker {

using model::ExprType;
using model::Index;
using model::kNone;
using model::StaticType;

StaticType of_kind(ExprType kind) { return StaticType{kind, ExprType::Error, kNone}; }

StaticType of_attribute(const model::AttributeType& type) {
  switch (type.kind) {
    case model::AttributeKind::Bool:
      return of_kind(ExprType::Bool);
    case model::AttributeKind::Int:
      return of_kind(ExprType::Int);
    case model::AttributeKind::String:
      return of_kind(ExprType::String);
    case model::AttributeKind::Enum:
      return StaticType{ExprType::Enum, ExprType::Error, type.enum_index};
    case model::AttributeKind::SetOfString:
      return of_kind(ExprType::SetOfString);
    case model::AttributeKind::SetOfInt:
      return of_kind(ExprType::SetOfInt);
  }
  return of_kind(ExprType::Error);
}

bool stringish(ExprType kind) { return kind == ExprType::String || kind == ExprType::Enum; }

bool element_fits(const StaticType& value, ExprType element, Index enum_index) {
  if (value.kind == ExprType::Error || element == ExprType::Error) return true;
  if (value.kind == ExprType::Enum && element == ExprType::Enum)
    return value.enum_index == enum_index;
  if (stringish(value.kind) && stringish(element)) return true;
  return value.kind == element && (element == ExprType::Bool || element == ExprType::Int);
}

ExprType set_element(ExprType set) {
  return set == ExprType::SetOfString ? ExprType::String
         : set == ExprType::SetOfInt  ? ExprType::Int
                                      : ExprType::Error;
}

bool comparable(const StaticType& a, const StaticType& b) {
  if (a.kind == ExprType::Error || b.kind == ExprType::Error) return true;
  if (a.kind == ExprType::Enum && b.kind == ExprType::Enum) return a.enum_index == b.enum_index;
  if (stringish(a.kind) && stringish(b.kind)) return true;
  const auto collection_fits = [](const StaticType& set, const StaticType& other) {
    if (set.kind != ExprType::SetOfString && set.kind != ExprType::SetOfInt) return false;
    if (other.kind == set.kind) return true;
    return other.kind == ExprType::List &&
           (other.element == ExprType::Error ||
            element_fits(of_kind(set_element(set.kind)), other.element, kNone) ||
            (set.kind == ExprType::SetOfString && other.element == ExprType::Enum));
  };
  if (collection_fits(a, b) || collection_fits(b, a)) return true;
  if (a.kind == ExprType::List && b.kind == ExprType::List) {
    return a.element == ExprType::Error || b.element == ExprType::Error ||
           element_fits(StaticType{a.element, ExprType::Error, a.enum_index}, b.element,
                        b.enum_index);
  }
  return a.kind == b.kind && (a.kind == ExprType::Bool || a.kind == ExprType::Int);
}

}  // namespace tenet::checker
