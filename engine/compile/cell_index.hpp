// Check's rule cells, indexed by value (docs/ARCHITECTURE.md, "Rule cells
// indexed by value"): a side of a cell (its forbids, or its permits) with
// many rules evaluates only the rules that may hold for the request, instead
// of every candidate. Two forms:
//
// - By classes (sides of at most kMaxClassCandidates rules, built by
//   cell_classes.cpp): each *subject* the rules test on its own — an
//   attribute or built-in compared with literals, `has` it, `enabled(F)` —
//   has its values cut into classes on which every such test has one
//   truth; per class, a bit mask over the side's rules says which are false
//   (a test of theirs is), and per subject one mask which may be in error
//   when the value is missing. A check reads each subject's class once,
//   clears the false rules, sets back those a missing value may put in
//   error, and evaluates what is left in order; a rule whose every test is
//   a subject's is known true without evaluation.
// - By buckets (larger sides): the first conjunct of a rule's `when` that
//   can be in error, when it is `subject == constant` (or `subject in
//   [constants]`), keys the rule; the side is indexed on the subject that
//   keys the most. A check looks the request's value up and evaluates the
//   rules of its bucket and the unkeyed ones, merged back into order.
//
// Why both are exact: a rule is skipped only when a conjunct of it is false
// and nothing before that conjunct can be in error, so its `when` is false,
// not in error, and a false rule is neither a reason nor an error of a
// check. Buckets: the conjuncts before a key (`has`, `enabled`) are never in
// error; when the subject's value cannot be read (a missing attribute or
// resource.state) every candidate is walked. Classes: a rule some missing
// value may put in error is evaluated. A value of a kind the index has no
// class for (a request built in code against the schema) walks every
// candidate. Explain traces list every candidate and walk them all.
//
// Layout: per tenant, one pool of sides, buckets, positions, subjects,
// masks and constants; a side finds its index by the start of its candidate
// range, and only sides of at least kMinIndexedCandidates candidates look
// (a small cell pays one compare).
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
struct Range;

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

// How a subject of a class index (below) is read, and what its classes are.
// Class 0 is "missing" (the value cannot be read); the others:
// - Text: one class per constant (sorted, CellIndexes::texts), then "any
//   other text";
// - Int: the constants v1 < ... < vT (CellIndexes::integers) cut the line
//   into 2T + 1 classes: below v1, v1, between v1 and v2, v2, ..., above vT;
// - Bool: false, true;
// - Presence (only `has` tests read it): present;
// - Feature (`enabled(F)`): off, on.
enum class SubjectFamily : std::uint8_t { Text, Int, Bool, Presence, Feature };

struct ClassSubject {
  model::Index probe = model::kNone;  // the node evaluated: a read, a `has` or an `enabled`
  SubjectFamily family = SubjectFamily::Bool;
  // Presence: whether `probe` is a read (`x in []`) rather than a `has`.
  bool probe_is_read = false;
  model::Index constants_first = 0;  // Text: into texts; Int: into integers
  model::Index constants_count = 0;
  model::Index classes = 0;
  // Kill masks: class c's at masks_first + c * words, one bit per
  // candidate of the side (set: the rule is false for that class); then
  // the mask of the rules that may be in error when the value is missing.
  model::Index masks_first = 0;
};

struct CellSideIndex {
  // By classes (the side is small enough for bit masks over its
  // candidates) or by buckets of one subject's constants.
  bool by_classes = false;
  // ---- by buckets
  model::Index subject = model::kNone;  // the node read for the key (a Tenant::nodes index)
  model::Index buckets = 0;             // first slot in CellIndexes::buckets
  model::Index bucket_mask = 0;         // slots - 1 (a power of two, at most half full)
  model::Index unkeyed_first = 0;       // the rules without a key, into positions
  model::Index unkeyed_count = 0;
  // ---- by classes
  model::Index subjects_first = 0;  // into CellIndexes::subjects
  model::Index subjects_count = 0;
  model::Index words = 0;  // 64-bit words per mask
  // Into CellIndexes::masks: the rules whose every test (the conjuncts of
  // `when`, then `!unless`) is decided by its subject's class, so that one
  // no class makes false and no missing value may put in error is true
  // without being evaluated.
  model::Index known_first = 0;
};

// The most candidates a side indexed by classes has: its masks live on the
// stack of a check.
inline constexpr model::Index kMaxClassCandidates = 1024;
inline constexpr model::Index kMaxClassWords = kMaxClassCandidates / 64;

struct CellIndexes {
  CellTable<model::Index> by_range;  // (range begin, 0, 0) → into sides
  std::vector<CellSideIndex> sides;
  std::vector<KeyBucket> buckets;
  std::vector<model::Index> positions;
  std::vector<ClassSubject> subjects;
  std::vector<std::uint64_t> masks;
  std::vector<std::string_view> texts;
  std::vector<std::int64_t> integers;

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

// The class index of a side of at most kMaxClassCandidates candidates, when
// enough of its rules have a test it can decide (engine/compile/cell_classes.cpp);
// false when the side gets none.
bool index_side_by_classes(Tenant& tenant, Range range);

}  // namespace tenet::compile
