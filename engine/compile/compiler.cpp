// The compiler: checked model → compile::Platform and one compile::Tenant
// per partner (engine/compile/layout.hpp), each on its own (docs/UNITS.md).
//
// Design note: compile time is where every cost that can be paid once is
// paid. Conditions are translated node for node (a model ExprId stays a valid
// compiled node index of its tenant) into ops specialised by entity and built-in, with
// literals as views into the model's interner. Role inheritance is folded
// into bitsets and into check's (action, type, role) candidate table, so the
// evaluator never walks `is_a`. Every table is built in time and memory
// proportional to what it holds (the checker bounds that: policy_limits.hpp). Every text a response
// quotes is built here.
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/compile/compiled.hpp"
#include "engine/model/rule_coverage.hpp"

namespace tenet::compile {
namespace {

// check's action table from a model's: the names, and the declared pairs
// dense when that costs at most a few times the pairs themselves (as the
// dense cells do).
std::shared_ptr<const ActionTable> compile_actions(const model::RuleCoverage& coverage,
                                                   const model::PolicySet& set, Index type_count) {
  constexpr std::uint64_t kDenseFactor = 4;
  constexpr std::uint64_t kDenseFloor = 4096;
  auto table = std::make_shared<ActionTable>();
  const std::vector<model::Symbol>& local = coverage.local_actions();
  table->count = static_cast<Index>(local.size());
  table->type_count = type_count;
  table->names.emplace_back();
  for (Index slot = 1; slot < local.size(); ++slot) {
    const std::string_view name = set.name(local[slot]);
    table->names.push_back(name);
    table->index.emplace(name, slot);
  }
  std::uint64_t pairs = 0;
  for (Index type = 0; type < type_count; ++type) pairs += coverage.slots_of_type(type).size();
  const std::uint64_t dense = std::uint64_t{table->count} * type_count;
  if (dense <= std::max<std::uint64_t>(kDenseFactor * pairs, kDenseFloor)) {
    table->dense.assign(dense, 0);
    for (Index type = 0; type < type_count; ++type) {
      for (const Index slot : coverage.slots_of_type(type))
        table->dense[std::size_t{slot} * type_count + type] = 1;
    }
    return table;
  }
  table->sparse.reserve(pairs);
  for (Index type = 0; type < type_count; ++type) {
    for (const Index slot : coverage.slots_of_type(type))
      table->sparse.push_back(std::uint64_t{slot} << 32 | type);
  }
  std::sort(table->sparse.begin(), table->sparse.end());
  return table;
}

using compile::Op;
using compile::Range;

std::string location_of(const model::PolicySet& set, const Span& span) {
  return set.sources->file(span.file).path + ':' + std::to_string(span.line) + ':' +
         std::to_string(span.column);
}

Op attribute_op(const model::Node& n) {
  switch (n.builtin) {
    case model::Builtin::Id:
      return n.entity == model::Entity::Principal ? Op::PrincipalId : Op::ResourceId;
    case model::Builtin::Tenant:
      return n.entity == model::Entity::Principal ? Op::PrincipalTenant : Op::ResourceTenant;
    case model::Builtin::Role:
      return Op::PrincipalRole;
    case model::Builtin::Type:
      return Op::ResourceType;
    case model::Builtin::State:
      return Op::ResourceState;
    case model::Builtin::None:
      break;
  }
  switch (n.entity) {
    case model::Entity::Principal:
      return Op::PrincipalAttr;
    case model::Entity::Resource:
      return Op::ResourceAttr;
    case model::Entity::Context:
      return Op::ContextAttr;
  }
  return Op::False;
}

Op has_op(const model::Node& n) {
  if (n.builtin == model::Builtin::State) return Op::HasState;
  if (n.builtin != model::Builtin::None) return Op::HasBuiltin;
  switch (n.entity) {
    case model::Entity::Principal:
      return Op::HasPrincipal;
    case model::Entity::Resource:
      return Op::HasResource;
    case model::Entity::Context:
      return Op::HasContext;
  }
  return Op::False;
}

// A literal node's value, built once here rather than at every evaluation.
compile::Node translate(const model::Node& n, const model::PolicySet& set) {
  compile::Node out;
  out.lhs = n.lhs;
  out.rhs = n.rhs;
  out.ref = n.ref;
  out.value = n.value;
  switch (n.op) {
    case model::Op::BoolConst:
      out.op = n.value != 0 ? Op::True : Op::False;
      break;
    case model::Op::IntConst:
      out.op = Op::Int;
      break;
    case model::Op::StringConst:
      out.op = Op::String;
      out.text = set.name(n.symbol);
      break;
    case model::Op::EnumConst:
      out.op = Op::Enum;
      out.text = set.name(n.symbol);
      break;
    case model::Op::RoleConst:
      out.op = Op::Role;
      out.text = set.name(n.symbol);
      break;
    case model::Op::List:
      out.op = Op::List;
      break;
    case model::Op::Attribute:
      out.op = attribute_op(n);
      break;
    case model::Op::Has:
      out.op = has_op(n);
      break;
    case model::Op::Enabled:
      out.op = Op::Enabled;
      break;
    case model::Op::Not:
      out.op = Op::Not;
      break;
    case model::Op::And:
      out.op = Op::And;
      break;
    case model::Op::Or:
      out.op = Op::Or;
      break;
    case model::Op::Eq:
      out.op = Op::Eq;
      break;
    case model::Op::Ne:
      out.op = Op::Ne;
      break;
    case model::Op::Lt:
      out.op = Op::Lt;
      break;
    case model::Op::Le:
      out.op = Op::Le;
      break;
    case model::Op::Gt:
      out.op = Op::Gt;
      break;
    case model::Op::Ge:
      out.op = Op::Ge;
      break;
    case model::Op::InList:
      out.op = Op::InList;
      break;
    case model::Op::InSet:
      out.op = Op::InSet;
      break;
    case model::Op::Contains:
      out.op = Op::Contains;
      break;
  }
  return out;
}

// Builds one tenant's structures.
class TenantCompiler {
 public:
  TenantCompiler(const model::PolicySet& set, const Platform& platform, const model::Tenant& tenant)
      : set_(set), platform_(platform), model_(tenant), expander_(tenant) {}

