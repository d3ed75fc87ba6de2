// The deterministic text dump of the model. One line per declaration,
// expressions as S-expressions; every name printed from the interner, every
// reference by the name it resolved to (and attribute slots as `@slot`), so a
// dump shows what the checker understood: `"verified"#2` is a literal
// resolved to enum member 2, `role:basic` one resolved to a role, `[..]` a
// list. Tests compare dumps.
#include <string>

#include "engine/model/action_slots.hpp"
#include "engine/model/model.hpp"

namespace tenet::model {
namespace {

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

class Dumper {
 public:
  explicit Dumper(const PolicySet& set) : set_(set) {}

  [[nodiscard]] const std::vector<Symbol>* schema_actions(std::size_t type) const {
    if (!set_.schema.actions || type >= set_.schema.actions->by_type().size()) return nullptr;
    return &set_.schema.actions->by_type()[type];
  }

  std::string schema() {
    out_ = "schema\n";
    out_ += "  principal\n";
    for (const Attribute& a : set_.schema.principal) attribute(a, false);
    out_ += "  context\n";
    for (const Attribute& a : set_.schema.context) attribute(a, false);
    for (const ResourceType& type : set_.schema.resources) {
      out_ += "  resource " + name(type.name);
      if (type.mapped)
        out_ += " table " + name(type.table) + " tenant_column " + name(type.tenant_column);
      out_ += '\n';
      for (const Attribute& a : type.attributes) attribute(a, type.mapped);
      const std::size_t type_index = static_cast<std::size_t>(&type - set_.schema.resources.data());
      if (const std::vector<Symbol>* actions = schema_actions(type_index);
          actions != nullptr && !actions->empty()) {
        out_ += "    actions";
        for (const Symbol action : *actions) out_ += ' ' + name(action);
        out_ += '\n';
      }
    }
    return std::move(out_);
  }

  std::string tenant(const Tenant& t) {
    tenant_ = &t;
    out_ = "tenant " + name(t.name) + '\n';
    // The actions its templates and its own body add to the schema's.
    if (t.actions && t.actions != set_.schema.actions) {
      const std::vector<std::vector<Symbol>>& by_type = t.actions->by_type();
      for (std::size_t type = 0; type < by_type.size(); ++type) {
        const std::vector<Symbol>* schema_list = schema_actions(type);
        const std::size_t from_schema = schema_list != nullptr ? schema_list->size() : 0;
        if (by_type[type].size() <= from_schema) continue;
        out_ += "  actions on " + name(set_.schema.resources[type].name) + ':';
        for (std::size_t i = from_schema; i < by_type[type].size(); ++i)
          out_ += ' ' + name(by_type[type][i]);
        out_ += '\n';
      }
    }
    for (const Role& role : t.roles) {
      out_ += "  role " + name(role.name);
      if (!role.parents.empty()) out_ += " extends " + role_names(role.parents);
      std::vector<Index> is_a;
      for (Index r = 0; r < t.roles.size(); ++r) {
        if (role.is_a(r)) is_a.push_back(r);
      }
      out_ += " is " + role_names(is_a) + '\n';
    }
    for (const Transition& tr : t.transitions) {
      out_ += "  transition " + tr.id + ": " + role_name(tr.from) + " -> " + role_name(tr.to);
      condition(" when ", tr.condition);
      out_ += '\n';
    }
    for (const Feature& f : t.features) {
      out_ += "  feature " + name(f.name) + (f.default_on ? " on" : " off");
      roles(" for ", f.roles);
      condition(" when ", f.condition);
      out_ += '\n';
    }
    if (!t.features.empty()) {
      out_ += "  feature order:";
      for (const Index f : t.feature_order) out_ += ' ' + name(t.features[f].name);
      out_ += '\n';
    }
    for (const Plan& p : t.plans) {
      out_ += "  plan " + name(p.name) + " (" + p.id + ")";
      roles(" for ", p.roles);
      condition(" when ", p.condition);
      if (!p.required_features.empty()) {
        out_ += " requires";
        for (const Index f : p.required_features) out_ += ' ' + name(t.features[f].name);
      }
      out_ += '\n';
    }
    for (const Lifecycle& l : t.lifecycles) {
      out_ += "  lifecycle " + name(set_.schema.resources[l.resource_type].name) + " states";
      for (const Symbol s : l.states) out_ += ' ' + name(s);
      out_ += " initial " + state(l, l.initial) + '\n';
      for (const Edge& e : l.edges) {
        out_ += "    edge " + e.id + ":";
        for (const Index from : e.from) out_ += ' ' + state(l, from);
        out_ += " -> " + state(l, e.to);
        roles(" by ", e.roles);
        condition(" when ", e.condition);
        out_ += '\n';
      }
    }
    for (const Rule& r : t.rules) {
      out_ += "  " + std::string(r.effect == Effect::Permit ? "permit " : "forbid ") + r.id + ":";
      if (r.all_actions) out_ += " *";
      for (std::size_t i = 0; i < r.actions.size(); ++i)
        out_ += (i == 0 ? " " : ",") + name(r.actions[i]);
      out_ += " on";
      if (r.all_types) out_ += " *";
      for (std::size_t i = 0; i < r.types.size(); ++i) {
        out_ += (i == 0 ? " " : ",") + name(set_.schema.resources[r.types[i]].name);
      }
      roles(" for ", r.roles);
      condition(" when ", r.when);
      condition(" unless ", r.unless);
      out_ += '\n';
    }
    return std::move(out_);
  }

