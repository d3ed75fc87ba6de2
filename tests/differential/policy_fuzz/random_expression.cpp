#include "tests/differential/policy_fuzz/random_expression.hpp"

#include <functional>
#include <optional>

namespace tenet::fuzz {
namespace {

// Percentage of whole-set comparisons made against another set; the rest
// compare with a list literal (`principal.tags == ["a"]`), which the checker
// accepts. 100 leaves list literals out.
constexpr int kSetVersusSetPercent = 30;

// Binding strength of what was printed: parents add parentheses below theirs.
enum Prec : int { kOr = 0, kAnd = 1, kNot = 2, kAtom = 3 };

struct Text {
  std::string text;
  int prec = kAtom;
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

class Generator {
 public:
  Generator(Rng& rng, const ExprScope& scope) : rng_(rng), scope_(scope) {}

  Text key_test(std::size_t subject) {
    std::vector<Ref> subjects = refs([](const AttributeSpec& a) {
      return a.kind == Kind::String || a.kind == Kind::Enum || a.kind == Kind::Int;
    });
    subjects.push_back({"principal.role", "", {"role", Kind::String}});
    subjects.push_back({"principal.id", "", {"id", Kind::String}});
    if (scope_.state) subjects.push_back({"resource.state", "", {"state", Kind::String}});
    const Ref& ref = subjects[subject % subjects.size()];
    const auto literal = [&] {
      if (ref.path == "principal.role") return quoted(rng_.pick(scope_.roles));
      if (ref.path == "principal.id") return quoted(rng_.percent(50) ? "u1" : "u2");
      if (ref.path == "resource.state") return quoted(rng_.pick(kStates));
      return ref.spec.kind == Kind::Int ? int_literal() : string_value_for(ref.spec);
    };
    const int roll = rng_.between(0, 99);
    if (roll < 60) return guarded(ref, ref.path + " == " + literal(), kAtom);
    if (roll < 75) return guarded(ref, literal() + " == " + ref.path, kAtom);
    std::string list = "[" + literal();
    for (int i = rng_.between(0, 2); i > 0; --i) list += ", " + literal();
    return guarded(ref, ref.path + " in " + list + "]", kAtom);
  }

  Text condition(int depth) {
    Text out = depth <= 0 || rng_.percent(35) ? atom() : compound(depth);
    if (rng_.percent(8)) out = {"(" + out.text + ")", kAtom};
    return out;
  }

 private:
  Text compound(int depth) {
    const int roll = rng_.between(0, 99);
    if (roll < 40) return binary(depth, kAnd, rng_.percent(80) ? "&&" : "and");
    if (roll < 65) return binary(depth, kOr, rng_.percent(80) ? "||" : "or");
    if (roll < 85) {
      const Text operand = condition(depth - 1);
      const std::string op = rng_.percent(75) ? "!" : "not ";
      return {op + wrap(operand, kNot, false), kNot};
    }
    if (roll < 92) {
      // A condition used as a bool term: `(a || b) == true`.
      const Text operand = condition(depth - 1);
      return {"(" + operand.text + ") " + (rng_.percent(50) ? "==" : "!=") + " " +
                  (rng_.percent(50) ? "true" : "false"),
              kAtom};
    }
    return atom();
  }

  Text binary(int depth, int prec, const std::string& op) {
    const Text lhs = condition(depth - 1);
    const Text rhs = condition(depth - 1);
    // A right operand of the same strength gets parentheses half the time:
    // `a && (b && c)` keeps `(b && c)` as one conjunct of `unmet`.
    return {wrap(lhs, prec, false) + " " + op + " " + wrap(rhs, prec, rng_.percent(50)), prec};
  }

  static std::string wrap(const Text& t, int prec, bool also_equal) {
    if (t.prec < prec || (also_equal && t.prec == prec)) return "(" + t.text + ")";
    return t.text;
  }

  // ---------------------------------------------------------------- attributes

  struct Ref {
    std::string path;  // principal.x
    std::string entity;
    AttributeSpec spec;
  };

  std::vector<Ref> refs(std::function<bool(const AttributeSpec&)> wanted) const {
    std::vector<Ref> out;
    for (const AttributeSpec& a : scope_.vocabulary->principal) {
      if (wanted(a)) out.push_back({"principal." + a.name, "principal", a});
    }
    for (const AttributeSpec& a : scope_.vocabulary->context) {
      if (wanted(a)) out.push_back({"context." + a.name, "context", a});
    }
    if (scope_.resource) {
      for (const AttributeSpec& a : scope_.resource_attributes) {
        if (wanted(a)) out.push_back({"resource." + a.name, "resource", a});
      }
    }
    return out;
  }