  compile::Tenant build() {
    out_.name = set_.name(model_.name);
    out_.own_name = std::string(out_.name);
    prefix_ = std::string(out_.name) + ':';
    out_.nodes.reserve(model_.nodes.size());
    for (const model::Node& node : model_.nodes) out_.nodes.push_back(translate(node, set_));
    roles();
    rules();
    transitions();
    features();
    plans();
    lifecycles();
    return std::move(out_);
  }

 private:
  void roles() {
    out_.role_count = static_cast<Index>(model_.roles.size());
    out_.role_words = (out_.role_count + 63) / 64;
    for (Index r = 0; r < out_.role_count; ++r) {
      const std::string_view name = set_.name(model_.roles[r].name);
      out_.role_names.push_back(name);
      out_.role_index.emplace(name, r);
    }
    using InlineRoleName = compile::Tenant::InlineRoleName;
    out_.roles_inline =
        out_.role_count <= compile::Tenant::kInlineRoles &&
        std::all_of(out_.role_names.begin(), out_.role_names.end(), [](std::string_view name) {
          return name.size() <= std::tuple_size_v<decltype(InlineRoleName::text)>;
        });
    if (out_.roles_inline) {
      for (Index r = 0; r < out_.role_count; ++r) {
        InlineRoleName& slot = out_.inline_roles[r];
        std::copy(out_.role_names[r].begin(), out_.role_names[r].end(), slot.text.begin());
        slot.length = static_cast<std::uint8_t>(out_.role_names[r].size());
      }
    }
  }

  compile::RoleSet role_set(const model::RoleList& list) {
    if (list.all) return kNone;
    const auto at = static_cast<Index>(out_.role_bits.size());
    expander_.expand(list, scratch_);
    out_.role_bits.insert(out_.role_bits.end(), scratch_.begin(), scratch_.end());
    return at;
  }

  // `for basic, company` / `by basic`: the list as written.
  std::string_view role_text(std::string_view label, const model::RoleList& list) {
    if (list.all) return {};
    std::string text(label);
    for (std::size_t i = 0; i < list.roles.size(); ++i) {
      text += i == 0 ? " " : ", ";
      text += set_.name(model_.roles[list.roles[i]].name);
    }
    return out_.keep(std::move(text));
  }

  std::string_view id(const std::string& rule_id) { return out_.keep(prefix_ + rule_id); }
  std::string_view location(const Span& span) { return out_.keep(location_of(set_, span)); }

  Range conjuncts(model::ExprId condition) {
    Range range{static_cast<Index>(out_.conjuncts.size()), 0};
    for (const model::ExprId c : model::conjuncts(model_, condition)) {
      out_.conjuncts.push_back({c, model::source_text(set_, model_, c)});
      ++range.count;
    }
    return range;
  }

