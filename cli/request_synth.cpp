#include "cli/request_synth.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace tenet::cli {

using model::AttributeKind;
using model::ExprId;

namespace {
void json_string(std::string& out, std::string_view text);
}  // namespace

// One attribute a request may carry: the schema's (principal, context, and
// resource attributes by name over every type) and three built-ins.
struct SynthAttribute {
  char entity = 'p';  // 'p' principal, 'r' resource, 'c' context
  std::string name;
  AttributeKind kind = AttributeKind::Bool;
  bool optional = false;
  std::vector<std::string> members;  // Enum
  std::string key;                   // `"name":`, as a request writes it
};

struct SynthSchema {
  std::vector<SynthAttribute> attributes;
  std::unordered_map<std::string, Index> index;  // "p:kyc", "r:owner", "c:mfa", "p:#id"...
  Index principal_id = kNone;
  Index resource_id = kNone;
  Index resource_state = kNone;
  std::vector<Index> principal;  // schema attributes, declaration order
  std::vector<Index> context;
  std::map<std::string, std::vector<Index>, std::less<>> resource;  // type → its attributes

  Index add(char entity, std::string name, AttributeKind kind, bool optional,
            std::vector<std::string> members = {}) {
    std::string key = std::string(1, entity) + ':' + name;
    if (const auto found = index.find(key); found != index.end()) {
      // Both schemas declare it: the old one's type wins; enum members add up.
      SynthAttribute& known = attributes[found->second];
      for (std::string& member : members) {
        if (std::find(known.members.begin(), known.members.end(), member) == known.members.end())
          known.members.push_back(std::move(member));
      }
      return found->second;
    }
    const auto at = static_cast<Index>(attributes.size());
    std::string json_key;
    json_string(json_key, name);
    json_key += ':';
    attributes.push_back(
        {entity, std::move(name), kind, optional, std::move(members), std::move(json_key)});
    index.emplace(std::move(key), at);
    return at;
  }

  void add_schema(const model::PolicySet& set) {
    const model::Schema& schema = set.schema;
    const auto members_of = [&](const model::Attribute& attribute) {
      std::vector<std::string> members;
      if (attribute.type.kind == AttributeKind::Enum && attribute.type.enum_index != kNone) {
        for (const model::Symbol member : schema.enums[attribute.type.enum_index].members)
          members.emplace_back(set.name(member));
      }
      return members;
    };
    const auto add_to = [](std::vector<Index>& list, Index at) {
      if (std::find(list.begin(), list.end(), at) == list.end()) list.push_back(at);
    };
    for (const model::Attribute& attribute : schema.principal) {
      add_to(principal, add('p', std::string(set.name(attribute.name)), attribute.type.kind,
                            attribute.optional, members_of(attribute)));
    }
    for (const model::Attribute& attribute : schema.context) {
      add_to(context, add('c', std::string(set.name(attribute.name)), attribute.type.kind,
                          attribute.optional, members_of(attribute)));
    }
    for (const model::ResourceType& type : schema.resources) {
      std::vector<Index>& list = resource[std::string(set.name(type.name))];
      for (const model::Attribute& attribute : type.attributes) {
        add_to(list, add('r', std::string(set.name(attribute.name)), attribute.type.kind,
                         attribute.optional, members_of(attribute)));
      }
    }
  }
};

namespace {

enum class VKind : std::uint8_t { Absent, Bool, Int, Str, SetEmpty, SetOne };

// A value of one attribute in one request; strings (and a set's one string
// element) are numbers into the synthesizer's pool.
struct Val {
  VKind kind = VKind::Absent;
  std::int64_t num = 0;  // Bool, Int, SetOne of int
  std::uint32_t str = 0;

  friend bool operator==(const Val&, const Val&) = default;
};
using Assignment = std::vector<Val>;

// One set's view of the partner (absent when the set does not have it).
struct Side {
  const CompiledPolicySet* set = nullptr;
  const model::PolicySet* model = nullptr;
  const model::Tenant* tenant = nullptr;

