#include "engine/checker/internal/type_rules.hpp"

namespace tenet::checker {

using model::Index;
using model::kNone;
using model::StaticType;
using model::TypeKind;

StaticType of_kind(TypeKind kind) { return StaticType{kind, TypeKind::Error, kNone}; }

StaticType of_attribute(const model::AttributeType& type) {
  switch (type.kind) {
    case model::ValueKind::Bool:
      return of_kind(TypeKind::Bool);
    case model::ValueKind::Int:
      return of_kind(TypeKind::Int);
    case model::ValueKind::String:
      return of_kind(TypeKind::String);
    case model::ValueKind::Enum:
      return StaticType{TypeKind::Enum, TypeKind::Error, type.enum_index};
    case model::ValueKind::SetOfString:
      return of_kind(TypeKind::SetOfString);
    case model::ValueKind::SetOfInt:
      return of_kind(TypeKind::SetOfInt);
  }
  return of_kind(TypeKind::Error);
}

bool stringish(TypeKind kind) { return kind == TypeKind::String || kind == TypeKind::Enum; }

bool element_fits(const StaticType& value, TypeKind element, Index enum_index) {
  if (value.kind == TypeKind::Error || element == TypeKind::Error) return true;
  if (value.kind == TypeKind::Enum && element == TypeKind::Enum)
    return value.enum_index == enum_index;
  if (stringish(value.kind) && stringish(element)) return true;
  return value.kind == element && (element == TypeKind::Bool || element == TypeKind::Int);
}

TypeKind set_element(TypeKind set) {
  return set == TypeKind::SetOfString ? TypeKind::String
         : set == TypeKind::SetOfInt  ? TypeKind::Int
                                      : TypeKind::Error;
}

bool comparable(const StaticType& a, const StaticType& b) {
  if (a.kind == TypeKind::Error || b.kind == TypeKind::Error) return true;
  if (a.kind == TypeKind::Enum && b.kind == TypeKind::Enum) return a.enum_index == b.enum_index;
  if (stringish(a.kind) && stringish(b.kind)) return true;
  const auto collection_fits = [](const StaticType& set, const StaticType& other) {
    if (set.kind != TypeKind::SetOfString && set.kind != TypeKind::SetOfInt) return false;
    if (other.kind == set.kind) return true;
    return other.kind == TypeKind::List &&
           (other.element == TypeKind::Error ||
            element_fits(of_kind(set_element(set.kind)), other.element, kNone) ||
            (set.kind == TypeKind::SetOfString && other.element == TypeKind::Enum));
  };
  if (collection_fits(a, b) || collection_fits(b, a)) return true;
  if (a.kind == TypeKind::List && b.kind == TypeKind::List) {
    return a.element == TypeKind::Error || b.element == TypeKind::Error ||
           element_fits(StaticType{a.element, TypeKind::Error, a.enum_index}, b.element,
                        b.enum_index);
  }
  return a.kind == b.kind && (a.kind == TypeKind::Bool || a.kind == TypeKind::Int);
}

}  // namespace tenet::checker