  // Only the cells rules reach are built, each rule visiting its own cells
  // (engine/model/rule_coverage.hpp): work and memory follow the table's size,
  // which the checker bounds (limits::kMaxRuleTableEntries), never
  // actions × types × roles × rules.
  void rules() {
    const model::RuleCoverage coverage(model_, set_.schema.resources.size());
    out_.type_count = static_cast<Index>(platform_.type_names.size());
    out_.actions = model_.actions.get() == platform_.actions_source && platform_.actions
                       ? platform_.actions
                       : compile_actions(coverage, set_, out_.type_count);
    out_.action_names = out_.actions->names;
    out_.local_actions = out_.actions->count;

    const std::size_t rule_count = model_.rules.size();
    for (std::size_t i = 0; i < rule_count; ++i) {
      const model::Rule& rule = model_.rules[i];
      compile::Rule compiled;
      compiled.id = id(rule.id);
      compiled.location = location(rule.span);
      compiled.forbid = rule.effect == model::Effect::Forbid;
      compiled.when = rule.when;
      compiled.unless = rule.unless;
      out_.rules.push_back(compiled);
    }
    // Pass 1: how many forbids and permits each reached cell holds.
    for (std::size_t i = 0; i < rule_count; ++i) {
      const bool forbid = out_.rules[i].forbid;
      coverage.for_each_cell(i, [&](Index action, Index type, Index role) {
        compile::RuleCell& cell = out_.cells.insert(action, type, role);
        ++(forbid ? cell.forbids : cell.permits).count;
      });
    }
    // Each cell's forbids, then its permits, one cell after another.
    Index next = 0;
    out_.cells.for_each_value([&](compile::RuleCell& cell) {
      cell.forbids.begin = next;
      cell.permits.begin = next + cell.forbids.count;
      next += cell.forbids.count + cell.permits.count;
      cell.forbids.count = 0;
      cell.permits.count = 0;
    });
    // Pass 2: rules in declaration order, so every range keeps that order.
    out_.candidates.resize(next);
    for (std::size_t i = 0; i < rule_count; ++i) {
      const compile::Rule& rule = out_.rules[i];
      const compile::Candidate candidate{static_cast<Index>(i), rule.when, rule.unless};
      coverage.for_each_cell(i, [&](Index action, Index type, Index role) {
        compile::Range& range = rule.forbid ? out_.cells.insert(action, type, role).forbids
                                            : out_.cells.insert(action, type, role).permits;
        out_.candidates[range.begin + range.count++] = candidate;
      });
    }
    share_candidate_lists();
    dense_cells();
    index_cells(out_);
  }

  // The cells of different roles (and of the actions and types a rule
  // names together) mostly hold the same rules: one copy of each distinct
  // candidate list, shared by every range that holds it. Readers see the
  // same ranges. The copies cost 1.7 KB a partner on the generated
  // 1,000 × 20 set (`tenet eval` max RSS 96.6 → 94.9 MB), and every side
  // with the same rules now shares one index (cell_index.hpp finds an index
  // by where its range begins).
  void share_candidate_lists() {
    std::vector<compile::Candidate> shared;
    shared.reserve(out_.candidates.size());
    std::unordered_map<std::uint64_t, std::vector<Range>> seen;  // by a hash of the rules
    const auto share = [&](Range& range) {
      if (range.count == 0) return;
      const compile::Candidate* first = out_.candidates.data() + range.begin;
      std::uint64_t hash = range.count;
      for (Index i = 0; i < range.count; ++i) hash = (hash ^ first[i].rule) * 0x100000001B3ULL;
      std::vector<Range>& same_hash = seen[hash];
      for (const Range& known : same_hash) {
        if (known.count == range.count &&
            std::equal(first, first + range.count, shared.data() + known.begin,
                       [](const compile::Candidate& a, const compile::Candidate& b) {
                         return a.rule == b.rule;
                       })) {
          range.begin = known.begin;
          return;
        }
      }
      const Range copy{static_cast<Index>(shared.size()), range.count};
      shared.insert(shared.end(), first, first + range.count);
      same_hash.push_back(copy);
      range.begin = copy.begin;
    };
    out_.cells.for_each_value([&](compile::RuleCell& cell) {
      share(cell.forbids);
      share(cell.permits);
    });
    shared.shrink_to_fit();
    out_.candidates = std::move(shared);
  }

