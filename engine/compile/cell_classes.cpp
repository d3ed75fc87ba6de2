// Builds the class index of a check cell side (cell_index.hpp): bit masks
// over the side's candidates that say, for each class of each subject's
// value, which rules are false.
//
// Design note: a rule's `when` is an `&&` chain of conjuncts evaluated left
// to right; it is false as soon as one is false, in error as soon as one is
// in error. A conjunct that reads a single subject — one attribute or
// built-in compared with literals, `has` it, or `enabled(F)` — has a truth
// that depends only on the class of that subject's value, so it is computed
// here, once per class, on a sample value of the class. The chain is read
// up to its first conjunct that is neither such a test nor one that is
// never in error (a test across two attributes, a set membership...): later
// conjuncts are not reached before it, and it may be in error.
//
// For each rule and each subject it tests, the first of those conjuncts on
// that subject that is not true decides what the subject says about the
// rule under a class: false (the rule's bit is set in the class's kill
// mask) or in error (its bit is set in the subject's error mask, which only
// a missing value can give). A check clears the killed bits of every
// subject's class and then sets back the error bits of the missing
// subjects: a rule is skipped only when a conjunct of it is false and no
// subject can make an earlier one an error — then its `when` is false, not
// in error, whatever the order of its conjuncts. Every other rule is
// evaluated as without an index. Exact by construction; the differential
// test checks it.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "engine/compile/cell_index.hpp"
#include "engine/compile/condition_shape.hpp"
#include "engine/compile/layout.hpp"
#include "engine/compile/short_text.hpp"

namespace tenet::compile {
namespace {

// A side is given a class index when at least this many of its rules have a
// test it decides...
constexpr Index kMinDecided = 4;
// ... and it has at least this many candidates per subject it reads.
constexpr std::size_t kRulesPerSubject = 3;
// ... and its masks fit in this many words (32 KB).
constexpr std::size_t kMaxMaskWords = 4096;

enum class T3 : std::uint8_t { False, True, Error };

bool is_has(Op op) {
  return op == Op::HasPrincipal || op == Op::HasResource || op == Op::HasContext ||
         op == Op::HasState;
}

// The family of a scalar literal; nullopt for any other node.
std::optional<SubjectFamily> literal_family(const Node& node) {
  switch (node.op) {
    case Op::Int:
      return SubjectFamily::Int;
    case Op::String:
    case Op::Enum:
    case Op::Role:
      return SubjectFamily::Text;
    case Op::True:
    case Op::False:
      return SubjectFamily::Bool;
    default:
      return std::nullopt;
  }
}

// A conjunct that reads one subject only: its signature, the node to probe
// it with, and the family its values are compared as (Presence when it is
// only `has`-tested, Feature for enabled()).
struct SingleSubject {
  std::uint64_t signature = 0;
  Index probe = kNone;
  SubjectFamily family = SubjectFamily::Presence;
  std::vector<std::string_view> texts;
  std::vector<std::int64_t> integers;
};

class SubjectFinder {
 public:
  explicit SubjectFinder(const Tenant& tenant) : tenant_(tenant) {}

  std::optional<SingleSubject> find(Index at) {
    found_ = SingleSubject{};
    has_subject_ = false;
    ok_ = true;
    visit(at);
    if (!ok_ || !has_subject_) return std::nullopt;
    return found_;
  }

 private:
  void subject(Op op, Index ref, Index at) {
    const std::uint64_t sig = subject_signature(op, ref);
    if (has_subject_ && sig != found_.signature) {
      ok_ = false;
      return;
    }
    // A read is the better probe: it gives the value, not only presence.
    if (!has_subject_ || (is_value_read(op) && !is_value_read(tenant_.nodes[found_.probe].op)))
      found_.probe = at;
    found_.signature = sig;
    has_subject_ = true;
    if (op == Op::Enabled) family(SubjectFamily::Feature);
  }

  void family(SubjectFamily f) {
    if (found_.family == SubjectFamily::Presence) {
      found_.family = f;
    } else if (found_.family != f) {
      ok_ = false;
    }
  }

  void literal(const Node& node) {
    const std::optional<SubjectFamily> f = literal_family(node);
    if (!f) {
      ok_ = false;
      return;
    }
    family(*f);
    if (*f == SubjectFamily::Text) found_.texts.push_back(node.text);
    if (*f == SubjectFamily::Int) found_.integers.push_back(node.value);
  }

