#include "engine/checker/internal/lint_unless.hpp"

#include <algorithm>
#include <compare>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace tenet::checker {
namespace {

using model::ExprType;
using model::Index;
using model::kNone;
using model::Node;
using model::Op;

// A constant: a bool, an int, or a string-like value by its symbol (strings,
// enum members, role, type and tenant names).
struct Value {
  enum class Kind : std::uint8_t { Bool, Int, Text } kind = Kind::Bool;
  std::int64_t value = 0;
  friend bool operator==(const Value&, const Value&) = default;
};

// A fact about one term (an attribute, or any other test taken as a whole):
// its value is (not) one of `values`, or is below/above `bound`.
struct Atom {
  enum class Kind : std::uint8_t { In, NotIn, Lt, Le, Gt, Ge } kind = Kind::In;
  Index term = kNone;
  std::vector<Value> values;  // In, NotIn
  std::int64_t bound = 0;     // Lt, Le, Gt, Ge
};

Atom negated(Atom atom) {
  using K = Atom::Kind;
  constexpr K kNegation[] = {K::NotIn, K::In, K::Ge, K::Gt, K::Le, K::Lt};
  atom.kind = kNegation[static_cast<int>(atom.kind)];
  return atom;
}

// Facts by number (NeverHolds::pool_): a fact is made once per node and
// copied as an int.
using Atoms = std::vector<std::uint32_t>;

class NeverHolds {
 public:
  NeverHolds(const model::Tenant& tenant, const model::Rule& rule, const model::Schema& schema)
      : tenant_(tenant), rule_(rule), schema_(schema) {}

  // Is `e` false wherever `known` holds?
  bool never(Index e, const Atoms& known) {
    const Node& n = tenant_.nodes[e];
    switch (n.op) {
      case Op::Not:
        return always(n.lhs, known);
      case Op::Or:
        return never(n.lhs, known) && never(n.rhs, known);
      case Op::And: {  // a chain: each link read where the links before it hold
        Atoms facts = known;
        for (const Index link : chain(e, Op::And)) {
          if (never(link, facts)) return true;
          add_assumed(link, facts);
        }
        return false;
      }
      default:
        break;
    }
    if (const std::optional<bool> value = leaf_value(n)) return !*value;
    return conflicts(known, atom_of(e));
  }

  // Is `e` true wherever `known` holds?
  bool always(Index e, const Atoms& known) {
    const Node& n = tenant_.nodes[e];
    switch (n.op) {
      case Op::Not:
        return never(n.lhs, known);
      case Op::And:
        return always(n.lhs, known) && always(n.rhs, known);
      case Op::Or: {  // a chain: each link read where the links before it are false
        Atoms facts = known;
        for (const Index link : chain(e, Op::Or)) {
          if (always(link, facts)) return true;
          add_refuted(link, facts);
        }
        return false;
      }
      default:
        break;
    }
    if (const std::optional<bool> value = leaf_value(n)) return *value;
    return conflicts(known, negation_of(atom_of(e)));
  }

  // The facts `e` being true proves, added to `out`.
  void add_assumed(Index e, Atoms& out) {
    const Node& n = tenant_.nodes[e];
    if (n.op == Op::And) {
      add_assumed(n.lhs, out);
      add_assumed(n.rhs, out);
    } else if (n.op == Op::Not) {
      add_refuted(n.lhs, out);
    } else if (n.op != Op::Or && !leaf_value(n)) {
      out.push_back(atom_of(e));
    }
  }

  // The facts `e` being false proves, added to `out`.
  void add_refuted(Index e, Atoms& out) {
    const Node& n = tenant_.nodes[e];
    if (n.op == Op::Or) {
      add_refuted(n.lhs, out);
      add_refuted(n.rhs, out);
    } else if (n.op == Op::Not) {
      add_assumed(n.lhs, out);
    } else if (n.op != Op::And && !leaf_value(n)) {
      out.push_back(negation_of(atom_of(e)));
    }
  }