  std::string expr(ExprId id) {
    if (id == kNone) return "-";
    const Node& n = tenant_->nodes.at(id);
    switch (n.op) {
      case Op::BoolConst:
        return n.value != 0 ? "true" : "false";
      case Op::IntConst:
        return std::to_string(n.value);
      case Op::StringConst:
        return quote(name(n.symbol));
      case Op::EnumConst:
        return quote(name(n.symbol)) + '#' + std::to_string(n.ref);
      case Op::RoleConst:
        return "role:" + name(n.symbol);
      case Op::List: {
        std::string out = "[";
        for (Index i = 0; i < n.rhs; ++i) out += (i == 0 ? "" : " ") + expr(n.lhs + i);
        return out + ']';
      }
      case Op::Attribute:
        return attribute_path(n);
      case Op::Has:
        return "(has " + attribute_path(n) + ')';
      case Op::Enabled:
        return "(enabled " + name(n.symbol) + ')';
      case Op::Not:
        return "(not " + expr(n.lhs) + ')';
      default:
        break;
    }
    return '(' + std::string(op_name(n.op)) + ' ' + expr(n.lhs) + ' ' + expr(n.rhs) + ')';
  }

 private:
  static std::string_view op_name(Op op) {
    switch (op) {
      case Op::And:
        return "&&";
      case Op::Or:
        return "||";
      case Op::Eq:
        return "==";
      case Op::Ne:
        return "!=";
      case Op::Lt:
        return "<";
      case Op::Le:
        return "<=";
      case Op::Gt:
        return ">";
      case Op::Ge:
        return ">=";
      case Op::InList:
      case Op::InSet:
        return "in";
      case Op::Contains:
        return "contains";
      default:
        return "?";
    }
  }

  std::string attribute_path(const Node& n) const {
    static constexpr std::string_view kEntities[] = {"principal", "resource", "context"};
    std::string out =
        std::string(kEntities[static_cast<std::size_t>(n.entity)]) + '.' + name(n.symbol);
    if (n.builtin == Builtin::None && n.ref != kNone) out += '@' + std::to_string(n.ref);
    return out;
  }

  void attribute(const Attribute& a, bool mapped) {
    out_ += "    " + name(a.name) + (a.optional ? "?" : "") + ": ";
    out_ += type_name(StaticType{to_kind(a.type.kind), ExprType::Error, a.type.enum_index},
                      set_.schema, set_.names);
    out_ += " @" + std::to_string(a.slot);
    if (mapped) out_ += " column " + name(a.column);
    if (a.sensitive) out_ += " sensitive";
    out_ += '\n';
  }

  static ExprType to_kind(AttributeKind kind) {
    switch (kind) {
      case AttributeKind::Bool:
        return ExprType::Bool;
      case AttributeKind::Int:
        return ExprType::Int;
      case AttributeKind::String:
        return ExprType::String;
      case AttributeKind::Enum:
        return ExprType::Enum;
      case AttributeKind::SetOfString:
        return ExprType::SetOfString;
      case AttributeKind::SetOfInt:
        return ExprType::SetOfInt;
    }
    return ExprType::Error;
  }

  void roles(std::string_view label, const RoleList& list) {
    if (list.all) return;
    out_ += label;
    out_ += role_names(list.roles);
  }

  void condition(std::string_view label, ExprId id) {
    if (id == kNone) return;
    out_ += label;
    out_ += expr(id);
  }

  std::string role_names(const std::vector<Index>& indices) const {
    std::string out;
    for (const Index r : indices) out += (out.empty() ? "" : ",") + role_name(r);
    return out;
  }

  std::string role_name(Index r) const { return r == kNone ? "?" : name(tenant_->roles[r].name); }
  std::string state(const Lifecycle& l, Index s) const {
    return s == kNone ? "?" : name(l.states[s]);
  }
  std::string name(Symbol s) const { return std::string(set_.names.name(s)); }

  const PolicySet& set_;
  const Tenant* tenant_ = nullptr;
  std::string out_;
};

}  // namespace

std::string dump(const PolicySet& policy_set) {
  std::string out = Dumper(policy_set).schema();
  for (const Tenant& tenant : policy_set.tenants) out += Dumper(policy_set).tenant(tenant);
  return out;
}

std::string dump_tenant(const PolicySet& policy_set, const Tenant& tenant) {
  return Dumper(policy_set).tenant(tenant);
}

}  // namespace tenet::model
