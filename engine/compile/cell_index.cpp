// Builds the value indexes of check's rule cells (cell_index.hpp).
//
// Design note: per cell side, each candidate gets at most one key — the
// first conjunct of its `when` that can be in error, when that conjunct is
// `subject == literal`, `literal == subject` or `subject in [literals]`.
// The side is indexed on the subject most of its candidates are keyed by,
// when at least kMinKeyed are: fewer would not pay for the lookup. Work and
// memory are linear in the side's candidates.
#include "engine/compile/cell_index.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "engine/compile/condition_shape.hpp"
#include "engine/compile/layout.hpp"

namespace tenet::compile {
namespace {

constexpr Index kMinKeyed = 4;

// The key of a scalar literal; nullopt for any other node (a list, a
// boolean, an attribute).
std::optional<IndexKey> literal_key(const Node& node) {
  switch (node.op) {
    case Op::Int:
      return IndexKey{true, node.value, {}};
    case Op::String:
    case Op::Enum:
    case Op::Role:
      return IndexKey{false, 0, node.text};
    default:
      return std::nullopt;
  }
}

struct RuleKey {
  Index subject = kNone;
  std::vector<IndexKey> keys;  // distinct
};

std::optional<RuleKey> key_of_conjunct(const Tenant& tenant, Index at) {
  const Node& node = tenant.nodes[at];
  RuleKey found;
  if (node.op == Op::Eq) {
    const Node& left = tenant.nodes[node.lhs];
    const Node& right = tenant.nodes[node.rhs];
    const bool subject_left = is_value_read(left.op);
    const Index subject = subject_left ? node.lhs : node.rhs;
    if (!is_value_read(tenant.nodes[subject].op)) return std::nullopt;
    const std::optional<IndexKey> key = literal_key(subject_left ? right : left);
    if (!key) return std::nullopt;
    found.subject = subject;
    found.keys.push_back(*key);
    return found;
  }
  if (node.op == Op::InList && is_value_read(tenant.nodes[node.lhs].op)) {
    const Node& list = tenant.nodes[node.rhs];
    for (Index i = 0; i < list.rhs; ++i) {
      const std::optional<IndexKey> key = literal_key(tenant.nodes[list.lhs + i]);
      if (!key) return std::nullopt;
      if (std::find(found.keys.begin(), found.keys.end(), *key) == found.keys.end())
        found.keys.push_back(*key);
    }
    if (found.keys.empty()) return std::nullopt;
    found.subject = node.lhs;
    return found;
  }
  return std::nullopt;
}

// The key of a rule's `when`: its first conjunct that can be in error, when
// that one is an equality or a list membership of a subject.
std::optional<RuleKey> key_of(const Tenant& tenant, const Candidate& candidate,
                              std::vector<Index>& scratch) {
  if (candidate.when == kNone) return std::nullopt;
  scratch.clear();
  and_chain(tenant, candidate.when, scratch);
  for (const Index conjunct : scratch) {
    if (never_in_error(tenant, conjunct)) continue;
    return key_of_conjunct(tenant, conjunct);
  }
  return std::nullopt;
}

struct KeyHash {
  std::size_t operator()(const IndexKey& key) const { return key.hash(); }
};

class SideIndexer {
 public:
  explicit SideIndexer(Tenant& tenant) : tenant_(tenant) {}

  void index(Range range) {
    if (range.count < kMinIndexedCandidates) return;
    if (tenant_.cell_indexes.by_range.find(range.begin, 0, 0, kNone) != kNone) return;
    if (index_side_by_classes(tenant_, range)) return;
    keys_.clear();
    std::unordered_map<std::uint64_t, Index> keyed_by;
    for (Index p = 0; p < range.count; ++p) {
      keys_.push_back(key_of(tenant_, tenant_.candidates[range.begin + p], scratch_));
      if (keys_.back()) ++keyed_by[subject_of(*keys_.back())];
    }
    const auto best =
        std::max_element(keyed_by.begin(), keyed_by.end(), [](const auto& a, const auto& b) {
          return a.second < b.second || (a.second == b.second && a.first > b.first);
        });
    if (best == keyed_by.end() || best->second < kMinKeyed) return;
    build(range, best->first);
  }

 private:
  [[nodiscard]] std::uint64_t subject_of(const RuleKey& key) const {
    const Node& subject = tenant_.nodes[key.subject];
    return subject_signature(subject.op, subject.ref);
  }

  void build(Range range, std::uint64_t chosen) {
    CellIndexes& pool = tenant_.cell_indexes;
    CellSideIndex side;
    std::unordered_map<IndexKey, std::vector<Index>, KeyHash> by_key;
    std::vector<IndexKey> order;  // first appearance: a deterministic layout
    std::vector<Index> unkeyed;
    for (Index p = 0; p < range.count; ++p) {
      const std::optional<RuleKey>& key = keys_[p];
      if (!key || subject_of(*key) != chosen) {
        unkeyed.push_back(p);
        continue;
      }
      if (side.subject == kNone) side.subject = key->subject;
      for (const IndexKey& k : key->keys) {
        auto [entry, added] = by_key.try_emplace(k);
        if (added) order.push_back(k);
        entry->second.push_back(p);
      }
    }
    Index slots = 2;
    while (slots < order.size() * 2) slots *= 2;
    side.buckets = static_cast<Index>(pool.buckets.size());
    side.bucket_mask = slots - 1;
    pool.buckets.resize(pool.buckets.size() + slots);
    for (const IndexKey& k : order) {
      const std::vector<Index>& positions = by_key.at(k);
      for (std::uint64_t at = k.hash();; ++at) {
        KeyBucket& slot = pool.buckets[side.buckets + (at & side.bucket_mask)];
        if (slot.count != 0) continue;
        slot.key = k;
        slot.first = static_cast<Index>(pool.positions.size());
        slot.count = static_cast<Index>(positions.size());
        break;
      }
      pool.positions.insert(pool.positions.end(), positions.begin(), positions.end());
    }
    side.unkeyed_first = static_cast<Index>(pool.positions.size());
    side.unkeyed_count = static_cast<Index>(unkeyed.size());
    pool.positions.insert(pool.positions.end(), unkeyed.begin(), unkeyed.end());
    pool.by_range.insert(range.begin, 0, 0) = static_cast<Index>(pool.sides.size());
    pool.sides.push_back(side);
  }

  Tenant& tenant_;
  std::vector<std::optional<RuleKey>> keys_;
  std::vector<Index> scratch_;
};

}  // namespace

void index_cells(Tenant& tenant) {
  SideIndexer indexer(tenant);
  tenant.for_each_cell([&](Index, Index, Index, const RuleCell& cell) {
    indexer.index(cell.forbids);
    indexer.index(cell.permits);
  });
  CellIndexes& pool = tenant.cell_indexes;
  pool.buckets.shrink_to_fit();
  pool.positions.shrink_to_fit();
  pool.subjects.shrink_to_fit();
  pool.masks.shrink_to_fit();
  pool.texts.shrink_to_fit();
  pool.integers.shrink_to_fit();
}

}  // namespace tenet::compile