  // Can `facts` not all hold at once?
  bool contradictory(const Atoms& facts) {
    std::map<Index, std::vector<const Atom*>> by_term;
    for (const std::uint32_t id : facts) by_term[pool_[id].term].push_back(&pool_[id]);
    return std::any_of(by_term.begin(), by_term.end(),
                       [&](const auto& entry) { return empty_range(entry.first, entry.second); });
  }

 private:
  // Can `atom` not hold with `known`? Only the facts about its term matter.
  bool conflicts(const Atoms& known, std::uint32_t atom) {
    // Long chains cost chain length squared; past the budget, say "may hold".
    steps_ += known.size() + 1;
    if (steps_ > kStepBudget) return false;
    const Index term = pool_[atom].term;
    std::vector<const Atom*> about{&pool_[atom]};
    for (const std::uint32_t id : known) {
      if (pool_[id].term == term) about.push_back(&pool_[id]);
    }
    return empty_range(term, about);
  }

  // The links of a chain of `op` (`a && b && c`), left to right.
  std::vector<Index> chain(Index e, Op op) const {
    std::vector<Index> out;
    std::vector<Index> pending{e};
    while (!pending.empty()) {
      const Index at = pending.back();
      pending.pop_back();
      const Node& n = tenant_.nodes[at];
      if (n.op == op) {
        pending.push_back(n.rhs);
        pending.push_back(n.lhs);
      } else {
        out.push_back(at);
      }
    }
    return out;
  }