  std::vector<Ref> of_kind(Kind kind) const {
    return refs([kind](const AttributeSpec& a) { return a.kind == kind; });
  }

  // Reading an optional attribute: guarded by `has` most of the time.
  Text guarded(const Ref& ref, const std::string& text, int prec) {
    if (!ref.spec.optional || rng_.percent(30)) return {text, prec};
    const std::string guard = ref.entity + " has " + ref.spec.name;
    return {guard + " && " + wrap({text, prec}, kAnd, true), kAnd};
  }

  std::string int_literal() { return std::to_string(rng_.pick(kInts)); }

  std::string string_value_for(const AttributeSpec& spec) {
    if (spec.kind == Kind::Enum) return quoted(rng_.pick(scope_.vocabulary->enums[spec.enum_id]));
    return quoted(rng_.pick(kStrings));
  }

  std::string list_for(const AttributeSpec& spec) {
    std::vector<std::string> items;
    const int n = rng_.between(0, 3);
    for (int i = 0; i < n; ++i) {
      items.push_back(spec.kind == Kind::Int ? int_literal() : string_value_for(spec));
    }
    if (items.empty() && spec.kind == Kind::Enum) items.push_back(string_value_for(spec));
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + items[i];
    return out + "]";
  }

  // ---------------------------------------------------------------- atoms

  Text atom() {
    for (;;) {
      switch (rng_.below(11)) {
        case 0:
          if (auto t = bool_attribute()) return *t;
          break;
        case 1:
          if (auto t = has()) return *t;
          break;
        case 2:
          if (!scope_.features.empty())
            return {"enabled(" + rng_.pick(scope_.features) + ")", kAtom};
          break;
        case 3:
          if (auto t = int_comparison()) return *t;
          break;
        case 4:
          if (auto t = string_comparison()) return *t;
          break;
        case 5:
          if (auto t = in_list()) return *t;
          break;
        case 6:
          if (auto t = set_membership()) return *t;
          break;
        case 7:
          return builtin();
        case 8:
          if (rng_.percent(20)) return {rng_.percent(50) ? "true" : "false", kAtom};
          if (auto t = set_equality()) return *t;
          break;
        case 9:
          if (auto t = int_comparison()) return *t;
          break;
        default:
          if (auto t = string_comparison()) return *t;
          break;
      }
    }
  }

  std::optional<Text> bool_attribute() {
    const auto candidates = of_kind(Kind::Bool);
    if (candidates.empty()) return std::nullopt;
    const Ref& ref = rng_.pick(candidates);
    if (rng_.percent(20)) {
      return guarded(ref, ref.path + " == " + (rng_.percent(50) ? "true" : "false"), kAtom);
    }
    return guarded(ref, ref.path, kAtom);
  }

  std::optional<Text> has() {
    const auto candidates = refs([](const AttributeSpec&) { return true; });
    if (candidates.empty()) return std::nullopt;
    const Ref& ref = rng_.pick(candidates);
    return Text{ref.entity + " has " + ref.spec.name, kAtom};
  }

  std::optional<Text> int_comparison() {
    const auto candidates = of_kind(Kind::Int);
    if (candidates.empty()) return std::nullopt;
    static const std::vector<std::string> ops{"==", "!=", "<", "<=", ">", ">="};
    const Ref& ref = rng_.pick(candidates);
    std::string other = int_literal();
    if (rng_.percent(20)) other = rng_.pick(candidates).path;  // unguarded if optional: a warning
    if (rng_.percent(15)) return guarded(ref, other + " " + rng_.pick(ops) + " " + ref.path, kAtom);
    return guarded(ref, ref.path + " " + rng_.pick(ops) + " " + other, kAtom);
  }

  std::optional<Text> string_comparison() {
    auto candidates =
        refs([](const AttributeSpec& a) { return a.kind == Kind::String || a.kind == Kind::Enum; });
    if (candidates.empty()) return std::nullopt;
    const Ref& ref = rng_.pick(candidates);
    const std::string op = rng_.percent(70) ? "==" : "!=";
    std::string other = string_value_for(ref.spec);
    if (rng_.percent(20)) {
      // Attribute against attribute: strings with strings or enums, an enum
      // with the same enum only.
      std::vector<Ref> fitting;
      for (const Ref& r : candidates) {
        if (r.spec.kind == Kind::String || ref.spec.kind == Kind::String ||
            r.spec.enum_id == ref.spec.enum_id) {
          fitting.push_back(r);
        }
      }
      other = rng_.pick(fitting).path;
    }
    return guarded(ref, ref.path + " " + op + " " + other, kAtom);
  }

