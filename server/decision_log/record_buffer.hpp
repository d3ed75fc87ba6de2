// The text of one decision record, written piece by piece into a buffer the
// recorder keeps from one record to the next (server/decision_log/
// decision_recorder). Why not std::string's appends: a record is some sixty
// small pieces, and each append paid its own capacity check, length update
// and terminator; here a piece is one bounds check and one memcpy, and the
// buffer only grows (once warm, never).
//
// One per recorder; not thread-safe.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "engine/json/line_handler.hpp"  // the engine's JSON and compiled forms

namespace tenet::server::decision_log {

class RecordBuffer {
 public:
  RecordBuffer() { bytes_.resize(4096); }

  void clear() { size_ = 0; }
  [[nodiscard]] std::string_view view() const { return {bytes_.data(), size_}; }
  [[nodiscard]] bool empty() const { return size_ == 0; }

  void put(std::string_view text) {
    if (!text.empty()) std::memcpy(room(text.size()), text.data(), text.size());
  }
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
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte >= 0x80 || byte == '"' || byte == '\\') {
        escaped_.clear();
        json::write_json_string(escaped_, text);
        put(escaped_);
        return;
      }
    }
    char* const at = room(text.size() + 2);
    at[0] = '"';
    if (!text.empty()) std::memcpy(at + 1, text.data(), text.size());
    at[text.size() + 1] = '"';
  }

 private:
  char* room(std::size_t length) {
    if (size_ + length > bytes_.size()) bytes_.resize(std::max(bytes_.size() * 2, size_ + length));
    char* const at = bytes_.data() + size_;
    size_ += length;
    return at;
  }

  std::string bytes_;  // its size is the capacity; size_ the record's length
  std::size_t size_ = 0;
  std::string escaped_;  // a text that needs escapes, before it is copied
};

}  // namespace tenet::server::decision_log