  std::optional<Value> constant(const Node& n) const {
    switch (n.op) {
      case Op::BoolConst:
        return Value{Value::Kind::Bool, n.value != 0 ? 1 : 0};
      case Op::IntConst:
        return Value{Value::Kind::Int, n.value};
      case Op::StringConst:
      case Op::EnumConst:
      case Op::RoleConst:
        return Value{Value::Kind::Text, n.symbol};
      case Op::Attribute:
        if (n.builtin == model::Builtin::Tenant) return Value{Value::Kind::Text, tenant_.name};
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // Two subtrees written alike (the same attribute, the same test).
  bool same(Index a, Index b) const {
    if (a == b) return true;
    if (a == kNone || b == kNone) return false;
    const Node& x = tenant_.nodes[a];
    const Node& y = tenant_.nodes[b];
    if (x.op != y.op || x.entity != y.entity || x.builtin != y.builtin || x.ref != y.ref ||
        x.symbol != y.symbol || x.value != y.value)
      return false;
    if (x.op == Op::List) {
      if (x.rhs != y.rhs) return false;
      for (Index i = 0; i < x.rhs; ++i) {
        if (!same(x.lhs + i, y.lhs + i)) return false;
      }
      return true;
    }
    return same(x.lhs, y.lhs) && same(x.rhs, y.rhs);
  }

  // A term's first node written alike: facts about `a` and `b` are facts
  // about one term.
  Index term_of(Index e) {
    for (const Index t : terms_) {
      if (same(t, e)) return t;
    }
    terms_.push_back(e);
    return e;
  }

  static bool compare(Op op, const Value& a, const Value& b) {
    switch (op) {
      case Op::Eq:
        return a == b;
      case Op::Ne:
        return a != b;
      case Op::Lt:
        return a.value < b.value;
      case Op::Le:
        return a.value <= b.value;
      case Op::Gt:
        return a.value > b.value;
      default:
        return a.value >= b.value;
    }
  }

  static bool is_comparison(Op op) {
    return op == Op::Eq || op == Op::Ne || op == Op::Lt || op == Op::Le || op == Op::Gt ||
           op == Op::Ge;
  }

  // The list items as constants, if all are.
  std::optional<std::vector<Value>> list_values(const Node& list) const {
    std::vector<Value> out;
    for (Index i = 0; i < list.rhs; ++i) {
      const std::optional<Value> item = constant(tenant_.nodes[list.lhs + i]);
      if (!item) return std::nullopt;
      out.push_back(*item);
    }
    return out;
  }

  // The value of a leaf known without a request: `false`, `1 == 2`, `x != x`...
  std::optional<bool> leaf_value(const Node& n) const {
    if (n.op == Op::BoolConst) return n.value != 0;
    if (is_comparison(n.op)) {
      const std::optional<Value> lhs = constant(tenant_.nodes[n.lhs]);
      const std::optional<Value> rhs = constant(tenant_.nodes[n.rhs]);
      if (lhs && rhs) return compare(n.op, *lhs, *rhs);
      if (!lhs && !rhs && same(n.lhs, n.rhs))
        return n.op == Op::Eq || n.op == Op::Le || n.op == Op::Ge;
      return std::nullopt;
    }
    if (n.op == Op::InList) {
      const Node& list = tenant_.nodes[n.rhs];
      if (list.rhs == 0) return false;
      const std::optional<Value> lhs = constant(tenant_.nodes[n.lhs]);
      const std::optional<std::vector<Value>> items = list_values(list);
      if (lhs && items) return std::find(items->begin(), items->end(), *lhs) != items->end();
    }
    return std::nullopt;
  }

  // What `e` (a leaf, not a constant) being true says; once per node.
  std::uint32_t atom_of(Index e) {
    const auto [at, fresh] = atoms_.try_emplace(e, 0);
    if (fresh) {
      at->second = static_cast<std::uint32_t>(pool_.size());
      pool_.push_back(make_atom(e));
    }
    return at->second;
  }

  std::uint32_t negation_of(std::uint32_t atom) {
    const auto [at, fresh] = negations_.try_emplace(atom, 0);
    if (fresh) {
      at->second = static_cast<std::uint32_t>(pool_.size());
      pool_.push_back(negated(pool_[atom]));
    }
    return at->second;
  }

  Atom make_atom(Index e) {
    const Node& n = tenant_.nodes[e];
    if (is_comparison(n.op)) {
      std::optional<Value> value = constant(tenant_.nodes[n.rhs]);
      Index term = n.lhs;
      Op op = n.op;
      if (!value) {  // the constant on the left: `5 < x` is `x > 5`
        value = constant(tenant_.nodes[n.lhs]);
        term = n.rhs;
        constexpr std::pair<Op, Op> kMirror[] = {
            {Op::Lt, Op::Gt}, {Op::Le, Op::Ge}, {Op::Gt, Op::Lt}, {Op::Ge, Op::Le}};
        for (const auto& [from, to] : kMirror) {
          if (op == from) {
            op = to;
            break;
          }
        }
      }
      if (value) {
        switch (op) {
          case Op::Eq:
            return {Atom::Kind::In, term_of(term), {*value}, 0};
          case Op::Ne:
            return {Atom::Kind::NotIn, term_of(term), {*value}, 0};
          case Op::Lt:
            return {Atom::Kind::Lt, term_of(term), {}, value->value};
          case Op::Le:
            return {Atom::Kind::Le, term_of(term), {}, value->value};
          case Op::Gt:
            return {Atom::Kind::Gt, term_of(term), {}, value->value};
          default:
            return {Atom::Kind::Ge, term_of(term), {}, value->value};
        }
      }
    }
    if (n.op == Op::InList) {
      if (std::optional<std::vector<Value>> items = list_values(tenant_.nodes[n.rhs]))
        return {Atom::Kind::In, term_of(n.lhs), std::move(*items), 0};
    }
    // Any other test, taken whole: it is true.
    return {Atom::Kind::In, term_of(e), {Value{Value::Kind::Bool, 1}}, 0};
  }

  // The values a term can take at all, when they are few.
  std::optional<std::vector<Value>> domain(Index term) const {
    const Node& n = tenant_.nodes[term];
    std::vector<Value> out;
    if (n.op == Op::Attribute && n.builtin == model::Builtin::Role) {
      for (Index r = 0; r < tenant_.roles.size(); ++r) {
        if (tenant_.matches(r, rule_.roles))
          out.push_back({Value::Kind::Text, tenant_.roles[r].name});
      }
      return out;
    }
    if (n.op == Op::Attribute && n.builtin == model::Builtin::Type) {
      for (Index t = 0; t < schema_.resources.size(); ++t) {
        if (rule_.all_types ||
            std::find(rule_.types.begin(), rule_.types.end(), t) != rule_.types.end())
          out.push_back({Value::Kind::Text, schema_.resources[t].name});
      }
      return out;
    }
    if (n.type.kind == ExprType::Bool)
      return std::vector<Value>{{Value::Kind::Bool, 0}, {Value::Kind::Bool, 1}};
    if (n.type.kind == ExprType::Enum && n.type.enum_index < schema_.enums.size()) {
      for (const model::Symbol member : schema_.enums[n.type.enum_index].members)
        out.push_back({Value::Kind::Text, member});
      return out;
    }
    return std::nullopt;
  }

  // Can no value satisfy every fact about `term`?
  bool empty_range(Index term, const std::vector<const Atom*>& atoms) const {
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::optional<std::vector<Value>> allowed = domain(term);
    std::int64_t low = kMin;
    std::int64_t high = kMax;
    const auto keep = [&](const auto& wanted) {
      std::erase_if(*allowed, [&](const Value& v) { return !wanted(v); });
    };
    for (const Atom* atom : atoms) {
      switch (atom->kind) {
        case Atom::Kind::In:
          if (!allowed) {
            allowed = atom->values;
          } else {
            keep([&](const Value& v) {
              return std::find(atom->values.begin(), atom->values.end(), v) != atom->values.end();
            });
          }
          break;
        case Atom::Kind::NotIn:
          break;  // below, once the allowed values are known
        case Atom::Kind::Lt:
          if (atom->bound == kMin) return true;
          high = std::min(high, atom->bound - 1);
          break;
        case Atom::Kind::Le:
          high = std::min(high, atom->bound);
          break;
        case Atom::Kind::Gt:
          if (atom->bound == kMax) return true;
          low = std::max(low, atom->bound + 1);
          break;
        case Atom::Kind::Ge:
          low = std::max(low, atom->bound);
          break;
      }
    }
    if (low > high) return true;
    if (!allowed) return false;  // values without end: excluding some leaves others
    keep([&](const Value& v) {
      return v.kind != Value::Kind::Int || (v.value >= low && v.value <= high);
    });
    for (const Atom* atom : atoms) {
      if (allowed->empty()) break;
      if (atom->kind != Atom::Kind::NotIn) continue;
      keep([&](const Value& v) {
        return std::find(atom->values.begin(), atom->values.end(), v) == atom->values.end();
      });
    }
    return allowed->empty();
  }

  const model::Tenant& tenant_;
  const model::Rule& rule_;
  const model::Schema& schema_;
  static constexpr std::size_t kStepBudget = 4'000'000;

  std::vector<Index> terms_;              // the first node of each term seen
  std::deque<Atom> pool_;                 // never moves its elements: facts are pointed at
  std::map<Index, std::uint32_t> atoms_;  // node → its fact
  std::map<std::uint32_t, std::uint32_t> negations_;  // fact → its negation
  std::size_t steps_ = 0;
};

}  // namespace

std::string unless_never_holds(const model::Tenant& tenant, const model::Rule& rule,
                               const model::Schema& schema) {
  if (rule.unless == kNone || rule.unless >= tenant.nodes.size()) return {};
  NeverHolds analysis(tenant, rule, schema);
  if (analysis.never(rule.unless, {})) return "it is false for every request the rule applies to";
  if (rule.when == kNone) return {};
  Atoms when;
  analysis.add_assumed(rule.when, when);
  // A `when` that cannot hold itself is another problem; say nothing then.
  if (when.empty() || analysis.contradictory(when)) return {};
  if (analysis.never(rule.unless, when)) return "it is false wherever the rule's 'when' holds";
  return {};
}

}  // namespace tenet::checker
