// `tenet tree`: one tenant's compiled decision structures as text, so a
// policy author sees what the compiler made of the rules. Deterministic:
// actions in declaration order (type by type), types in schema order, everything else
// in declaration order. Role sets are printed expanded (inheritance folded
// in), conditions as their source text.
#include <algorithm>
#include <compare>
#include <string>
#include <utility>
#include <vector>

#include "engine/compile/compiled.hpp"

namespace tenet::compile {
namespace {

class TreeDumper {
 public:
  TreeDumper(const CompiledPolicySet& policies, Index tenant)
      : policies_(policies),
        platform_(policies.platform()),
        tenant_(policies.tenant(tenant)),
        tenant_index_(tenant) {}

  std::string dump() {
    out_ = "tenant " + std::string(tenant_.name) + '\n';
    roles();
    rules();
    transitions();
    features();
    plans();
    lifecycles();
    return std::move(out_);
  }

 private:
  // Source text on one line: a condition written over several lines has
  // its line breaks and indentation collapsed to one space (string
  // literals are left as written).
  std::string text(Index expr) const {
    std::string out;
    bool blank = false;
    bool in_string = false;
    bool escaped = false;
    for (const char c : model::source_text(*tenant_.model, *tenant_.model_tenant, expr)) {
      if (in_string) {
        out += c;
        in_string = escaped || c != '"';
        escaped = !escaped && c == '\\';
        continue;
      }
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (space && blank) continue;
      out += space ? ' ' : c;
      blank = space;
      in_string = c == '"';
    }
    return out;
  }

  std::string role_set(compile::RoleSet set) const {
    if (set == kNone) return "*";
    std::string out;
    for (Index r = 0; r < tenant_.role_count; ++r) {
      if (!tenant_.has_role(set, r)) continue;
      if (!out.empty()) out += ' ';
      out += tenant_.role_names[r];
    }
    return out.empty() ? "(none)" : out;
  }

  void condition(std::string_view label, Index expr) {
    if (expr == kNone) return;
    out_ += label;
    out_ += text(expr);
  }

  void roles() {
    out_ += "roles\n";
    const model::Tenant& tenant = *tenant_.model_tenant;
    for (Index r = 0; r < tenant_.role_count; ++r) {
      out_ += "  " + std::string(tenant_.role_names[r]) + " is";
      for (Index other = 0; other < tenant_.role_count; ++other) {
        if (tenant.roles[r].is_a(other)) out_ += ' ' + std::string(tenant_.role_names[other]);
      }
      out_ += '\n';
    }
  }

  // One (action, type) column per pair some rule reaches: its rules,
  // forbids then permits in declaration order, each with the roles it is a
  // candidate for ("*": every role). Built from the cells that exist (from
  // the dense array when the tenant keeps that: it then has no sparse
  // table), so the dump costs what the tables hold, not actions × types ×
  // roles.
  void rules() {
    out_ += "check\n";
    // Slot 0 (an undeclared action) has no rules: the columns come in
    // declared-action order.
    struct Entry {
      Index action;
      Index type;
      bool permit;
      Index rule;
      Index role;
      auto operator<=>(const Entry&) const = default;
    };
    std::vector<Entry> entries;
    tenant_.for_each_cell([&](Index action, Index type, Index role, const compile::RuleCell& cell) {
      for (const bool permit : {false, true}) {
        const compile::Range range = permit ? cell.permits : cell.forbids;
        for (Index i = range.begin; i < range.begin + range.count; ++i)
          entries.push_back({action, type, permit, tenant_.candidates[i].rule, role});
      }
    });
    std::sort(entries.begin(), entries.end());
    for (std::size_t at = 0; at < entries.size();) {
      const Entry& column = entries[at];
      out_ += "  " + std::string(tenant_.action_names[column.action]) + " on " +
              std::string(platform_.type_names[column.type]) + '\n';
      while (at < entries.size() && entries[at].action == column.action &&
             entries[at].type == column.type) {
        const Entry& first = entries[at];
        std::string roles;
        Index count = 0;
        for (; at < entries.size() && entries[at].action == first.action &&
               entries[at].type == first.type && entries[at].rule == first.rule;
             ++at) {
          if (!roles.empty()) roles += ' ';
          roles += tenant_.role_names[entries[at].role];
          ++count;
        }
        const compile::Rule& r = tenant_.rules[first.rule];
        out_ += std::string("    ") + (r.forbid ? "forbid " : "permit ") + std::string(r.id) +
                " for " + (count == tenant_.role_count ? std::string("*") : roles);
        condition(" when ", r.when);
        condition(" unless ", r.unless);
        out_ += '\n';
      }
    }
  }