  [[nodiscard]] std::string_view name(model::Symbol symbol) const { return model->name(symbol); }
  [[nodiscard]] const model::Node& node(ExprId at) const { return tenant->nodes[at]; }
  [[nodiscard]] Index role(std::string_view role_name) const {
    const std::optional<model::Symbol> symbol = model->names.find(role_name);
    return symbol ? tenant->find_role(*symbol) : kNone;
  }
};

// A condition and the truth value wanted of it.
struct Goal {
  ExprId expr = kNone;
  bool want = true;
};

struct LifecycleInfo {
  std::vector<std::string> states;
  std::string initial;
};

void json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t plain = 0;  // the start of the run not yet copied
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto byte = static_cast<unsigned char>(text[at]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(text.substr(plain, at - plain));
    plain = at + 1;
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += static_cast<char>(byte);
    } else {
      constexpr std::string_view kHex = "0123456789abcdef";
      out += "\\u00";
      out += kHex[byte >> 4U];
      out += kHex[byte & 0xFU];
    }
  }
  out.append(text.substr(plain));
  out += '"';
}

std::int64_t plus(std::int64_t value, std::int64_t delta) {
  if (delta > 0 && value > std::numeric_limits<std::int64_t>::max() - delta) return value - delta;
  if (delta < 0 && value < std::numeric_limits<std::int64_t>::min() - delta) return value - delta;
  return value + delta;
}

model::Op flipped(model::Op op) {
  switch (op) {
    case model::Op::Lt:
      return model::Op::Gt;
    case model::Op::Le:
      return model::Op::Ge;
    case model::Op::Gt:
      return model::Op::Lt;
    case model::Op::Ge:
      return model::Op::Le;
    default:
      return op;
  }
}

bool is_literal(const model::Node& node) {
  return node.op == model::Op::IntConst || node.op == model::Op::StringConst ||
         node.op == model::Op::EnumConst || node.op == model::Op::BoolConst;
}

bool is_compare(model::Op op) {
  return op == model::Op::Eq || op == model::Op::Ne || op == model::Op::Lt || op == model::Op::Le ||
         op == model::Op::Gt || op == model::Op::Ge;
}

// The requests of one partner.
class TenantSynth {
 public:
  TenantSynth(const SynthSchema& schema, std::string_view tenant, std::array<Side, 2> sides,
              std::vector<std::string>& out)
      : schema_(schema), tenant_(tenant), sides_(sides), out_(out) {}

  void run() {
    json_string(tenant_json_, tenant_);
    collect_names();
    base_ = base_assignment();
    checks();
    transitions();
    subscriptions();
    listings();
    lifecycles();
  }

 private:
  // ---------------------------------------------------------------- names

  void collect_names() {
    for (const Side& side : sides_) {
      if (side.tenant == nullptr) continue;
      for (const model::Role& role : side.tenant->roles) add_unique(roles_, side.name(role.name));
      const compile::Tenant& compiled = *side.set->tenants()[side.set->find_tenant(tenant_)];
      const compile::ActionTable& actions = *compiled.actions;
      const std::vector<std::string_view>& types = side.set->platform().type_names;
      for (Index action = 1; action < actions.count; ++action) {
        for (Index type = 0; type < actions.type_count && type < types.size(); ++type) {
          if (!actions.declares(action, type)) continue;
          std::pair<std::string, std::string> pair{std::string(actions.names[action]),
                                                   std::string(types[type])};
          if (declared_.insert(pair).second) pairs_.push_back(std::move(pair));
        }
      }
      for (const model::Transition& transition : side.tenant->transitions)
        add_unique(targets_, side.name(side.tenant->roles[transition.to].name));
      for (const model::Plan& plan : side.tenant->plans) add_unique(plans_, side.name(plan.name));
      for (const model::Lifecycle& lifecycle : side.tenant->lifecycles) {
        LifecycleInfo& info = lifecycles_[std::string(
            side.name(side.model->schema.resources[lifecycle.resource_type].name))];
        if (info.states.empty() && lifecycle.initial != kNone)
          info.initial = side.name(lifecycle.states[lifecycle.initial]);
        for (const model::Symbol state : lifecycle.states)
          add_unique(info.states, side.name(state));
      }
    }
  }

  static void add_unique(std::vector<std::string>& list, std::string_view item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.emplace_back(item);
  }

  // ---------------------------------------------------------------- values

  std::uint32_t intern(std::string_view text) {
    if (const auto found = pool_index_.find(std::string(text)); found != pool_index_.end())
      return found->second;
    const auto at = static_cast<std::uint32_t>(pool_.size());
    pool_.emplace_back(text);
    pool_json_.emplace_back();
    json_string(pool_json_.back(), text);
    pool_index_.emplace(pool_.back(), at);
    return at;
  }
  Val str(std::string_view text) { return {VKind::Str, 0, intern(text)}; }
  static Val boolean(bool value) { return {VKind::Bool, value ? 1 : 0, 0}; }
  static Val integer(std::int64_t value) { return {VKind::Int, value, 0}; }

