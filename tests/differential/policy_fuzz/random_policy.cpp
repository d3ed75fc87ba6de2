#include "tests/differential/policy_fuzz/random_policy.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "tests/differential/policy_fuzz/random_expression.hpp"
#include "tests/differential/policy_fuzz/rng.hpp"

namespace tenet::fuzz {
namespace {

const std::vector<std::string> kFeatures{"f0", "f1", "f2", "f3", "f4", "f5"};
const std::vector<std::string> kPlans{"plan0", "plan1", "plan2", "plan3"};
const std::vector<std::string> kTenantNames{"acme", "globex", "harbor-bank.eu", "initech"};

std::string type_text(const AttributeSpec& a, const Vocabulary& v) {
  switch (a.kind) {
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::String:
      return "string";
    case Kind::Enum: {
      std::string out;
      for (const std::string& m : v.enums[a.enum_id])
        out += (out.empty() ? "\"" : " | \"") + m + "\"";
      return out;
    }
    case Kind::StringSet:
      return "set<string>";
    case Kind::IntSet:
      return "set<int>";
  }
  return "?";
}

// About a third of the attributes (chosen by name, so without drawing from
// the generator) are @sensitive: the annotation keeps values out of logs and
// must never change a decision, which the comparison then shows.
std::string declare(const AttributeSpec& a, const Vocabulary& v) {
  unsigned bytes = 0;
  for (const char c : a.name) bytes += static_cast<unsigned char>(c);
  const bool sensitive = bytes % 3 == 0;  // p2, p5, c2, owner...
  return a.name + (a.optional ? "?" : "") + ": " + type_text(a, v) +
         (sensitive ? " @sensitive;" : ";");
}

std::string name_text(const std::string& name) {
  const bool identifier = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
  return identifier ? name : "\"" + name + "\"";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + name_text(items[i]);
  return out;
}

// What a template or tenant sees: its own declarations and its ancestors'.
struct Visible {
  std::vector<std::string> roles;
  std::set<std::string> features;
  std::set<std::string> plans;
  std::set<std::string> lifecycles;                         // resource types
  std::map<std::string, std::vector<std::string>> actions;  // resource type → declared actions
};

void declare_action(Visible& visible, const std::string& type, const std::string& action) {
  std::vector<std::string>& actions = visible.actions[type];
  if (std::find(actions.begin(), actions.end(), action) == actions.end()) actions.push_back(action);
}

bool declares(const Visible& visible, const std::string& type, const std::string& action) {
  const auto it = visible.actions.find(type);
  return it != visible.actions.end() &&
         std::find(it->second.begin(), it->second.end(), action) != it->second.end();
}

// The actions declared for one of `types` at least, each once.
std::vector<std::string> declared_for(const Visible& visible,
                                      const std::vector<std::string>& types) {
  Visible out;
  for (const std::string& type : types) {
    const auto it = visible.actions.find(type);
    if (it == visible.actions.end()) continue;
    for (const std::string& action : it->second) declare_action(out, "", action);
  }
  return out.actions[""];
}

std::string actions_line(const std::vector<std::string>& actions,
                         const std::vector<std::string>& types) {
  return "  actions " + join(actions) + " on " + join(types) + ";\n";
}

Visible unite(const Visible& a, const Visible& b) {
  Visible out = a;
  for (const auto& [type, actions] : b.actions) {
    for (const std::string& action : actions) declare_action(out, type, action);
  }
  for (const std::string& r : b.roles) {
    if (std::find(out.roles.begin(), out.roles.end(), r) == out.roles.end()) out.roles.push_back(r);
  }
  out.features.insert(b.features.begin(), b.features.end());
  out.plans.insert(b.plans.begin(), b.plans.end());
  out.lifecycles.insert(b.lifecycles.begin(), b.lifecycles.end());
  return out;
}

class PolicyGenerator {
 public:
  explicit PolicyGenerator(std::uint64_t seed) : rng_(seed) { out_.seed = seed; }

  GeneratedPolicySet run() {
    schema();
    const int templates = rng_.between(1, 3);
    std::string template_text;
    for (int i = 0; i < templates; ++i) template_text += template_unit(i);
    out_.files.emplace_back("templates/base.tenet", template_text);
    const int tenants = rng_.between(2, 4);
    for (int i = 0; i < tenants; ++i) tenant_unit(i, templates);
    std::sort(out_.files.begin(), out_.files.end());
    return std::move(out_);
  }

