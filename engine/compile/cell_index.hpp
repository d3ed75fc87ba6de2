// Check's rule cells, indexed by one attribute's value: a cell side (its
// forbids, or its permits) where many rules begin with `subject == constant`
// (or `subject in [constants]`) evaluates only the rules whose constant is
// the request's value, plus the rules that have no such test — one hash
// lookup instead of one condition per rule (docs/ARCHITECTURE.md, "Rule
// cells indexed by value").
//
// Why the result is exactly that of evaluating every candidate: a rule is
// keyed only by the first conjunct of its `when` that can be in error, and
// only when that conjunct is an equality (or list membership) of an
// attribute with literals. The conjuncts before it (`has` tests, `enabled`)
// are never in error. So when the subject's value is present and is none of
// the rule's constants, its `when` is false — never in error — whatever
// follows, and the rule (`when ... unless ...`) is false: it is neither a
// reason nor an error, and check skips false rules silently. When the value
// cannot be read (a missing attribute, a missing resource.state), the
// evaluator walks every candidate, as without the index, so errors and
// their messages are those of the plain walk. Explain traces list every
// candidate and walk them all too.
//
// Layout: per tenant, one pool of indexes, buckets and positions; a cell
// side finds its index by the start of its candidate range, and only sides
// of at least kMinIndexedCandidates candidates look (a small cell pays one
// compare). Positions are offsets in the side's range, ascending, so the
// rules of a bucket and the unkeyed rules merge back into declaration
// order, which reasons keep.
//
// Thread-safety: built by the compiler, then read-only.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/compile/cell_table.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

struct Tenant;

// A side with fewer candidates is walked without looking for an index: its
// rules cost less than the lookup.
inline constexpr model::Index kMinIndexedCandidates = 8;

// The value a bucket holds rules for: a text (string, enum member, role)
// or an integer. Texts and integers never match each other, as `==` never
// makes them equal.
struct IndexKey {
  bool integer = false;
  std::int64_t number = 0;
  std::string_view text;

  [[nodiscard]] std::uint64_t hash() const {
    if (integer) {
      const auto bits = static_cast<std::uint64_t>(number) * 0x9E3779B97F4A7C15ULL;
      return bits ^ (bits >> 31) ^ 1U;
    }
    return std::hash<std::string_view>{}(text) & ~std::uint64_t{1};
  }
  [[nodiscard]] bool operator==(const IndexKey& other) const {
    if (integer != other.integer) return false;
    return integer ? number == other.number : text == other.text;
  }
};

struct KeyBucket {
  IndexKey key;
  model::Index first = 0;  // into CellIndexes::positions
  model::Index count = 0;  // 0: an empty slot of the open-addressing table
};

struct CellSideIndex {
  model::Index subject = model::kNone;  // the node read for the key (a Tenant::nodes index)
  model::Index buckets = 0;             // first slot in CellIndexes::buckets
  model::Index bucket_mask = 0;         // slots - 1 (a power of two, at most half full)
  model::Index unkeyed_first = 0;       // the rules without a key, into positions
  model::Index unkeyed_count = 0;
};

struct CellIndexes {
  CellTable<model::Index> by_range;  // (range begin, 0, 0) → into sides
  std::vector<CellSideIndex> sides;
  std::vector<KeyBucket> buckets;
  std::vector<model::Index> positions;

  // The index of the side whose candidates start at `begin`; null when the
  // side has none (too few candidates, or too few of them keyed).
  [[nodiscard]] const CellSideIndex* find(model::Index begin, model::Index count) const {
    if (count < kMinIndexedCandidates || sides.empty()) return nullptr;
    const model::Index at = by_range.find(begin, 0, 0, model::kNone);
    return at == model::kNone ? nullptr : &sides[at];
  }

  // The positions of the rules keyed by `key` (empty when none).
  [[nodiscard]] std::span<const model::Index> bucket(const CellSideIndex& side,
                                                     const IndexKey& key) const {
    const std::uint64_t hash = key.hash();
    for (std::uint64_t at = hash;; ++at) {
      const KeyBucket& slot = buckets[side.buckets + (at & side.bucket_mask)];
      if (slot.count == 0) return {};
      if (slot.key == key) return {positions.data() + slot.first, slot.count};
    }
  }
  [[nodiscard]] std::span<const model::Index> unkeyed(const CellSideIndex& side) const {
    return {positions.data() + side.unkeyed_first, side.unkeyed_count};
  }
};

// Builds `tenant.cell_indexes` from its cells, candidates and nodes. Called
// by the compiler once the cells are final.
void index_cells(Tenant& tenant);

}  // namespace tenet::compile
