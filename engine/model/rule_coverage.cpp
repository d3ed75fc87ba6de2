#include "engine/model/rule_coverage.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "engine/model/role_closure.hpp"

namespace tenet::model {

using model::Index;
using model::kNone;

RoleExpander::RoleExpander(const model::Tenant& tenant)
    : roles_(tenant.roles.size()), words_((tenant.roles.size() + 63) / 64) {
  // Reachability over `extends` reversed (model/role_closure): roles² / 64
  // words, bounded by limits::kMaxRolesPerTenant, built in edges × roles / 64.
  std::vector<std::vector<Index>> children(roles_);
  for (Index role = 0; role < roles_; ++role) {
    for (const Index parent : tenant.roles[role].parents) {
      if (parent < roles_) children[parent].push_back(role);
    }
  }
  descendants_ = reachability(children);
}

void RoleExpander::expand(const model::RoleList& list, std::vector<std::uint64_t>& out) const {
  out.assign(words_, 0);
  if (list.all) {
    for (std::size_t role = 0; role < roles_; ++role)
      out[role / 64] |= std::uint64_t{1} << (role % 64);
    return;
  }
  for (const Index listed : list.roles) {
    if (listed >= roles_) continue;
    const std::uint64_t* from = &descendants_[listed * words_];
    for (std::size_t word = 0; word < words_; ++word) out[word] |= from[word];
  }
}

namespace {

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
    return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}

// A tenant's table is never null once checked; an empty one stands in for
// a model built by hand.
const ActionSlots& slots_of(const model::Tenant& tenant) {
  static const std::shared_ptr<const ActionSlots> kEmpty = ActionSlots::build({}, {});
  return tenant.actions ? *tenant.actions : *kEmpty;
}

}  // namespace

RuleCoverage::RuleCoverage(const model::Tenant& tenant, std::size_t type_count)
    : tenant_(tenant), type_count_(type_count), expander_(tenant), slots_(slots_of(tenant)) {
  // Types the table knows (a schema's types are the table's, by construction).
  type_count_ = std::min(type_count, slots_.by_type().size());
  const auto slots = static_cast<Index>(slots_.slot_count());
  const std::uint64_t declared_pairs = slots_.pair_count();
  // Marks of "already listed for this rule", so `read, read` counts once.
  std::vector<std::size_t> action_seen(slots, 0);
  std::vector<std::size_t> type_seen(type_count_, 0);
  rules_.reserve(tenant.rules.size());
  for (std::size_t i = 0; i < tenant.rules.size(); ++i) {
    const model::Rule& rule = tenant.rules[i];
    const std::size_t mark = i + 1;
    Reach reach;
    reach.all_actions = rule.all_actions;
    reach.all_types = rule.all_types;
    if (!rule.all_actions) {
      for (const model::Symbol action : rule.actions) {
        const Index slot = slots_.find(action);
        if (slot == kNone) continue;  // undeclared: an error already
        if (action_seen[slot] == mark) continue;
        action_seen[slot] = mark;
        reach.actions.push_back(slot);
      }
    }
    if (!rule.all_types) {
      for (const Index type : rule.types) {
        if (type >= type_count_ || type_seen[type] == mark) continue;
        type_seen[type] = mark;
        reach.types.push_back(type);
      }
    }
    expander_.expand(rule.roles, scratch_);
    std::uint64_t roles = 0;
    for (const std::uint64_t word : scratch_)
      roles += static_cast<std::uint64_t>(__builtin_popcountll(word));
    // The declared (action, type) pairs the rule names; two explicit lists
    // count their whole product, the work of walking it.
    std::uint64_t reached = 0;
    std::uint64_t walked = 0;
    if (reach.all_actions && reach.all_types) {
      reached = declared_pairs;
    } else if (reach.all_actions) {
      for (const Index type : reach.types) reached += slots_of_type(type).size();
    } else if (reach.all_types) {
      for (const Index slot : reach.actions) reached += slots_.types_of_slot(slot).size();
    } else {
      walked = saturating_product(reach.actions.size(), reach.types.size());
      for (const Index slot : reach.actions) {
        for (const Index type : reach.types) reached += declared(slot, type) ? 1 : 0;
      }
    }
    const std::uint64_t cells = std::max(saturating_product(reached, roles), walked);
    entries_ = entries_ > std::numeric_limits<std::uint64_t>::max() - cells
                   ? std::numeric_limits<std::uint64_t>::max()
                   : entries_ + cells;
    rules_.push_back(std::move(reach));
  }
}

}  // namespace tenet::model