  void visit(Index at) {
    if (!ok_) return;
    const Node& node = tenant_.nodes[at];
    switch (node.op) {
      case Op::True:
      case Op::False:
        return;
      case Op::Not:
        return visit(node.lhs);
      case Op::And:
      case Op::Or:
        visit(node.lhs);
        return visit(node.rhs);
      case Op::Enabled:
        return subject(node.op, node.ref, at);
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        const Node& left = tenant_.nodes[node.lhs];
        const Node& right = tenant_.nodes[node.rhs];
        const bool read_left = is_value_read(left.op);
        if (read_left == is_value_read(right.op)) {
          ok_ = false;  // two reads, or two literals
          return;
        }
        subject(read_left ? left.op : right.op, read_left ? left.ref : right.ref,
                read_left ? node.lhs : node.rhs);
        return literal(read_left ? right : left);
      }
      case Op::InList: {
        const Node& left = tenant_.nodes[node.lhs];
        if (!is_value_read(left.op)) {
          ok_ = false;
          return;
        }
        subject(left.op, left.ref, node.lhs);
        const Node& list = tenant_.nodes[node.rhs];
        for (Index i = 0; i < list.rhs && ok_; ++i) literal(tenant_.nodes[list.lhs + i]);
        return;
      }
      default:
        if (is_has(node.op)) return subject(node.op, node.ref, at);
        if (is_value_read(node.op)) {  // a bool attribute as a condition
          subject(node.op, node.ref, at);
          return family(SubjectFamily::Bool);
        }
        ok_ = false;  // a set, a cross-attribute test, HasBuiltin...
        return;
    }
  }

  const Tenant& tenant_;
  SingleSubject found_;
  bool has_subject_ = false;
  bool ok_ = true;
};

// A value of one class of a subject: what the conjuncts are evaluated on.
struct Sample {
  bool present = false;
  std::string_view text;
  std::int64_t number = 0;
  bool flag = false;  // Bool: the value; Feature: on
};

// The truth of a single-subject conjunct on a sample, as the evaluator
// (engine/eval/condition_evaluator.cpp) would find it.
class SampleEvaluator {
 public:
  SampleEvaluator(const Tenant& tenant, SubjectFamily family, const Sample& sample)
      : tenant_(tenant), family_(family), sample_(sample) {}

  T3 truth(Index at) const {
    const Node& node = tenant_.nodes[at];
    switch (node.op) {
      case Op::True:
        return T3::True;
      case Op::False:
        return T3::False;
      case Op::Enabled:
        return of(sample_.flag);
      case Op::Not: {
        const T3 inner = truth(node.lhs);
        return inner == T3::Error ? T3::Error : of(inner == T3::False);
      }
      case Op::And: {
        const T3 left = truth(node.lhs);
        return left == T3::True ? truth(node.rhs) : left;
      }
      case Op::Or: {
        const T3 left = truth(node.lhs);
        return left == T3::False ? truth(node.rhs) : left;
      }
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
        return compare(node);
      case Op::InList: {
        if (!sample_.present) return T3::Error;
        const Node& list = tenant_.nodes[node.rhs];
        for (Index i = 0; i < list.rhs; ++i) {
          if (equal(tenant_.nodes[list.lhs + i])) return T3::True;
        }
        return T3::False;
      }
      default:
        if (is_has(node.op)) return of(sample_.present);
        // A bool attribute as a condition.
        if (!sample_.present) return T3::Error;
        return of(family_ == SubjectFamily::Bool && sample_.flag);
    }
  }

 private:
  static T3 of(bool b) { return b ? T3::True : T3::False; }

  bool equal(const Node& literal) const {
    switch (family_) {
      case SubjectFamily::Text:
        return same_text(sample_.text, literal.text);
      case SubjectFamily::Int:
        return sample_.number == literal.value;
      case SubjectFamily::Bool:
        return sample_.flag == (literal.op == Op::True);
      default:
        return false;
    }
  }

  T3 compare(const Node& node) const {
    if (!sample_.present) return T3::Error;
    const bool read_left = is_value_read(tenant_.nodes[node.lhs].op);
    const Node& literal = tenant_.nodes[read_left ? node.rhs : node.lhs];
    if (node.op == Op::Eq) return of(equal(literal));
    if (node.op == Op::Ne) return of(!equal(literal));
    if (family_ != SubjectFamily::Int) return T3::False;  // ordering needs two ints
    const std::int64_t a = read_left ? sample_.number : literal.value;
    const std::int64_t b = read_left ? literal.value : sample_.number;
    switch (node.op) {
      case Op::Lt:
        return of(a < b);
      case Op::Le:
        return of(a <= b);
      case Op::Gt:
        return of(a > b);
      default:
        return of(a >= b);
    }
  }