  // A value of `attribute` when it is present and nothing asks for more.
  Val present(Index attribute) {
    const SynthAttribute& spec = schema_.attributes[attribute];
    switch (spec.kind) {
      case AttributeKind::Bool:
        return boolean(false);
      case AttributeKind::Int:
        return integer(0);
      case AttributeKind::String:
        return str("x");
      case AttributeKind::Enum:
        return str(spec.members.empty() ? std::string_view("x") : spec.members.front());
      case AttributeKind::SetOfString:
      case AttributeKind::SetOfInt:
        return {VKind::SetEmpty, 0, 0};
    }
    return {};
  }

  // A value of `attribute` other than `value`.
  Val other(Index attribute, const Val& value) {
    const SynthAttribute& spec = schema_.attributes[attribute];
    switch (value.kind) {
      case VKind::Absent:
        return present(attribute);
      case VKind::Bool:
        return boolean(value.num == 0);
      case VKind::Int:
        return integer(plus(value.num, 1));
      case VKind::SetEmpty:
        return spec.kind == AttributeKind::SetOfInt ? Val{VKind::SetOne, 0, 0}
                                                    : Val{VKind::SetOne, 0, intern("x")};
      case VKind::SetOne:
        return {VKind::SetEmpty, 0, 0};
      case VKind::Str:
        break;
    }
    if (spec.kind == AttributeKind::Enum) {
      for (const std::string& member : spec.members) {
        if (member != pool_[value.str]) return str(member);
      }
      return value;  // a one-member enum has no other value
    }
    return str(pool_[value.str] + "~");
  }

  Assignment base_assignment() {
    Assignment base(schema_.attributes.size());
    for (Index at = 0; at < schema_.attributes.size(); ++at) {
      if (!schema_.attributes[at].optional) base[at] = present(at);
    }
    base[schema_.principal_id] = str("u1");
    base[schema_.resource_id] = str("r1");
    base[schema_.resource_state] = {};  // the type's initial state, when written
    return base;
  }

  // ------------------------------------------------------- conditions

  // The request attribute an Attribute or Has node reads; kNone for the
  // built-ins a request fixes otherwise (role, type, tenant).
  Index attribute_of(const Side& side, const model::Node& node) const {
    if (node.op != model::Op::Attribute && node.op != model::Op::Has) return kNone;
    switch (node.builtin) {
      case model::Builtin::Id:
        return node.entity == model::Entity::Principal ? schema_.principal_id : schema_.resource_id;
      case model::Builtin::State:
        return schema_.resource_state;
      case model::Builtin::None:
        break;
      default:
        return kNone;
    }
    const char entity = node.entity == model::Entity::Principal  ? 'p'
                        : node.entity == model::Entity::Resource ? 'r'
                                                                 : 'c';
    const auto found =
        schema_.index.find(std::string(1, entity) + ':' + std::string(side.name(node.symbol)));
    return found == schema_.index.end() ? kNone : found->second;
  }

  Val literal(const Side& side, const model::Node& node) {
    switch (node.op) {
      case model::Op::IntConst:
        return integer(node.value);
      case model::Op::BoolConst:
        return boolean(node.value != 0);
      default:
        return str(side.name(node.symbol));
    }
  }

  static void set(Index attribute, const Val& value, Assignment& to, std::vector<bool>& fixed,
                  bool force) {
    if (attribute == kNone || (fixed[attribute] && !force)) return;
    to[attribute] = value;
    fixed[attribute] = true;
  }

  // `attribute OP constant` made `want`.
  void compare_constant(Index attribute, model::Op op, const Val& constant, bool want,
                        Assignment& to, std::vector<bool>& fixed, bool force) {
    Val value;
    if (constant.kind == VKind::Int && op != model::Op::Eq && op != model::Op::Ne) {
      const std::int64_t c = constant.num;
      switch (op) {
        case model::Op::Lt:
          value = integer(want ? plus(c, -1) : c);
          break;
        case model::Op::Le:
          value = integer(want ? c : plus(c, 1));
          break;
        case model::Op::Gt:
          value = integer(want ? plus(c, 1) : c);
          break;
        default:  // Ge
          value = integer(want ? c : plus(c, -1));
          break;
      }
    } else {
      const bool equal = (op == model::Op::Eq) == want;
      value = equal ? constant : other(attribute, constant);
    }
    set(attribute, value, to, fixed, force);
  }