  // The (from, to) cells of a sparse table, sorted.
  static std::vector<std::pair<Index, Index>> sorted_keys(
      const compile::CellTable<compile::Range>& table) {
    std::vector<std::pair<Index, Index>> keys;
    for (const auto& slot : table.slots()) {
      if (slot.a != kNone) keys.emplace_back(slot.a, slot.b);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  void transitions() {
    out_ += "transitions\n";
    for (const auto& [from, to] : sorted_keys(tenant_.transition_cells)) {
      const compile::Range cell = tenant_.transition_cell(from, to);
      for (Index i = cell.begin; i < cell.begin + cell.count; ++i) {
        const compile::Transition& t = tenant_.transitions[tenant_.transition_candidates[i]];
        out_ += "  " + std::string(tenant_.role_names[from]) + " -> " +
                std::string(tenant_.role_names[to]) + ": " + std::string(t.id);
        condition(" when ", t.condition);
        out_ += '\n';
      }
    }
  }

  void features() {
    out_ += "features\n";
    for (Index f = 0; f < tenant_.features.size(); ++f) {
      const compile::Feature& feature = tenant_.features[f];
      out_ += "  " + std::string(feature.name) + (feature.default_on ? " on" : " off");
      switch (policies_.feature_switch(tenant_index_, f)) {
        case FeatureSwitch::Default:
          out_ += " (switch default)";
          break;
        case FeatureSwitch::On:
          out_ += " (switch on)";
          break;
        case FeatureSwitch::Off:
          out_ += " (switch off)";
          break;
      }
      out_ += " for " + role_set(feature.roles);
      condition(" when ", feature.condition);
      out_ += '\n';
    }
  }

  void plans() {
    out_ += "plans\n";
    for (const compile::Plan& plan : tenant_.plans) {
      out_ += "  " + std::string(plan.name) + ": " + std::string(plan.id) + " for " +
              role_set(plan.roles);
      for (Index i = plan.required.begin; i < plan.required.begin + plan.required.count; ++i) {
        out_ += ' ' + std::string(tenant_.required_features[i].text);
      }
      condition(" when ", plan.condition);
      out_ += '\n';
    }
  }

  void lifecycles() {
    out_ += "lifecycles\n";
    for (const compile::Lifecycle& lc : tenant_.lifecycles) {
      out_ += "  " + std::string(platform_.type_names[lc.resource_type]) + " initial " +
              std::string(lc.states[lc.initial]) + '\n';
      for (const auto& [from, to] : sorted_keys(lc.cells)) {
        const compile::Range cell = lc.cell(from, to);
        for (Index i = cell.begin; i < cell.begin + cell.count; ++i) {
          const compile::Edge& edge = lc.edges[lc.edge_candidates[i]];
          out_ += "    " + std::string(lc.states[from]) + " -> " + std::string(lc.states[to]) +
                  ": " + std::string(edge.id) + " by " + role_set(edge.roles);
          condition(" when ", edge.condition);
          out_ += '\n';
        }
      }
    }
  }

  const CompiledPolicySet& policies_;
  const compile::Platform& platform_;
  const compile::Tenant& tenant_;
  Index tenant_index_;
  std::string out_;
};

}  // namespace

std::string dump_tree(const CompiledPolicySet& policies, Index tenant) {
  if (tenant >= policies.tenant_count()) return {};
  const Tenant& compiled = policies.tenant(tenant);
  if (compiled.unavailable || compiled.model_tenant == nullptr)
    return "tenant " + compiled.own_name +
           " (not served: " + std::string(compiled.unavailable_reason) + ")\n";
  return TreeDumper(policies, tenant).dump();
}

}  // namespace tenet::compile
