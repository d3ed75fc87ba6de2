// A sparse table keyed by three indices, for the compiled policy's cells:
// check's (local action, resource type, role) → candidate ranges, and
// transition's (from role, to role) → transition ranges.
//
// Why not a dense array: a dense table costs actions × types × roles (or
// roles²) whatever the rules reach, so a small policy naming many actions,
// types or roles needed gigabytes (issue 20, items 17 and 18). Only the
// cells some rule reaches are stored here, so the table is proportional to
// what the compiler puts in it; a cell no rule reaches reads as `absent`.
//
// Layout like NameTable (engine/compile/name_table.hpp): one flat power-of-two
// array, open addressing with linear probing, at most half full, the key
// beside its value, so a lookup is a hash, usually one cache line and no
// allocation.
//
// Thread-safety: insert() while building; find() from any thread after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/model/model.hpp"

namespace tenet::compile {

template <typename Value>
class CellTable {
 public:
  using Index = model::Index;

  struct Slot {
    Index a = model::kNone;  // kNone: empty slot
    Index b = 0;
    Index c = 0;
    Value value{};
  };

  // The value of (a, b, c), default-constructed when new.
  Value& insert(Index a, Index b, Index c) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    Slot& slot = probe(slots_, a, b, c);
    if (slot.a == model::kNone) {
      slot.a = a;
      slot.b = b;
      slot.c = c;
      ++size_;
    }
    return slot.value;
  }

  // Room for `cells` cells without growing (a bound known before the
  // inserts saves rehashing a table of millions of cells as it doubles).
  void reserve(std::size_t cells) {
    std::size_t wanted = slots_.size();
    while (wanted < cells * 2) wanted *= 2;
    if (wanted == slots_.size()) return;
    std::vector<Slot> bigger(wanted);
    for (const Slot& slot : slots_) {
      if (slot.a != model::kNone) probe(bigger, slot.a, slot.b, slot.c) = slot;
    }
    slots_ = std::move(bigger);
  }

  // The value of (a, b, c), or `absent` when no such cell was inserted.
  // `a` must not be kNone.
  [[nodiscard]] const Value& find(Index a, Index b, Index c, const Value& absent) const {
    const Slot& slot = probe(slots_, a, b, c);
    return slot.a == model::kNone ? absent : slot.value;
  }

  // Where a lookup of (a, b, c) starts: for prefetching.
  [[nodiscard]] const Slot* home(Index a, Index b, Index c) const {
    return &slots_[hash(a, b, c) & (slots_.size() - 1)];
  }

  // Calls visit(value) for every inserted cell, in slot order.
  template <typename Visit>
  void for_each_value(Visit&& visit) {
    for (Slot& slot : slots_) {
      if (slot.a != model::kNone) visit(slot.value);
    }
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  // Every slot, empty ones (a == kNone) included, in no particular order.
  [[nodiscard]] const std::vector<Slot>& slots() const { return slots_; }

 private:
  static std::uint64_t hash(Index a, Index b, Index c) {
    std::uint64_t h = ((std::uint64_t{a} << 32) | b) * 0x9E3779B97F4A7C15ULL;
    h ^= (h >> 29) + std::uint64_t{c} * 0xC2B2AE3D27D4EB4FULL;
    return h ^ (h >> 32);
  }

  template <typename Slots>
  static auto& probe(Slots& slots, Index a, Index b, Index c) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t at = hash(a, b, c) & mask;; at = (at + 1) & mask) {
      auto& slot = slots[at];
      if (slot.a == model::kNone || (slot.a == a && slot.b == b && slot.c == c)) return slot;
    }
  }

  void grow() { reserve(slots_.size()); }

  // Never empty, so a lookup in a table with no cells ends at its first slot.
  std::vector<Slot> slots_ = std::vector<Slot>(2);
  std::size_t size_ = 0;
};

}  // namespace tenet::compile