  // Chooses attribute values so that `expr` is `want`, greedily, left to
  // right: an attribute already chosen (fixed) keeps its value unless `force`.
  void solve(const Side& side, ExprId expr, bool want, Assignment& to, std::vector<bool>& fixed,
             bool force, int depth = 0) {
    if (expr == kNone || depth > 64) return;
    const model::Node& node = side.node(expr);
    switch (node.op) {
      case model::Op::Not:
        solve(side, node.lhs, !want, to, fixed, force, depth + 1);
        return;
      case model::Op::And:
      case model::Op::Or: {
        const bool both = (node.op == model::Op::And) == want;
        solve(side, node.lhs, want, to, fixed, force, depth + 1);
        if (both) solve(side, node.rhs, want, to, fixed, force, depth + 1);
        return;
      }
      case model::Op::Attribute: {
        const Index attribute = attribute_of(side, node);
        if (attribute != kNone && schema_.attributes[attribute].kind == AttributeKind::Bool)
          set(attribute, boolean(want), to, fixed, force);
        return;
      }
      case model::Op::Has: {
        const Index attribute = attribute_of(side, node);
        if (attribute == kNone || attribute == schema_.resource_state) return;
        if (!want) {
          set(attribute, {}, to, fixed, force);
        } else if (to[attribute].kind == VKind::Absent && (!fixed[attribute] || force)) {
          to[attribute] = present(attribute);  // not fixed: a comparison may still choose
        }
        return;
      }
      case model::Op::Enabled:
        if (node.ref < side.tenant->features.size())
          solve(side, side.tenant->features[node.ref].condition, want, to, fixed, force, depth + 1);
        return;
      case model::Op::InList: {
        const Index attribute = attribute_of(side, side.node(node.lhs));
        const model::Node& list = side.node(node.rhs);
        if (attribute == kNone || list.lhs == kNone || list.rhs == 0) return;
        set(attribute, want ? literal(side, side.node(list.lhs)) : outside(side, attribute, list),
            to, fixed, force);
        return;
      }
      case model::Op::InSet:
      case model::Op::Contains: {
        const bool in_set = node.op == model::Op::InSet;
        const model::Node& set_node = side.node(in_set ? node.rhs : node.lhs);
        const model::Node& item = side.node(in_set ? node.lhs : node.rhs);
        const Index attribute = attribute_of(side, set_node);
        if (attribute == kNone || !is_literal(item)) return;
        set(attribute, want ? one_element(literal(side, item)) : Val{VKind::SetEmpty, 0, 0}, to,
            fixed, force);
        return;
      }
      default:
        break;
    }
    if (!is_compare(node.op)) return;
    const model::Node& lhs = side.node(node.lhs);
    const model::Node& rhs = side.node(node.rhs);
    const Index left = attribute_of(side, lhs);
    const Index right = attribute_of(side, rhs);
    if (left != kNone && is_literal(rhs)) {
      compare_constant(left, node.op, literal(side, rhs), want, to, fixed, force);
    } else if (right != kNone && is_literal(lhs)) {
      compare_constant(right, flipped(node.op), literal(side, lhs), want, to, fixed, force);
    } else if (left != kNone && right != kNone &&
               (node.op == model::Op::Eq || node.op == model::Op::Ne)) {
      const bool equal = (node.op == model::Op::Eq) == want;
      // Set the side not chosen yet to the other's value (or another one).
      const bool left_free = !fixed[left] || force;
      const Index target = left_free ? left : right;
      const Index source = left_free ? right : left;
      if (fixed[target] && !force) return;
      if (to[source].kind == VKind::Absent) to[source] = present(source);
      set(target, equal ? to[source] : other(target, to[source]), to, fixed, force);
    }
  }

  static Val one_element(const Val& item) {
    return {VKind::SetOne, item.kind == VKind::Int ? item.num : 0, item.str};
  }