 private:
  Vocabulary& vocab() { return out_.vocabulary; }

  AttributeSpec attribute(const std::string& name, Kind kind, int optional_percent) {
    AttributeSpec a{name, kind, rng_.percent(optional_percent), 0};
    if (kind == Kind::Enum) a.enum_id = rng_.below(vocab().enums.size());
    return a;
  }

  Kind random_kind() { return static_cast<Kind>(rng_.below(6)); }

  void schema() {
    vocab().enums = {{"x", "y", "z"}, {"lo", "mid", "hi"}};
    const std::vector<Kind> every{Kind::Bool, Kind::Int,       Kind::String,
                                  Kind::Enum, Kind::StringSet, Kind::IntSet};
    for (std::size_t i = 0; i < every.size() + 2; ++i) {
      const Kind kind = i < every.size() ? every[i] : random_kind();
      vocab().principal.push_back(attribute("p" + std::to_string(i), kind, 30));
    }
    for (int i = 0; i < 3; ++i)
      vocab().context.push_back(attribute("c" + std::to_string(i), random_kind(), 30));

    // Shared names on every type (owner, level), a name with two types
    // (size), and a few attributes of each type's own.
    const std::vector<std::pair<std::string, std::string>> types{
        {"doc", "d"}, {"acct", "a"}, {"sub", "u"}};
    for (const auto& [type, prefix] : types) {
      ResourceSpec r{type, {}};
      r.attributes.push_back({"owner", Kind::String, false, 0});
      r.attributes.push_back({"level", Kind::Int, type == "sub" && rng_.percent(50), 0});
      if (type == "doc") r.attributes.push_back({"size", Kind::Int, false, 0});
      if (type == "acct") r.attributes.push_back({"size", Kind::String, rng_.percent(50), 0});
      const int own = rng_.between(1, 3);
      for (int i = 0; i < own; ++i)
        r.attributes.push_back(attribute(prefix + std::to_string(i), random_kind(), 30));
      vocab().resources.push_back(r);
    }

    // Two blocks in two files; `doc` is declared in both and merges.
    const std::vector<std::string> action_text = action_declarations();
    std::string first = "schema {\n" + action_text[0] + "  principal {\n";
    for (const AttributeSpec& a : vocab().principal) first += "    " + declare(a, vocab()) + "\n";
    first += "  }\n";
    std::string second = "schema {\n" + action_text[2] + "  context {\n";
    for (const AttributeSpec& a : vocab().context) second += "    " + declare(a, vocab()) + "\n";
    second += "  }\n";
    for (const ResourceSpec& r : vocab().resources) {
      const std::size_t split = r.name == "doc" ? 2 : r.attributes.size();
      first += "  resource " + r.name + " {";
      for (std::size_t i = 0; i < split; ++i) first += " " + declare(r.attributes[i], vocab());
      first += " }\n";
      if (split < r.attributes.size()) {
        second += "  resource " + r.name + " {";
        for (std::size_t i = split; i < r.attributes.size(); ++i)
          second += " " + declare(r.attributes[i], vocab());
        second += " }\n";
      }
    }
    out_.files.emplace_back("schema.tenet", first + action_text[1] + "}\n");
    out_.files.emplace_back("more/schema.tenet", second + action_text[3] + "}\n");
    if (!action_text[4].empty())
      out_.files.emplace_back("more/actions.tenet", "schema {\n" + action_text[4] + "}\n");
  }

