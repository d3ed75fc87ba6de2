// Which (action, resource type, role) cells each rule of a tenant applies
// to: the shape of check's candidate table (engine/compile/layout.hpp),
// computed once from the resolved model.
//
// Used by the compiler (to fill only the cells rules reach, in time
// proportional to the table, never to actions × types × roles × rules), by
// the checker (to refuse a tenant whose table would pass
// limits::kMaxRuleTableEntries before building it) and by the warning pass
// (role sets with inheritance folded in).
//
// Local actions: slot 0 is "an action the tenant does not declare" (no
// rule applies to it: check answers invalid_request), slots 1.. are the
// actions the tenant declares for some type (model::Tenant::actions), type
// by type in schema order, each in declaration order. A rule applies only
// to the (action, type) pairs the tenant declares: `*` means every action
// declared for the type.
//
// Internal to engine/. Immutable once built; not shared between threads.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/action_slots.hpp"
#include "engine/model/model.hpp"

namespace tenet::model {

// Role lists → bitsets over the tenant's roles, inheritance folded in: the
// set of a list is the union of the listed roles' descendants (every role
// that is the listed one or inherits from it).
class RoleExpander {
 public:
  explicit RoleExpander(const model::Tenant& tenant);

  [[nodiscard]] std::size_t words() const { return words_; }
  // `out` (resized to words()) = the roles `list` applies to.
  void expand(const model::RoleList& list, std::vector<std::uint64_t>& out) const;

 private:
  std::size_t roles_ = 0;
  std::size_t words_ = 0;
  std::vector<std::uint64_t> descendants_;  // [role * words_ + word]
};

class RuleCoverage {
 public:
  RuleCoverage(const model::Tenant& tenant, std::size_t type_count);

  // Slot → action symbol; [0] is kNone (an undeclared action).
  [[nodiscard]] const std::vector<model::Symbol>& local_actions() const { return slots_.names(); }
  // Does the tenant declare local action `slot` for `type`?
  [[nodiscard]] bool declared(model::Index slot, model::Index type) const {
    return slots_.declared(slot, type);
  }
  // The slots declared for `type`, in declaration order.
  [[nodiscard]] const std::vector<model::Index>& slots_of_type(model::Index type) const {
    return slots_.slots_of_type(type);
  }
  // Candidate entries over all cells: the sum over rules of the cells each
  // applies to (saturating; only compared with a limit).
  [[nodiscard]] std::uint64_t entries() const { return entries_; }

  // Calls visit(action_slot, type, role) once for every cell rule `rule`
  // applies to (duplicates in the rule's lists collapse).
  template <typename Visit>
  void for_each_cell(std::size_t rule, Visit&& visit) const {
    expander_.expand(tenant_.rules[rule].roles, scratch_);
    const Reach& reach = rules_[rule];
    const auto each_role = [&](model::Index action, model::Index type) {
      for (std::size_t word = 0; word < scratch_.size(); ++word) {
        for (std::uint64_t bits = scratch_[word]; bits != 0; bits &= bits - 1) {
          const auto role = static_cast<model::Index>(word * 64 + __builtin_ctzll(bits));
          visit(action, type, role);
        }
      }
    };
    // A `*` walks the declared pairs only; two lists walk their product
    // (which entries() counts).
    if (reach.all_actions && reach.all_types) {
      for (std::size_t type = 0; type < type_count_; ++type) {
        for (const model::Index action : slots_of_type(static_cast<model::Index>(type)))
          each_role(action, static_cast<model::Index>(type));
      }
    } else if (reach.all_actions) {
      for (const model::Index type : reach.types) {
        for (const model::Index action : slots_of_type(type)) each_role(action, type);
      }
    } else if (reach.all_types) {
      for (const model::Index action : reach.actions) {
        for (const model::Index type : slots_.types_of_slot(action)) each_role(action, type);
      }
    } else {
      for (const model::Index action : reach.actions) {
        for (const model::Index type : reach.types) {
          if (declared(action, type)) each_role(action, type);
        }
      }
    }
  }

 private:
  // A `*` is a flag, not a list of every slot or type: what is kept stays
  // proportional to the policy's text.
  struct Reach {
    bool all_actions = false;
    bool all_types = false;
    std::vector<model::Index> actions;  // local slots, each once
    std::vector<model::Index> types;    // each once
  };

  const model::Tenant& tenant_;
  std::size_t type_count_ = 0;
  RoleExpander expander_;
  const ActionSlots& slots_;  // the tenant's (often the schema's, shared)
  std::vector<Reach> rules_;
  std::uint64_t entries_ = 0;
  mutable std::vector<std::uint64_t> scratch_;
};

}  // namespace tenet::model