  std::optional<Text> in_list() {
    const auto candidates = refs([](const AttributeSpec& a) {
      return a.kind == Kind::String || a.kind == Kind::Enum || a.kind == Kind::Int;
    });
    if (candidates.empty()) return std::nullopt;
    const Ref& ref = rng_.pick(candidates);
    return guarded(ref, ref.path + " in " + list_for(ref.spec), kAtom);
  }

  std::optional<Text> set_membership() {
    const auto sets = refs(
        [](const AttributeSpec& a) { return a.kind == Kind::StringSet || a.kind == Kind::IntSet; });
    if (sets.empty()) return std::nullopt;
    const Ref& set = rng_.pick(sets);
    const bool ints = set.spec.kind == Kind::IntSet;
    std::string element = ints ? int_literal() : quoted(rng_.pick(kStrings));
    if (rng_.percent(30)) {
      const auto elements = refs([ints](const AttributeSpec& a) {
        return ints ? a.kind == Kind::Int : (a.kind == Kind::String || a.kind == Kind::Enum);
      });
      if (!elements.empty()) element = rng_.pick(elements).path;  // unguarded if optional
    }
    if (rng_.percent(50)) return guarded(set, set.path + " contains " + element, kAtom);
    return guarded(set, element + " in " + set.path, kAtom);
  }

  // A set compared as a whole with a list literal or a set of its kind.
  std::optional<Text> set_equality() {
    const auto sets = refs(
        [](const AttributeSpec& a) { return a.kind == Kind::StringSet || a.kind == Kind::IntSet; });
    if (sets.empty()) return std::nullopt;
    const Ref& set = rng_.pick(sets);
    std::string other;
    if (rng_.percent(kSetVersusSetPercent)) {
      const Kind kind = set.spec.kind;
      other = rng_.pick(of_kind(kind)).path;
    } else {
      AttributeSpec element = set.spec;
      element.kind = set.spec.kind == Kind::IntSet ? Kind::Int : Kind::String;
      other = list_for(element);
    }
    return guarded(set, set.path + (rng_.percent(60) ? " == " : " != ") + other, kAtom);
  }

  Text builtin() {
    std::vector<std::function<Text()>> choices;
    choices.push_back([&] {
      if (rng_.percent(30)) {
        std::string list = "[";
        const auto some = rng_.some(scope_.roles, 1, 2);
        for (std::size_t i = 0; i < some.size(); ++i)
          list += (i == 0 ? "" : ", ") + quoted(some[i]);
        return Text{"principal.role in " + list + "]", kAtom};
      }
      return Text{"principal.role " + std::string(rng_.percent(70) ? "==" : "!=") + " " +
                      quoted(rng_.pick(scope_.roles)),
                  kAtom};
    });
    choices.push_back([&] {
      return Text{"principal.id == " + quoted(rng_.percent(50) ? "u1" : "u2"), kAtom};
    });
    choices.push_back([&] {
      return Text{"principal.tenant == " + quoted(scope_.tenant_literal), kAtom};
    });
    if (scope_.resource) {
      choices.push_back([&] { return Text{"resource.owner == principal.id", kAtom}; });
      choices.push_back([&] { return Text{"resource.id != " + quoted("r1"), kAtom}; });
      choices.push_back([&] { return Text{"resource.tenant == principal.tenant", kAtom}; });
      choices.push_back([&] {
        return Text{"resource.type == " + quoted(rng_.pick(scope_.resource_types)), kAtom};
      });
    }
    if (scope_.state) {
      choices.push_back([&] {
        if (rng_.percent(40)) {
          return Text{"resource.state in [" + quoted(rng_.pick(kStates)) + ", " +
                          quoted(rng_.pick(kStates)) + "]",
                      kAtom};
        }
        return Text{"resource.state " + std::string(rng_.percent(70) ? "==" : "!=") + " " +
                        quoted(rng_.pick(kStates)),
                    kAtom};
      });
    }
    return rng_.pick(choices)();
  }

  Rng& rng_;
  const ExprScope& scope_;
};

}  // namespace

std::string random_condition(Rng& rng, const ExprScope& scope, int depth) {
  return Generator(rng, scope).condition(depth).text;
}

std::string random_key_test(Rng& rng, const ExprScope& scope, std::size_t subject) {
  return Generator(rng, scope).key_test(subject).text;
}

}  // namespace tenet::fuzz