  // The cells as a dense array (layout.hpp), only when it costs at most
  // kDenseFactor times the sparse table: memory stays linear. The sparse
  // table is then released: the tenant keeps one form of its cells.
  void dense_cells() {
    constexpr std::uint64_t kDenseFactor = 4;
    constexpr std::uint64_t kDenseFloor = 4096;
    const std::uint64_t dense =
        std::uint64_t{out_.local_actions} * out_.type_count * out_.role_count;
    if (dense == 0 ||
        dense > std::max<std::uint64_t>(kDenseFactor * out_.cells.size(), kDenseFloor))
      return;
    out_.dense_cells.assign(dense, compile::kNoRules);
    for (const auto& slot : out_.cells.slots()) {
      if (slot.a != kNone) out_.dense_cells[out_.dense_index(slot.a, slot.b, slot.c)] = slot.value;
    }
    out_.cells = compile::CellTable<compile::RuleCell>{};
  }

  // Sparse like the rule cells: only (from, to) pairs a transition names.
  void transitions() {
    std::vector<std::pair<std::pair<Index, Index>, Index>> order;
    for (std::size_t i = 0; i < model_.transitions.size(); ++i) {
      const model::Transition& t = model_.transitions[i];
      compile::Transition compiled;
      compiled.id = id(t.id);
      compiled.location = location(t.span);
      compiled.from = t.from;
      compiled.to = t.to;
      compiled.condition = t.condition;
      compiled.unmet = conjuncts(t.condition);
      out_.transitions.push_back(compiled);
      order.push_back({{t.from, t.to}, static_cast<Index>(i)});
    }
    // Grouped by (from, to), declaration order within a group.
    std::sort(order.begin(), order.end());
    for (const auto& [key, transition] : order) {
      compile::Range& range = out_.transition_cells.insert(key.first, key.second, 0);
      if (range.count == 0) range.begin = static_cast<Index>(out_.transition_candidates.size());
      ++range.count;
      out_.transition_candidates.push_back(transition);
    }
  }

  void features() {
    out_.switches = std::make_unique<FeatureSwitches>(model_.features.size());
    for (std::size_t i = 0; i < model_.features.size(); ++i) {
      const model::Feature& f = model_.features[i];
      compile::Feature compiled;
      compiled.name = set_.name(f.name);
      compiled.trace_id = out_.keep(prefix_ + std::string(compiled.name));
      compiled.location = location(f.span);
      compiled.default_on = f.default_on;
      compiled.roles = role_set(f.roles);
      compiled.condition = f.condition;
      out_.features.push_back(compiled);
      out_.feature_index.emplace(compiled.name, static_cast<Index>(i));
    }
  }

  void plans() {
    for (std::size_t i = 0; i < model_.plans.size(); ++i) {
      const model::Plan& p = model_.plans[i];
      compile::Plan compiled;
      compiled.name = set_.name(p.name);
      compiled.id = id(p.id);
      compiled.location = location(p.span);
      compiled.roles = role_set(p.roles);
      compiled.for_text = role_text("for", p.roles);
      compiled.condition = p.condition;
      compiled.unmet = conjuncts(p.condition);
      compiled.required = {static_cast<Index>(out_.required_features.size()),
                           static_cast<Index>(p.required_features.size())};
      for (const Index f : p.required_features) {
        out_.required_features.push_back(
            {f, out_.keep("requires feature " + std::string(set_.name(model_.features[f].name)))});
      }
      out_.plans.push_back(compiled);
      out_.plan_index.emplace(compiled.name, static_cast<Index>(i));
    }
  }