  // A value of `attribute` outside the List node `list`.
  Val outside(const Side& side, Index attribute, const model::Node& list) {
    std::vector<Val> items;
    for (Index i = 0; i < list.rhs; ++i) items.push_back(literal(side, side.node(list.lhs + i)));
    const auto listed = [&](const Val& value) {
      return std::find(items.begin(), items.end(), value) != items.end();
    };
    const SynthAttribute& spec = schema_.attributes[attribute];
    if (spec.kind == AttributeKind::Enum) {
      for (const std::string& member : spec.members) {
        const Val value = str(member);
        if (!listed(value)) return value;
      }
      return items.front();
    }
    Val value = items.front();
    for (int tries = 0; tries < 64 && listed(value); ++tries) value = other(attribute, value);
    return value;
  }

  // The leaves of a condition: everything below its &&, || and !.
  void atoms(const Side& side, ExprId expr, std::vector<ExprId>& out, int depth = 0) const {
    if (expr == kNone || depth > 64) return;
    const model::Node& node = side.node(expr);
    if (node.op == model::Op::Not) {
      atoms(side, node.lhs, out, depth + 1);
    } else if (node.op == model::Op::And || node.op == model::Op::Or) {
      atoms(side, node.lhs, out, depth + 1);
      atoms(side, node.rhs, out, depth + 1);
    } else {
      out.push_back(expr);
    }
  }

  // Every value an atom's comparison distinguishes, as (attribute, value).
  void variations(const Side& side, ExprId atom, const Assignment& at,
                  std::vector<std::pair<Index, Val>>& out) {
    const model::Node& node = side.node(atom);
    const auto add = [&](Index attribute, const Val& value) {
      if (attribute != kNone) out.emplace_back(attribute, value);
    };
    const auto absent_too = [&](Index attribute) {
      if (attribute != kNone && schema_.attributes[attribute].optional) add(attribute, {});
    };
    switch (node.op) {
      case model::Op::Attribute: {
        const Index attribute = attribute_of(side, node);
        if (attribute == kNone || schema_.attributes[attribute].kind != AttributeKind::Bool) return;
        add(attribute, boolean(true));
        add(attribute, boolean(false));
        absent_too(attribute);
        return;
      }
      case model::Op::Has: {
        const Index attribute = attribute_of(side, node);
        if (attribute == kNone || attribute == schema_.resource_state) return;
        add(attribute, {});
        if (at[attribute].kind == VKind::Absent) add(attribute, present(attribute));
        return;
      }
      case model::Op::InList: {
        const Index attribute = attribute_of(side, side.node(node.lhs));
        const model::Node& list = side.node(node.rhs);
        if (attribute == kNone || list.lhs == kNone) return;
        for (Index i = 0; i < list.rhs; ++i) add(attribute, literal(side, side.node(list.lhs + i)));
        if (list.rhs > 0) add(attribute, outside(side, attribute, list));
        for (const std::string& member : schema_.attributes[attribute].members)
          add(attribute, str(member));
        absent_too(attribute);
        return;
      }
      case model::Op::InSet:
      case model::Op::Contains: {
        const bool in_set = node.op == model::Op::InSet;
        const Index attribute = attribute_of(side, side.node(in_set ? node.rhs : node.lhs));
        const model::Node& item = side.node(in_set ? node.lhs : node.rhs);
        if (attribute == kNone || !is_literal(item)) return;
        add(attribute, one_element(literal(side, item)));
        add(attribute, {VKind::SetEmpty, 0, 0});
        absent_too(attribute);
        return;
      }
      default:
        break;
    }
    if (!is_compare(node.op)) return;
    const model::Node& lhs = side.node(node.lhs);
    const model::Node& rhs = side.node(node.rhs);
    Index attribute = attribute_of(side, lhs);
    const model::Node* constant = &rhs;
    if (attribute == kNone || !is_literal(rhs)) {
      attribute = attribute_of(side, rhs);
      constant = &lhs;
    }
    if (attribute != kNone && is_literal(*constant)) {
      const Val c = literal(side, *constant);
      const SynthAttribute& spec = schema_.attributes[attribute];
      if (c.kind == VKind::Int) {
        add(attribute, integer(plus(c.num, -1)));
        add(attribute, c);
        add(attribute, integer(plus(c.num, 1)));
      } else if (spec.kind == AttributeKind::Enum) {
        for (const std::string& member : spec.members) add(attribute, str(member));
      } else {
        add(attribute, c);
        add(attribute, other(attribute, c));
      }
      absent_too(attribute);
      return;
    }
    const Index left = attribute_of(side, lhs);
    const Index right = attribute_of(side, rhs);
    if (left == kNone || right == kNone) return;
    const Val source = at[right].kind == VKind::Absent ? present(right) : at[right];
    add(left, source);
    add(left, other(left, source));
    absent_too(left);
  }

