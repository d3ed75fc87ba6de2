// The actions a tenant may be asked about (docs/LANGUAGE.md §3, "Actions"),
// numbered for check's table: slot 0 stands for any undeclared name, slots
// 1.. are the declared names, type by type in schema order, each in
// declaration order.
//
// Built once for the schema and shared by every tenant that declares no
// action of its own (the usual partner), so a platform of many partners
// pays for the schema's actions once, not once per partner; a tenant with
// actions of its own gets a table of its own (schema's + own).
//
// Included by engine/model/model.hpp's users that number actions: the
// checker, rule_coverage and the compiler. Immutable once built; shared
// across threads as std::shared_ptr<const ActionSlots>.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "engine/model/model.hpp"

namespace tenet::model {

class ActionSlots {
 public:
  // `by_type[t]`: the actions declared for type t, in declaration order
  // (duplicates already refused); `spans` parallel to it.
  static std::shared_ptr<const ActionSlots> build(std::vector<std::vector<Symbol>> by_type,
                                                  std::vector<std::vector<Span>> spans);

  [[nodiscard]] const std::vector<std::vector<Symbol>>& by_type() const { return by_type_; }
  // Slot → name; [0] is kNone.
  [[nodiscard]] const std::vector<Symbol>& names() const { return names_; }
  [[nodiscard]] std::size_t slot_count() const { return names_.size(); }
  // kNone when no type declares `action`.
  [[nodiscard]] Index find(Symbol action) const {
    const auto found = slot_of_.find(action);
    return found == slot_of_.end() ? kNone : found->second;
  }
  [[nodiscard]] bool declared(Index slot, Index type) const {
    return pairs_.count(key(slot, type)) != 0;
  }
  // Where (slot, type) was declared; only for a declared pair.
  [[nodiscard]] const Span& span(Index slot, Index type) const {
    return pairs_.at(key(slot, type));
  }
  [[nodiscard]] const std::vector<Index>& slots_of_type(Index type) const {
    return slots_of_type_[type];
  }
  [[nodiscard]] const std::vector<Index>& types_of_slot(Index slot) const {
    return types_of_slot_[slot];
  }
  [[nodiscard]] std::size_t pair_count() const { return pairs_.size(); }

 private:
  static std::uint64_t key(Index slot, Index type) { return (std::uint64_t{slot} << 32) | type; }

  std::vector<std::vector<Symbol>> by_type_;
  std::vector<Symbol> names_;
  std::unordered_map<Symbol, Index> slot_of_;
  std::vector<std::vector<Index>> slots_of_type_;
  std::vector<std::vector<Index>> types_of_slot_;
  std::unordered_map<std::uint64_t, Span> pairs_;  // slot << 32 | type → where declared
};

}  // namespace tenet::model