  void lifecycles() {
    out_.lifecycle_of = model_.lifecycle_of;
    out_.lifecycle_of.resize(platform_.type_names.size(), kNone);
    for (const model::Lifecycle& l : model_.lifecycles) {
      compile::Lifecycle compiled;
      compiled.resource_type = l.resource_type;
      compiled.initial = l.initial;
      std::string message = "resource.state must be one of";
      for (std::size_t s = 0; s < l.states.size(); ++s) {
        compiled.states.push_back(set_.name(l.states[s]));
        message += s == 0 ? " " : ", ";
        message += set_.name(l.states[s]);
      }
      compiled.bad_state_message = out_.keep(std::move(message));
      // Sparse like the rule cells: only (from, to) pairs an edge names.
      std::vector<std::pair<std::pair<Index, Index>, Index>> order;
      for (std::size_t e = 0; e < l.edges.size(); ++e) {
        const model::Edge& edge = l.edges[e];
        compile::Edge c;
        c.id = id(edge.id);
        c.location = location(edge.span);
        c.roles = role_set(edge.roles);
        c.by_text = role_text("by", edge.roles);
        c.condition = edge.condition;
        c.unmet = conjuncts(edge.condition);
        compiled.edges.push_back(c);
        for (const Index from : edge.from)
          order.push_back({{from, edge.to}, static_cast<Index>(e)});
      }
      // Grouped by (from, to), declaration order within a group; `a, a -> b`
      // names the edge once.
      std::sort(order.begin(), order.end());
      order.erase(std::unique(order.begin(), order.end()), order.end());
      for (const auto& [key, edge] : order) {
        compile::Range& range = compiled.cells.insert(key.first, key.second, 0);
        if (range.count == 0) range.begin = static_cast<Index>(compiled.edge_candidates.size());
        ++range.count;
        compiled.edge_candidates.push_back(edge);
      }
      out_.lifecycles.push_back(std::move(compiled));
    }
  }

  const model::PolicySet& set_;
  const Platform& platform_;
  const model::Tenant& model_;
  model::RoleExpander expander_;
  std::vector<std::uint64_t> scratch_;
  compile::Tenant out_;
  std::string prefix_;  // "TENANT:"
};

void compile_schema(const model::PolicySet& set, Platform& platform) {
  for (const model::Attribute& a : set.schema.principal) {
    platform.principal_missing.push_back(
        platform.keep("principal.attrs." + std::string(set.name(a.name)) + " is missing"));
  }
  for (const model::Symbol name : set.schema.resource_slots) {
    platform.resource_missing.push_back(
        platform.keep("resource.attrs." + std::string(set.name(name)) + " is missing"));
  }
  for (const model::Attribute& a : set.schema.context) {
    platform.context_missing.push_back(
        platform.keep("context." + std::string(set.name(a.name)) + " is missing"));
  }
  for (std::size_t t = 0; t < set.schema.resources.size(); ++t) {
    const std::string_view name = set.name(set.schema.resources[t].name);
    platform.type_names.push_back(name);
    platform.type_index.emplace(name, static_cast<Index>(t));
    platform.no_lifecycle_message.push_back(
        platform.keep("resource type '" + std::string(name) + "' has no lifecycle in this tenant"));
  }
}

}  // namespace

std::shared_ptr<const Platform> compile_platform(std::shared_ptr<const model::PolicySet> model) {
  auto platform = std::make_shared<Platform>();
  compile_schema(*model, *platform);
  if (model->schema.actions) {
    // The schema's table, through a tenant that has only the schema's actions.
    model::Tenant schema_only;
    schema_only.actions = model->schema.actions;
    const model::RuleCoverage coverage(schema_only, model->schema.resources.size());
    platform->actions =
        compile_actions(coverage, *model, static_cast<Index>(platform->type_names.size()));
    platform->actions_source = model->schema.actions.get();
  }
  platform->requests = compile_request_tables(*model);
  platform->model = std::move(model);
  return platform;
}

std::shared_ptr<Tenant> compile_tenant(std::shared_ptr<const model::PolicySet> model,
                                       const model::Tenant& tenant, const Platform& platform) {
  auto compiled = std::make_shared<Tenant>(TenantCompiler(*model, platform, tenant).build());
  compiled->model_tenant = &tenant;
  compiled->model = std::move(model);
  return compiled;
}

std::shared_ptr<Tenant> unavailable_tenant(std::string name, std::string reason) {
  auto tenant = std::make_shared<Tenant>();
  tenant->own_name = std::move(name);
  tenant->name = tenant->keep(tenant->own_name);
  tenant->unavailable = true;
  tenant->unavailable_reason = tenant->keep(std::move(reason));
  static const std::shared_ptr<const ActionTable> kNoActions = std::make_shared<ActionTable>();
  tenant->actions = kNoActions;
  tenant->action_names = kNoActions->names;
  return tenant;
}

std::shared_ptr<const CompiledPolicySet> compile(std::shared_ptr<const model::PolicySet> model) {
  std::shared_ptr<const Platform> platform = compile_platform(model);
  std::vector<CompiledPolicySet::TenantPtr> tenants;
  tenants.reserve(model->tenants.size());
  for (const model::Tenant& tenant : model->tenants)
    tenants.push_back(compile_tenant(model, tenant, *platform));
  return std::make_shared<const CompiledPolicySet>(std::move(platform), std::move(tenants));
}

}  // namespace tenet::compile
