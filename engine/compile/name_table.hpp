// A name → Index table for the request hot path (tenant, role, action,
// resource type, plan and feature names).
//
// Built once at compile time (engine/compiler), read by every request. It
// replaces std::unordered_map<std::string_view, Index>, whose find() costs
// a modulo, a walk through separately allocated nodes and a full
// std::hash over the key: here the slots are one flat power-of-two array
// (open addressing, linear probing, at most half full), each slot holding
// the name's hash beside its view, so a probe touches one cache line and a
// mismatch is rejected on the hash without reading the name's bytes. The
// views point into storage the owner keeps alive (the model's interner or
// Layout::strings). Lookups never allocate.
//
// Thread-safety: emplace() while building; find() from any thread after.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/compile/short_text.hpp"
#include "engine/model/model.hpp"

namespace tenet::compile {

class NameTable {
 public:
  using Index = model::Index;

  // Adds `name` unless present; like unordered_map::emplace, `.second` is
  // false (and nothing changes) when it was already there.
  std::pair<Index, bool> emplace(std::string_view name, Index index) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t hash = hash_of(name);
    for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
      Slot& slot = slots_[at];
      if (slot.used == 0) {
        slot = Slot(name, hash, index);
        ++size_;
        return {index, true};
      }
      if (slot.matches(name, hash)) return {slot.index, false};
    }
  }

  // The index of `name`, or kNone.
  [[nodiscard]] Index find(std::string_view name) const {
    if (size_ == 0) return model::kNone;
    const std::uint64_t hash = hash_of(name);
    for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.used == 0) return model::kNone;
      if (slot.matches(name, hash)) return slot.index;
    }
  }

  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  // 32 bytes, two slots per cache line. A name of up to kInline bytes is
  // also copied into the slot, so a lookup that finds it never follows
  // `data`: on the server that pointer chase was a cache miss per request
  // for the tenant and again for the role (names live in the interner, far
  // from the table).
  static constexpr std::size_t kInline = 11;
  struct Slot {
    const char* data = nullptr;
    std::uint32_t length = 0;
    std::uint32_t tag = 0;  // the hash's upper half: most mismatches stop here
    Index index = 0;
    std::uint8_t used = 0;
    std::array<char, kInline> inline_text{};

    Slot() = default;
    Slot(std::string_view name, std::uint64_t hash, Index at)
        : data(name.data()),
          length(static_cast<std::uint32_t>(name.size())),
          tag(static_cast<std::uint32_t>(hash >> 32U)),
          index(at),
          used(1) {
      if (name.size() <= kInline) std::memcpy(inline_text.data(), name.data(), name.size());
    }

    [[nodiscard]] bool matches(std::string_view name, std::uint64_t hash) const {
      if (tag != static_cast<std::uint32_t>(hash >> 32U) || length != name.size()) return false;
      const char* text = name.size() <= kInline ? inline_text.data() : data;
      return same_text(std::string_view(text, length), name);
    }
  };
  static_assert(sizeof(Slot) == 32);

  // Eight bytes at a time, a multiply-xorshift mix per word (names are short:
  // one to three words). Request text only ever looks names up, never adds
  // them, so a hostile key cannot build collisions: a lookup costs at most
  // the longest run of occupied slots, in a table at most half full.
  static std::uint64_t hash_of(std::string_view name) {
    constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;
    std::uint64_t hash = 0x243F6A8885A308D3ULL ^ (name.size() * kMul);
    std::size_t i = 0;
    for (; i + 8 <= name.size(); i += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, name.data() + i, 8);
      hash = (hash ^ word) * kMul;
      hash ^= hash >> 29U;
    }
    if (i < name.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, name.data() + i, name.size() - i);
      hash = (hash ^ word) * kMul;
      hash ^= hash >> 29U;
    }
    hash *= kMul;
    return hash ^ (hash >> 32U);
  }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 8 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.used != 0) emplace(std::string_view(slot.data, slot.length), slot.index);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace tenet::compile