  // The assignments that exercise `goals` (all true as wanted; each one the
  // other way in turn; every value each atom distinguishes), from the base.
  std::vector<Assignment> assignments(const Side& side, const std::vector<Goal>& goals) {
    std::vector<Assignment> out;
    std::vector<bool> fixed(base_.size());
    Assignment satisfied = base_;
    for (const Goal& goal : goals) solve(side, goal.expr, goal.want, satisfied, fixed, false);
    out.push_back(satisfied);
    for (std::size_t flip = 0; flip < goals.size(); ++flip) {
      if (goals[flip].expr == kNone) continue;
      Assignment other_way = base_;
      std::fill(fixed.begin(), fixed.end(), false);
      solve(side, goals[flip].expr, !goals[flip].want, other_way, fixed, false);
      for (std::size_t i = 0; i < goals.size(); ++i) {
        if (i != flip) solve(side, goals[i].expr, goals[i].want, other_way, fixed, false);
      }
      out.push_back(std::move(other_way));
    }
    std::vector<ExprId> leaves;
    for (const Goal& goal : goals) atoms(side, goal.expr, leaves);
    std::vector<std::pair<Index, Val>> values;
    for (const ExprId leaf : leaves) variations(side, leaf, satisfied, values);
    for (const auto& [attribute, value] : values) {
      if (satisfied[attribute] == value) continue;
      Assignment varied = satisfied;
      varied[attribute] = value;
      out.push_back(std::move(varied));
    }
    return out;
  }

  // Roles of the union that `list` (of `side`) applies to; a role the side
  // does not have is kept (the other side may use it).
  std::vector<const std::string*> roles_of(const Side& side, const model::RoleList& list) const {
    std::vector<const std::string*> out;
    for (const std::string& role : roles_) {
      const Index at = side.role(role);
      if (at == kNone || side.tenant->matches(at, list)) out.push_back(&role);
    }
    return out;
  }

  // ---------------------------------------------------------------- writing

  void value(std::string& out, Index attribute, const Val& v) const {
    switch (v.kind) {
      case VKind::Absent:
        out += "null";
        return;
      case VKind::Bool:
        out += v.num != 0 ? "true" : "false";
        return;
      case VKind::Int:
        out += std::to_string(v.num);
        return;
      case VKind::Str:
        out += pool_json_[v.str];
        return;
      case VKind::SetEmpty:
        out += "[]";
        return;
      case VKind::SetOne:
        out += '[';
        if (schema_.attributes[attribute].kind == AttributeKind::SetOfInt) {
          out += std::to_string(v.num);
        } else {
          out += pool_json_[v.str];
        }
        out += ']';
        return;
    }
  }

  void attrs(std::string& out, const std::vector<Index>& list, const Assignment& a) const {
    out += '{';
    bool first = true;
    for (const Index at : list) {
      if (a[at].kind == VKind::Absent) continue;
      if (!first) out += ',';
      first = false;
      out += schema_.attributes[at].key;
      value(out, at, a[at]);
    }
    out += '}';
  }

  void head(std::string& out, std::string_view op, std::string_view role, const Assignment& a) {
    out.clear();
    out += "{\"op\":\"";
    out += op;
    out += "\",\"tenant\":";
    out += tenant_json_;
    out += ",\"principal\":{\"id\":";
    json_string(out, a[schema_.principal_id].kind == VKind::Str
                         ? std::string_view(pool_[a[schema_.principal_id].str])
                         : std::string_view("u1"));
    out += ",\"role\":";
    json_string(out, role);
    out += ",\"attrs\":";
    attrs(out, schema_.principal, a);
    out += '}';
  }

  void resource(std::string& out, std::string_view type, std::string_view state,
                const Assignment& a) {
    out += ",\"resource\":{\"type\":";
    json_string(out, type);
    out += ",\"id\":";
    const Val& id = a[schema_.resource_id];
    json_string(out, id.kind == VKind::Str ? std::string_view(pool_[id.str]) : "r1");
    out += ",\"tenant\":";
    out += tenant_json_;
    if (!state.empty()) {
      out += ",\"state\":";
      json_string(out, state);
    }
    out += ",\"attrs\":";
    const auto found = schema_.resource.find(type);
    static const std::vector<Index> kNoAttributes;
    attrs(out, found == schema_.resource.end() ? kNoAttributes : found->second, a);
    out += '}';
  }