  // The schema's `actions` lines: `read` on every type, each other action on
  // a random share of them. Actions with the same types share a line (the
  // product), a line is sometimes split in two (lines add up), and each
  // goes to the top or the bottom of either schema block (before or after
  // the types it names, which the other file may declare), or to a block of
  // its own: [0] / [1] top / bottom of schema.tenet, [2] / [3] of
  // more/schema.tenet, [4] more/actions.tenet.
  std::vector<std::string> action_declarations() {
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> lines;
    for (const std::string& action : kActions) {
      std::vector<std::string> types;
      for (const ResourceSpec& r : vocab().resources) {
        if (action == "read" || rng_.percent(action == "write" ? 80 : 50)) types.push_back(r.name);
      }
      if (types.empty()) continue;
      const auto same = std::find_if(lines.begin(), lines.end(),
                                     [&](const auto& line) { return line.second == types; });
      if (same == lines.end()) {
        lines.push_back({{action}, types});
      } else {
        same->first.push_back(action);
      }
    }
    std::vector<std::string> text(5);
    const auto place = [&](const std::vector<std::string>& actions,
                           const std::vector<std::string>& types) {
      text[rng_.below(text.size())] += actions_line(actions, types);
      for (const std::string& type : types) {
        for (const std::string& action : actions) declare_action(schema_visible_, type, action);
      }
    };
    for (const auto& [actions, types] : lines) {
      if (!rng_.percent(30) || (actions.size() < 2 && types.size() < 2)) {
        place(actions, types);
      } else if (actions.size() >= 2) {
        const auto cut = actions.begin() + static_cast<std::ptrdiff_t>(actions.size() / 2);
        place({actions.begin(), cut}, types);
        place({cut, actions.end()}, types);
      } else {
        const auto cut = types.begin() + static_cast<std::ptrdiff_t>(types.size() / 2);
        place(actions, {types.begin(), cut});
        place(actions, {cut, types.end()});
      }
    }
    return text;
  }

  // ---------------------------------------------------------------- units

  std::string template_unit(int index) {
    const std::string name = "t" + std::to_string(index);
    std::vector<std::string> parents;
    for (int j = 0; j < index; ++j) {
      if (rng_.percent(50)) parents.push_back("t" + std::to_string(j));
    }
    Visible visible = schema_visible_;
    for (const std::string& p : parents) visible = unite(visible, template_visible_.at(p));
    std::string text =
        "template " + name + (parents.empty() ? "" : " extends " + join(parents)) + " {\n";
    text += body(name + "r", visible, name, kTemplateActions.at(static_cast<std::size_t>(index)),
                 false);
    text += "}\n\n";
    template_visible_[name] = visible;
    return text;
  }

  void tenant_unit(int index, int templates) {
    const std::string& name = kTenantNames[static_cast<std::size_t>(index)];
    std::vector<std::string> parents;
    for (int j = 0; j < templates; ++j) {
      if (rng_.percent(55)) parents.push_back("t" + std::to_string(j));
    }
    Visible visible = schema_visible_;
    for (const std::string& p : parents) visible = unite(visible, template_visible_.at(p));
    std::string text = "// tenant " + name + "\n\ntenant " + name_text(name) +
                       (parents.empty() ? "" : " extends " + join(parents)) + " {\n";
    text += body("o", visible, name, kTenantAction, true);
    text += "}\n";
    out_.files.emplace_back("tenants/" + name + ".tenet", text);
    TenantSpec spec{name, visible.roles, {}, {}, {}, {}};
    // Declaration order of the merged body is not needed here: requests
    // only pick names.
    spec.features.assign(visible.features.begin(), visible.features.end());
    spec.plans.assign(visible.plans.begin(), visible.plans.end());
    spec.lifecycle_types.assign(visible.lifecycles.begin(), visible.lifecycles.end());
    spec.actions = visible.actions;
    vocab().tenants.push_back(spec);
  }

  ExprScope scope(const Visible& visible, const std::string& unit) {
    ExprScope s;
    s.vocabulary = &vocab();
    s.roles = visible.roles;
    s.features.assign(visible.features.begin(), visible.features.end());
    s.tenant_literal = rng_.percent(50) ? unit : rng_.pick(kTenantNames);
    return s;
  }

  // Resource attributes readable on every one of `types`, with one kind.
  void resource_scope(ExprScope& s, const std::vector<std::string>& types, const Visible& visible) {
    s.resource = true;
    s.resource_types = types;
    s.state = std::all_of(types.begin(), types.end(),
                          [&](const std::string& t) { return visible.lifecycles.count(t) != 0; });
    const ResourceSpec* first = nullptr;
    for (const ResourceSpec& r : vocab().resources) {
      if (r.name == types.front()) first = &r;
    }
    for (const AttributeSpec& a : first->attributes) {
      AttributeSpec merged = a;
      bool everywhere = true;
      for (const ResourceSpec& r : vocab().resources) {
        if (std::find(types.begin(), types.end(), r.name) == types.end()) continue;
        const auto same =
            std::find_if(r.attributes.begin(), r.attributes.end(), [&](const AttributeSpec& b) {
              return b.name == a.name && b.kind == a.kind &&
                     (b.kind != Kind::Enum || b.enum_id == a.enum_id);
            });
        if (same == r.attributes.end()) {
          everywhere = false;
        } else {
          merged.optional = merged.optional || same->optional;
        }
      }
      if (everywhere) s.resource_attributes.push_back(merged);
    }
  }