  const Tenant& tenant_;
  SubjectFamily family_;
  const Sample& sample_;
};

// A conjunct of candidate `position`'s chain; `negate`: the `unless`
// condition, which the chain ends with as `!unless`.
struct Test {
  Index position = 0;
  Index node = kNone;
  bool negate = false;
};

// One subject of the side being indexed, with the conjuncts that test it.
struct SideSubject {
  SingleSubject subject;
  // The conjuncts that test it, in rule order then conjunct order.
  std::vector<Test> tests;
  std::vector<Sample> samples;  // [class]; a class with no value: present = false at [0] only
  std::vector<bool> reachable;  // [class]
  std::string other_text;       // the Text sample of "any other text"
};

// The classes of a subject and a sample value of each (class 0: missing).
void make_classes(SideSubject& side) {
  SingleSubject& s = side.subject;
  side.samples.assign(1, Sample{});
  side.reachable.assign(1, true);
  const auto add = [&](Sample sample, bool reachable) {
    sample.present = true;
    side.samples.push_back(sample);
    side.reachable.push_back(reachable);
  };
  switch (s.family) {
    case SubjectFamily::Text: {
      std::sort(s.texts.begin(), s.texts.end());
      s.texts.erase(std::unique(s.texts.begin(), s.texts.end()), s.texts.end());
      for (const std::string_view text : s.texts) add({true, text, 0, false}, true);
      // "Any other text": a sample no constant equals (the conjuncts only
      // test equality): longer than the longest constant.
      std::size_t longest = 0;
      for (const std::string_view text : s.texts) longest = std::max(longest, text.size());
      side.other_text.assign(longest + 1, '?');
      add({true, side.other_text, 0, false}, true);
      break;
    }
    case SubjectFamily::Int: {
      std::sort(s.integers.begin(), s.integers.end());
      s.integers.erase(std::unique(s.integers.begin(), s.integers.end()), s.integers.end());
      constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
      constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
      for (std::size_t i = 0; i < s.integers.size(); ++i) {
        const std::int64_t v = s.integers[i];
        // The open interval before v: below the first, or after the previous.
        const std::int64_t low = i == 0 ? kMin : s.integers[i - 1] + 1;
        const bool empty = i == 0 ? v == kMin : low >= v;
        add({true, {}, empty ? v : (i == 0 ? v - 1 : low), false}, !empty);
        add({true, {}, v, false}, true);
      }
      const bool top_empty = !s.integers.empty() && s.integers.back() == kMax;
      add({true, {}, s.integers.empty() ? 0 : (top_empty ? kMax : s.integers.back() + 1), false},
          !top_empty);
      break;
    }
    case SubjectFamily::Bool:
    case SubjectFamily::Feature:
      add({true, {}, 0, false}, true);
      add({true, {}, 0, true}, true);
      if (s.family == SubjectFamily::Feature) side.reachable[0] = false;  // never missing
      break;
    case SubjectFamily::Presence:
      add({true, {}, 0, false}, true);
      break;
  }
}

// The single-subject conjuncts each candidate's chain reaches.
class SideClassifier {
 public:
  SideClassifier(Tenant& tenant, Range range) : tenant_(tenant), range_(range), finder_(tenant) {}

  bool run() {
    std::vector<Index> chain;
    Index decided = 0;
    known_.assign(range_.count, false);
    for (Index p = 0; p < range_.count; ++p) {
      const Candidate& candidate = tenant_.candidates[range_.begin + p];
      chain.clear();
      if (candidate.when != kNone) and_chain(tenant_, candidate.when, chain);
      bool any = false;
      bool all = true;  // every conjunct so far decided by its subject's class
      bool reached_end = true;
      for (const Index conjunct : chain) {
        if (classify(p, conjunct, false)) {
          any = true;
          continue;
        }
        all = false;
        if (!never_in_error(tenant_, conjunct)) {
          reached_end = false;
          break;
        }
      }
      // `unless U` is evaluated last, as a conjunct `!U`.
      if (candidate.unless != kNone) {
        const bool classified = reached_end && classify(p, candidate.unless, true);
        any = any || classified;
        all = all && classified;
      }
      known_[p] = all;
      decided += any || all ? 1 : 0;
    }
    // Reading a subject's class costs about what evaluating a simple rule
    // does: a side with few rules per subject, or few rules the classes
    // decide anything about, is cheaper to walk.
    if (decided < kMinDecided || decided * 4 < range_.count ||
        range_.count < kRulesPerSubject * subjects_.size())
      return false;
    const Index words = (range_.count + 63) / 64;
    std::size_t mask_words = 0;
    for (SideSubject& side : subjects_) {
      make_classes(side);
      mask_words += (side.samples.size() + 1) * words;
    }
    if (mask_words > kMaxMaskWords) return false;
    write(words);
    return true;
  }

