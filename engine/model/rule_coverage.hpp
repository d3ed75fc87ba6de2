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
// Local actions: slot 0 is "an action no rule of the tenant names" (only
// `*` rules apply to it), slots 1.. are the actions the rules name, in
// order of first mention.
//
// Internal to engine/. Immutable once built; not shared between threads.
#pragma once

#include <cstdint>
#include <vector>

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

  // Slot → action symbol; [0] is kNone (the "any other action" slot).
  [[nodiscard]] const std::vector<model::Symbol>& local_actions() const { return actions_; }
  // Candidate entries over all cells: the sum over rules of the cells each
  // applies to (saturating; only compared with a limit).
  [[nodiscard]] std::uint64_t entries() const { return entries_; }

  // Calls visit(action_slot, type, role) once for every cell rule `rule`
  // applies to (duplicates in the rule's lists collapse).
  template <typename Visit>
  void for_each_cell(std::size_t rule, Visit&& visit) const {
    expander_.expand(tenant_.rules[rule].roles, scratch_);
    const Reach& reach = rules_[rule];
    const std::size_t actions = reach.all_actions ? actions_.size() : reach.actions.size();
    const std::size_t types = reach.all_types ? type_count_ : reach.types.size();
    for (std::size_t a = 0; a < actions; ++a) {
      const auto action = static_cast<model::Index>(reach.all_actions ? a : reach.actions[a]);
      for (std::size_t t = 0; t < types; ++t) {
        const auto type = static_cast<model::Index>(reach.all_types ? t : reach.types[t]);
        for (std::size_t word = 0; word < scratch_.size(); ++word) {
          for (std::uint64_t bits = scratch_[word]; bits != 0; bits &= bits - 1) {
            const auto role = static_cast<model::Index>(word * 64 + __builtin_ctzll(bits));
            visit(action, type, role);
          }
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
  std::vector<model::Symbol> actions_;
  std::vector<Reach> rules_;
  std::uint64_t entries_ = 0;
  mutable std::vector<std::uint64_t> scratch_;
};

}  // namespace tenet::model
