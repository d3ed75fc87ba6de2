// The type rules of docs/LANGUAGE.md §6: which static types compare with
// which, what may be an element of a set or list.
//
// Internal to engine/ (included by expression_checker.cpp). Pure functions.
#pragma once

#include "engine/model/model.hpp"

namespace tenet::checker {

[[nodiscard]] model::StaticType of_kind(model::ExprType kind);
[[nodiscard]] model::StaticType of_attribute(const model::AttributeType& type);

// string or enum: they compare with each other.
[[nodiscard]] bool stringish(model::ExprType kind);

// May a value of type `value` be an element of a collection of `element`s
// (`enum_index` when they are enums)? Error types fit anything: the problem
// that made them was reported already.
[[nodiscard]] bool element_fits(const model::StaticType& value, model::ExprType element,
                                model::Index enum_index);

// set<string> → string, set<int> → int, anything else → Error.
[[nodiscard]] model::ExprType set_element(model::ExprType set);

// `==` / `!=`: equal types; an enum is compatible with string and with the
// same enum; a set with a set or list of its element type.
[[nodiscard]] bool comparable(const model::StaticType& a, const model::StaticType& b);

}  // namespace tenet::checker