  std::string annotation(int percent) {
    if (!rng_.percent(percent)) return "";
    return "@id(\"id-" + std::to_string(next_id_++) + "\") ";
  }

  std::string roles_clause(const std::string& keyword, const Visible& visible, int percent) {
    if (visible.roles.empty() || !rng_.percent(percent)) return "";
    return " " + keyword + " " + join(rng_.some(visible.roles, 1, 2));
  }

  std::string when(const ExprScope& s, int percent, const std::string& keyword = "when") {
    if (!rng_.percent(percent)) return "";
    return " " + keyword + " " + random_condition(rng_, s, rng_.between(1, 3));
  }

  // The partner's own `actions` lines: `own` (a name of this unit's alone)
  // on some types; for a tenant, also a schema action on a type that
  // neither the schema nor its templates declare it for.
  std::string own_actions(Visible& visible, const std::string& own, bool tenant) {
    std::vector<std::string> all_types;
    for (const ResourceSpec& r : vocab().resources) all_types.push_back(r.name);
    std::string text;
    if (rng_.percent(45)) {
      const std::vector<std::string> types = rng_.some(all_types, 1, 2);
      text += actions_line({own}, types);
      for (const std::string& type : types) declare_action(visible, type, own);
    }
    if (tenant && rng_.percent(40)) {
      std::vector<std::pair<std::string, std::string>> missing;  // (action, type)
      for (const std::string& action : kActions) {
        for (const std::string& type : all_types) {
          if (!declares(visible, type, action)) missing.emplace_back(action, type);
        }
      }
      if (!missing.empty()) {
        const auto& [action, type] = rng_.pick(missing);
        text += actions_line({action}, {type});
        declare_action(visible, type, action);
      }
    }
    return text;
  }

  // A template's or tenant's body; `visible` comes in with the ancestors'
  // declarations and leaves with this unit's added. Its own `actions` lines
  // (own_actions) stand first or last: a rule may name an action declared
  // further down.
  std::string body(const std::string& role_prefix, Visible& visible, const std::string& unit,
                   const std::string& own_action, bool tenant) {
    const std::string actions = own_actions(visible, own_action, tenant);
    const bool actions_first = rng_.percent(50);
    std::string text = actions_first ? actions : "";
    // Roles: each may extend roles seen so far.
    const int roles = visible.roles.empty() ? rng_.between(1, 3) : rng_.between(0, 2);
    for (int i = 0; i < roles; ++i) {
      const std::string role = role_prefix + std::to_string(i);
      text += "  role " + role;
      if (!visible.roles.empty() && rng_.percent(60))
        text += " extends " + join(rng_.some(visible.roles, 1, 2));
      text += ";\n";
      visible.roles.push_back(role);
    }

    // Features: global order f0 < f1 < ...; enabled() only calls earlier
    // names, so no override can close a cycle.
    std::set<std::string> declared_here;
    std::string features;
    for (const std::string& f : kFeatures) {
      if (!rng_.percent(30)) continue;
      declared_here.insert(f);
      visible.features.insert(f);
    }
    for (const std::string& f : declared_here) {
      ExprScope s = scope(visible, unit);
      s.features.clear();
      for (const std::string& g : visible.features) {
        if (g < f) s.features.push_back(g);
      }
      features += "  feature " + f + (rng_.percent(65) ? " on" : " off") +
                  roles_clause("for", visible, 30) + when(s, 50) + ";\n";
    }
    text += features;

    // Lifecycles (doc and sub), all with the same states so that rules of a
    // template stay valid over a tenant's replacement.
    for (const std::string type : {"doc", "sub"}) {
      if (!rng_.percent(35)) continue;
      visible.lifecycles.insert(type);
      ExprScope s = scope(visible, unit);
      resource_scope(s, {type}, visible);
      text += "  lifecycle " + type + " {\n    states " + join(kStates) + ";\n    initial " +
              rng_.pick(kStates) + ";\n";
      const int edges = rng_.between(1, 5);
      for (int e = 0; e < edges; ++e) {
        text += "    " + annotation(30) + join(rng_.some(kStates, 1, 2)) + " -> " +
                rng_.pick(kStates) + roles_clause("by", visible, 30) + when(s, 60) + ";\n";
      }
      text += "  }\n";
    }

    // Plans.
    for (const std::string& p : kPlans) {
      if (!rng_.percent(30)) continue;
      visible.plans.insert(p);
      const ExprScope s = scope(visible, unit);
      text += "  " + annotation(40) + "plan " + p + " {";
      if (rng_.percent(40)) text += roles_clause("for", visible, 100) + ";";
      if (rng_.percent(60)) text += when(s, 100) + ";";
      if (!visible.features.empty() && rng_.percent(40)) {
        const std::vector<std::string> all(visible.features.begin(), visible.features.end());
        text += " requires feature " + join(rng_.some(all, 1, 2)) + ";";
      }
      text += " }\n";
    }

    // Transitions.
    const int transitions = rng_.between(0, 4);
    for (int i = 0; i < transitions; ++i) {
      const ExprScope s = scope(visible, unit);
      text += "  " + annotation(40) + "transition " + name_text(rng_.pick(visible.roles)) + " -> " +
              name_text(rng_.pick(visible.roles)) + when(s, 75) + (rng_.percent(10) ? "; " : ";\n");
    }

    // Permit and forbid rules.
    const int rules = rng_.between(2, 7);
    std::vector<std::string> all_types;
    for (const ResourceSpec& r : vocab().resources) all_types.push_back(r.name);
    for (int i = 0; i < rules; ++i) {
      const bool every_type = rng_.percent(20);
      const std::vector<std::string> types = every_type ? all_types : rng_.some(all_types, 1, 2);
      ExprScope s = scope(visible, unit);
      resource_scope(s, types, visible);
      text += "  " + annotation(40) + (rng_.percent(60) ? "permit " : "forbid ");
      // Actions declared for one of the rule's types at least (not always
      // for each: the rule then applies to the declared pairs only).
      text += rng_.percent(20) ? "*" : join(rng_.some(declared_for(visible, types), 1, 2));
      text += " on " + (every_type ? std::string("*") : join(types));
      // Now and then two rules share a line: the second default id is FILE:LINE:COL.
      text += roles_clause("for", visible, 35) + when(s, 80) + when(s, 30, "unless") +
              (rng_.percent(10) ? "; " : ";\n");
    }
    text += rule_block(visible, unit, all_types);
    if (!actions_first) text += actions;
    return text + "\n";
  }