  void finish(std::string& out, const Assignment& a) {
    if (!schema_.context.empty()) {
      out += ",\"context\":";
      attrs(out, schema_.context, a);
    }
    out += '}';
    if (seen_.insert(out).second) out_.push_back(out);
  }

  // The state a check on `type` carries: the one chosen, else the initial one.
  std::string_view state_for(std::string_view type, const Assignment& a) const {
    const auto found = lifecycles_.find(std::string(type));
    if (found == lifecycles_.end()) return {};
    const Val& state = a[schema_.resource_state];
    return state.kind == VKind::Str ? std::string_view(pool_[state.str])
                                    : std::string_view(found->second.initial);
  }

  void check(std::string_view role, const std::pair<std::string, std::string>& pair,
             const Assignment& a) {
    head(line_, "check", role, a);
    line_ += ",\"action\":";
    json_string(line_, pair.first);
    resource(line_, pair.second, state_for(pair.second, a), a);
    finish(line_, a);
  }

  // ---------------------------------------------------------------- ops

  void checks() {
    for (const std::string& role : roles_) {
      for (const auto& pair : pairs_) check(role, pair, base_);
    }
    for (const Side& side : sides_) {
      if (side.tenant == nullptr) continue;
      for (const model::Rule& rule : side.tenant->rules) {
        std::vector<const std::pair<std::string, std::string>*> targets;
        for (const auto& pair : pairs_) {
          const bool action_named =
              rule.all_actions ||
              std::any_of(rule.actions.begin(), rule.actions.end(),
                          [&](model::Symbol action) { return side.name(action) == pair.first; });
          const bool type_named =
              rule.all_types || std::any_of(rule.types.begin(), rule.types.end(), [&](Index type) {
                return side.name(side.model->schema.resources[type].name) == pair.second;
              });
          if (action_named && type_named) targets.push_back(&pair);
        }
        if (targets.empty()) continue;
        const std::vector<Assignment> cases =
            assignments(side, {{rule.when, true}, {rule.unless, false}});
        for (const std::string* role : roles_of(side, rule.roles)) {
          for (const auto* pair : targets) {
            for (const Assignment& a : cases) check(*role, *pair, a);
          }
        }
      }
    }
  }

  void transition(std::string_view role, std::string_view to, const Assignment& a) {
    head(line_, "transition", role, a);
    line_ += ",\"to\":";
    json_string(line_, to);
    finish(line_, a);
  }

  void transitions() {
    for (const std::string& role : roles_) {
      for (const std::string& to : targets_) transition(role, to, base_);
    }
    for (const Side& side : sides_) {
      if (side.tenant == nullptr) continue;
      for (const model::Transition& t : side.tenant->transitions) {
        const std::string_view from = side.name(side.tenant->roles[t.from].name);
        const std::string_view to = side.name(side.tenant->roles[t.to].name);
        for (const Assignment& a : assignments(side, {{t.condition, true}}))
          transition(from, to, a);
      }
    }
  }

  std::vector<Goal> plan_goals(const Side& side, const model::Plan& plan) const {
    std::vector<Goal> goals{{plan.condition, true}};
    for (const Index feature : plan.required_features) {
      if (feature < side.tenant->features.size())
        goals.push_back({side.tenant->features[feature].condition, true});
    }
    return goals;
  }

  void subscribe(std::string_view role, std::string_view plan, const Assignment& a) {
    head(line_, "subscribe", role, a);
    line_ += ",\"plan\":";
    json_string(line_, plan);
    finish(line_, a);
  }

  void subscriptions() {
    for (const std::string& role : roles_) {
      for (const std::string& plan : plans_) subscribe(role, plan, base_);
    }
    for (const Side& side : sides_) {
      if (side.tenant == nullptr) continue;
      for (const model::Plan& plan : side.tenant->plans) {
        const std::vector<Assignment> cases = assignments(side, plan_goals(side, plan));
        for (const std::string* role : roles_of(side, plan.roles)) {
          for (const Assignment& a : cases) subscribe(*role, side.name(plan.name), a);
        }
      }
    }
  }

  void listing(std::string_view op, std::string_view role, const Assignment& a) {
    head(line_, op, role, a);
    finish(line_, a);
  }

