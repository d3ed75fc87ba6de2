// Byte-level scanning of JSON text that simdjson has already validated:
// where a member's value starts and ends in the raw line. simdjson's DOM
// keeps values, not their text; the protocol echoes `id` byte for byte
// (`1.50` stays `1.50`, `"\u00e9"` stays escaped), so the request parser
// finds the raw token here.
//
// Internal to engine/json/request_parser.cpp. Pure functions; thread-safe.
// Precondition everywhere: the text is valid JSON (never called otherwise),
// and positions are inside it, so the scanner needs no error handling — but
// it never reads past `end` either.
#pragma once

#include <cstddef>
#include <string_view>

namespace tenet::json::scan {

// The index of the first non-whitespace byte at or after `at`.
[[nodiscard]] std::size_t skip_space(std::string_view text, std::size_t at);

// The index just past the value starting at `at` (string, number, literal,
// object or array).
[[nodiscard]] std::size_t skip_value(std::string_view text, std::size_t at);

// `at` is an object's '{': the start of the value of its first member whose
// key is written exactly `key` (no escapes), or npos.
[[nodiscard]] std::size_t find_member(std::string_view text, std::size_t at, std::string_view key);

// `at` is an array's '[' (first call) or the end of its previous item: the
// start of the next item, or npos at the ']'.
[[nodiscard]] std::size_t next_item(std::string_view text, std::size_t at);

inline constexpr std::size_t npos = std::string_view::npos;

}  // namespace tenet::json::scan