  // Now and then, many rules on one (action, type) testing one attribute
  // against many constants — the cells check indexes by value
  // (engine/compile/cell_index.hpp) — among rules testing another one
  // first, or nothing indexable, or behind `has` / enabled() guards.
  std::string rule_block(const Visible& visible, const std::string& unit,
                         const std::vector<std::string>& all_types) {
    if (!rng_.percent(35)) return "";
    const std::vector<std::string> types{rng_.pick(all_types)};
    const std::vector<std::string> actions = declared_for(visible, types);
    if (actions.empty()) return "";
    const std::string action = rng_.pick(actions);
    ExprScope s = scope(visible, unit);
    resource_scope(s, types, visible);
    const auto subject = static_cast<std::size_t>(rng_.between(0, 1000));
    std::string text;
    for (int i = rng_.between(8, 40); i > 0; --i) {
      text += "  " + annotation(40) + (rng_.percent(70) ? "permit " : "forbid ") + action + " on " +
              types.front() + roles_clause("for", visible, 15) + " when ";
      const int roll = rng_.between(0, 99);
      if (roll < 10 && !s.features.empty()) text += "enabled(" + rng_.pick(s.features) + ") && ";
      if (roll < 80) {
        text += random_key_test(rng_, s, subject);
      } else if (roll < 90) {
        text += random_key_test(rng_, s, subject + 1);
      } else {
        text += random_condition(rng_, s, 2);
      }
      if (rng_.percent(50)) text += " && (" + random_condition(rng_, s, rng_.between(1, 2)) + ")";
      text += when(s, 20, "unless") + ";\n";
    }
    return text;
  }

  Rng rng_;
  GeneratedPolicySet out_;
  std::map<std::string, Visible> template_visible_;
  Visible schema_visible_;  // the schema's actions
  int next_id_ = 0;
};

}  // namespace

GeneratedPolicySet generate_policy_set(std::uint64_t seed) { return PolicyGenerator(seed).run(); }

}  // namespace tenet::fuzz
