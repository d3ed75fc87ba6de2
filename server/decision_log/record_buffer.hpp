// The text of one decision record, written piece by piece into a buffer the
// recorder keeps from one record to the next (server/decision_log/
// decision_recorder). Why not std::string's appends: a record is some sixty
// small pieces, and each append paid its own capacity check, length update
// and terminator; here a piece is one bounds check and one inline copy, and
// the buffer only grows (once warm, never).
//
// Why the copies and the escape scan are written out here instead of
// memcpy and a byte loop (measured with callgrind on BM_ServerLine): the
// pieces are short (keys, ids, enum members), so a call into libc's memcpy
// cost more than the copy, and a byte-by-byte scan for what JSON escapes
// was the largest single cost of a record (~5 instructions a byte); 16
// bytes at a time with SSE2 it is ~0.5.
//
// One per recorder; not thread-safe.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/json/line_handler.hpp"  // the engine's JSON and compiled forms

namespace tenet::server::decision_log {

// Copies `n` bytes with at most two (overlapping) loads and stores of a
// fixed size each — every access inside [from, from + n) — and no call.
inline void copy_bytes(char* to, const char* from, std::size_t n) {
  if (n >= 16) {
    if (n > 32) {
      std::memcpy(to, from, n);
      return;
    }
    char head[16];
    char tail[16];
    __builtin_memcpy(head, from, 16);
    __builtin_memcpy(tail, from + n - 16, 16);
    __builtin_memcpy(to, head, 16);
    __builtin_memcpy(to + n - 16, tail, 16);
  } else if (n >= 8) {
    std::uint64_t head;
    std::uint64_t tail;
    __builtin_memcpy(&head, from, 8);
    __builtin_memcpy(&tail, from + n - 8, 8);
    __builtin_memcpy(to, &head, 8);
    __builtin_memcpy(to + n - 8, &tail, 8);
  } else if (n >= 4) {
    std::uint32_t head;
    std::uint32_t tail;
    __builtin_memcpy(&head, from, 4);
    __builtin_memcpy(&tail, from + n - 4, 4);
    __builtin_memcpy(to, &head, 4);
    __builtin_memcpy(to + n - 4, &tail, 4);
  } else if (n > 0) {
    to[0] = from[0];
    to[n / 2] = from[n / 2];
    to[n - 1] = from[n - 1];
  }
}

// Whether `text` has a byte JSON escapes (a control character, '"', '\')
// or one outside ASCII (checked, and \u-escaped if not UTF-8, by
// json::write_json_string). Reads only inside the text.
inline bool needs_escape(const char* text, std::size_t n) {
#if defined(__SSE2__)
  // Signed bytes: one "less than 0x20" catches the controls and, being
  // negative, every byte >= 0x80.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const auto bad = [&](__m128i bytes) {
    const __m128i found =
        _mm_or_si128(_mm_cmplt_epi8(bytes, space),
                     _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)));
    return _mm_movemask_epi8(found) != 0;
  };
  if (n >= 16) {
    std::size_t at = 0;
    for (; at + 16 <= n; at += 16) {
      if (bad(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text + at)))) return true;
    }
    return at != n && bad(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text + n - 16)));
  }
  if (n >= 8) {
    std::int64_t head;
    std::int64_t tail;
    __builtin_memcpy(&head, text, 8);
    __builtin_memcpy(&tail, text + n - 8, 8);
    return bad(_mm_set_epi64x(tail, head));
  }
  if (n >= 4) {
    std::int32_t head;
    std::int32_t tail;
    __builtin_memcpy(&head, text, 4);
    __builtin_memcpy(&tail, text + n - 4, 4);
    return bad(_mm_set_epi32(tail, head, tail, head));
  }
#endif
  for (std::size_t i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte >= 0x80 || byte == '"' || byte == '\\') return true;
  }
  return false;
}

class RecordBuffer {
 public:
  RecordBuffer() { bytes_.resize(4096); }

  void clear() { size_ = 0; }
  [[nodiscard]] std::string_view view() const { return {bytes_.data(), size_}; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  void put(std::string_view text) { copy_bytes(room(text.size()), text.data(), text.size()); }
  void put(char c) { *room(1) = c; }
  template <typename Integer>
  void put_integer(Integer value) {
    char* const at = room(24);
    const auto printed = std::to_chars(at, at + 24, value);
    size_ -= static_cast<std::size_t>(at + 24 - printed.ptr);
  }
  // `"text"` with JSON's escapes (as json::write_json_string, whose rules
  // it shares): most texts need none and are copied whole.
  void put_json_string(std::string_view text) {
    if (needs_escape(text.data(), text.size())) [[unlikely]] {
      escaped_.clear();
      json::write_json_string(escaped_, text);
      put(escaped_);
      return;
    }
    char* const at = room(text.size() + 2);
    at[0] = '"';
    copy_bytes(at + 1, text.data(), text.size());
    at[text.size() + 1] = '"';
  }

 private:
  char* room(std::size_t length) {
    if (size_ + length > bytes_.size()) [[unlikely]]
      grow(length);
    char* const at = bytes_.data() + size_;
    size_ += length;
    return at;
  }
  [[gnu::noinline]] void grow(std::size_t length) {
    bytes_.resize(std::max(bytes_.size() * 2, size_ + length));
  }

  std::string bytes_;  // its size is the capacity; size_ the record's length
  std::size_t size_ = 0;
  std::string escaped_;  // a text that needs escapes, before it is copied
};

}  // namespace tenet::server::decision_log
