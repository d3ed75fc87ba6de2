// Byte-level checks and decoding that the grammar does not express: is a file
// UTF-8 text, and what does a string literal mean once its escapes are decoded.
//
// Internal to the grammar folder (parser.cpp, tests). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::lexical {

// The offset of the first byte that makes `text` unfit to parse: an invalid
// UTF-8 sequence (overlong, surrogate, beyond U+10FFFF, truncated) or a
// control character other than tab, carriage return and newline.
[[nodiscard]] std::optional<std::size_t> first_invalid_byte(std::string_view text);

struct BadEscape {
  std::size_t offset = 0;  // from the opening quote
  std::size_t length = 0;
};

struct DecodedString {
  std::string value;
  std::vector<BadEscape> bad_escapes;
};

// `literal` is a whole string literal as the grammar matched it, quotes
// included. Decodes \" \\ \n \t and \uXXXX (to UTF-8); any other escape, a
// \u with fewer than four hex digits, a surrogate or \u0000 is reported in
// `bad_escapes` and left out of the value.
[[nodiscard]] DecodedString decode_string_literal(std::string_view literal);

}  // namespace tenet::lexical