 private:
  bool classify(Index position, Index node, bool negate) {
    std::optional<SingleSubject> found = finder_.find(node);
    return found && add(position, node, negate, std::move(*found));
  }

  // False when the subject is already known here with another family.
  bool add(Index position, Index conjunct, bool negate, SingleSubject found) {
    auto [at, added] = by_signature_.try_emplace(found.signature, subjects_.size());
    if (added) {
      subjects_.push_back({std::move(found), {}, {}, {}, {}});
    } else {
      SingleSubject& known = subjects_[at->second].subject;
      if (found.family != SubjectFamily::Presence) {
        if (known.family == SubjectFamily::Presence) {
          known.family = found.family;
        } else if (known.family != found.family) {
          return false;
        }
      }
      if (is_has(tenant_.nodes[known.probe].op) && !is_has(tenant_.nodes[found.probe].op))
        known.probe = found.probe;
      known.texts.insert(known.texts.end(), found.texts.begin(), found.texts.end());
      known.integers.insert(known.integers.end(), found.integers.begin(), found.integers.end());
    }
    subjects_[at->second].tests.push_back({position, conjunct, negate});
    return true;
  }

  void write(Index words) {
    CellIndexes& pool = tenant_.cell_indexes;
    CellSideIndex side;
    side.by_classes = true;
    side.words = words;
    side.subjects_first = static_cast<Index>(pool.subjects.size());
    side.subjects_count = static_cast<Index>(subjects_.size());
    for (const SideSubject& each : subjects_) {
      const SingleSubject& s = each.subject;
      ClassSubject out;
      out.probe = s.probe;
      out.family = s.family;
      out.probe_is_read = is_value_read(tenant_.nodes[s.probe].op);
      if (s.family == SubjectFamily::Text) {
        out.constants_first = static_cast<Index>(pool.texts.size());
        out.constants_count = static_cast<Index>(s.texts.size());
        pool.texts.insert(pool.texts.end(), s.texts.begin(), s.texts.end());
      } else if (s.family == SubjectFamily::Int) {
        out.constants_first = static_cast<Index>(pool.integers.size());
        out.constants_count = static_cast<Index>(s.integers.size());
        pool.integers.insert(pool.integers.end(), s.integers.begin(), s.integers.end());
      }
      out.classes = static_cast<Index>(each.samples.size());
      out.masks_first = static_cast<Index>(pool.masks.size());
      pool.masks.resize(pool.masks.size() + std::size_t{out.classes + 1} * words, 0);
      std::uint64_t* masks = pool.masks.data() + out.masks_first;
      std::uint64_t* errors = masks + std::size_t{out.classes} * words;
      for (Index c = 0; c < out.classes; ++c) {
        if (!each.reachable[c]) continue;
        const SampleEvaluator evaluator(tenant_, s.family, each.samples[c]);
        // The first test of each rule on this subject that is not true decides.
        Index decided_rule = kNone;
        for (const Test& test : each.tests) {
          if (test.position == decided_rule) continue;
          T3 t = evaluator.truth(test.node);
          if (test.negate && t != T3::Error) t = t == T3::True ? T3::False : T3::True;
          if (t == T3::True) continue;
          decided_rule = test.position;
          std::uint64_t* bits = t == T3::False ? masks + std::size_t{c} * words : errors;
          bits[test.position / 64] |= std::uint64_t{1} << (test.position % 64);
        }
      }
      pool.subjects.push_back(out);
    }
    side.known_first = static_cast<Index>(pool.masks.size());
    pool.masks.resize(pool.masks.size() + words, 0);
    for (Index p = 0; p < range_.count; ++p) {
      if (known_[p]) pool.masks[side.known_first + p / 64] |= std::uint64_t{1} << (p % 64);
    }
    pool.by_range.insert(range_.begin, 0, 0) = static_cast<Index>(pool.sides.size());
    pool.sides.push_back(side);
  }

  Tenant& tenant_;
  Range range_;
  SubjectFinder finder_;
  std::vector<SideSubject> subjects_;
  std::unordered_map<std::uint64_t, std::size_t> by_signature_;
  std::vector<bool> known_;  // [position]: every test of the rule is a subject's
};

}  // namespace

bool index_side_by_classes(Tenant& tenant, Range range) {
  if (range.count < kMinIndexedCandidates || range.count > kMaxClassCandidates) return false;
  return SideClassifier(tenant, range).run();
}

}  // namespace tenet::compile