  void listings() {
    for (const std::string_view op : {std::string_view("plans"), std::string_view("features")}) {
      for (const std::string& role : roles_) listing(op, role, base_);
      for (const Side& side : sides_) {
        if (side.tenant == nullptr) continue;
        for (const model::Feature& feature : side.tenant->features) {
          if (feature.condition == kNone) continue;
          const std::vector<Assignment> cases = assignments(side, {{feature.condition, true}});
          for (const std::string* role : roles_of(side, feature.roles)) {
            for (const Assignment& a : cases) listing(op, *role, a);
          }
        }
        if (op != "plans") continue;
        for (const model::Plan& plan : side.tenant->plans) {
          const std::vector<Assignment> cases = assignments(side, plan_goals(side, plan));
          for (const std::string* role : roles_of(side, plan.roles)) {
            for (const Assignment& a : cases) listing(op, *role, a);
          }
        }
      }
    }
  }

  void lifecycle(std::string_view role, std::string_view type, std::string_view from,
                 std::string_view to, const Assignment& a) {
    head(line_, "lifecycle", role, a);
    resource(line_, type, from, a);
    line_ += ",\"to\":";
    json_string(line_, to);
    finish(line_, a);
  }

  void lifecycles() {
    for (const auto& [type, info] : lifecycles_) {
      for (const std::string& role : roles_) {
        for (const std::string& from : info.states) {
          for (const std::string& to : info.states) lifecycle(role, type, from, to, base_);
        }
      }
    }
    for (const Side& side : sides_) {
      if (side.tenant == nullptr) continue;
      for (const model::Lifecycle& cycle : side.tenant->lifecycles) {
        const std::string_view type =
            side.name(side.model->schema.resources[cycle.resource_type].name);
        for (const model::Edge& edge : cycle.edges) {
          const std::vector<Assignment> cases = assignments(side, {{edge.condition, true}});
          const std::string_view to = side.name(cycle.states[edge.to]);
          for (const std::string* role : roles_of(side, edge.roles)) {
            for (const Index from : edge.from) {
              for (const Assignment& a : cases)
                lifecycle(*role, type, side.name(cycle.states[from]), to, a);
            }
          }
        }
      }
    }
  }

  const SynthSchema& schema_;
  std::string_view tenant_;
  std::string tenant_json_;
  std::array<Side, 2> sides_;
  std::vector<std::string>& out_;

  std::vector<std::string> roles_;
  std::vector<std::pair<std::string, std::string>> pairs_;  // (action, type), declared
  std::set<std::pair<std::string, std::string>> declared_;
  std::vector<std::string> targets_;  // roles some transition leads to
  std::vector<std::string> plans_;
  std::map<std::string, LifecycleInfo> lifecycles_;  // by type

  std::vector<std::string> pool_;
  std::vector<std::string> pool_json_;  // pool_, as JSON strings
  std::unordered_map<std::string, std::uint32_t> pool_index_;
  Assignment base_;
  std::string line_;
  std::unordered_set<std::string> seen_;
};

Side side_of(const CompiledPolicySet& set, std::string_view tenant) {
  const Index at = set.find_tenant(tenant);
  if (at == kNone) return {};
  const compile::Tenant& compiled = set.tenant(at);
  if (compiled.model_tenant == nullptr || !compiled.model) return {};
  return {&set, compiled.model.get(), compiled.model_tenant};
}

}  // namespace

RequestSynthesizer::RequestSynthesizer(const CompiledPolicySet& old_set,
                                       const CompiledPolicySet& new_set)
    : old_(old_set), new_(new_set) {
  std::set<std::string> names;
  for (const CompiledPolicySet* set : {&old_, &new_}) {
    for (Index t = 0; t < set->tenant_count(); ++t) names.emplace(set->tenant_name(t));
  }
  tenants_.assign(names.begin(), names.end());

  auto schema = std::make_unique<SynthSchema>();
  schema->add_schema(old_.model());
  schema->add_schema(new_.model());
  schema->principal_id = schema->add('p', "#id", AttributeKind::String, false);
  schema->resource_id = schema->add('r', "#id", AttributeKind::String, false);
  schema->resource_state = schema->add('r', "#state", AttributeKind::String, true);
  schema_ = std::move(schema);
}

RequestSynthesizer::~RequestSynthesizer() = default;

void RequestSynthesizer::synthesize(std::string_view tenant,
                                    std::vector<std::string>& lines) const {
  TenantSynth synth(*schema_, tenant, {side_of(old_, tenant), side_of(new_, tenant)}, lines);
  synth.run();
}

}  // namespace tenet::cli
