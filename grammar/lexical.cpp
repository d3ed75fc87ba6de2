#include "grammar/lexical.hpp"

#include <cstdint>

namespace tenet::lexical {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::optional<std::size_t> first_invalid_byte(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, cp = c & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += length;
  }
  return std::nullopt;
}

DecodedString decode_string_literal(std::string_view literal) {
  DecodedString out;
  // The grammar guarantees the quotes; be defensive anyway.
  const std::size_t end =
      (literal.size() >= 2 && literal.back() == '"') ? literal.size() - 1 : literal.size();
  out.value.reserve(end);
  std::size_t i = literal.empty() ? 0 : 1;
  while (i < end) {
    const char c = literal[i];
    if (c != '\\') {
      out.value += c;
      ++i;
      continue;
    }
    const char e = i + 1 < end ? literal[i + 1] : '\0';
    switch (e) {
      case '"':
        out.value += '"';
        i += 2;
        continue;
      case '\\':
        out.value += '\\';
        i += 2;
        continue;
      case 'n':
        out.value += '\n';
        i += 2;
        continue;
      case 't':
        out.value += '\t';
        i += 2;
        continue;
      case 'u': {
        std::uint32_t cp = 0;
        std::size_t digits = 0;
        while (digits < 4 && i + 2 + digits < end && hex_value(literal[i + 2 + digits]) >= 0) {
          cp = cp * 16 + static_cast<std::uint32_t>(hex_value(literal[i + 2 + digits]));
          ++digits;
        }
        if (digits == 4 && cp != 0 && (cp < 0xD800 || cp > 0xDFFF)) {
          append_utf8(out.value, cp);
        } else {
          out.bad_escapes.push_back(BadEscape{i, 2 + digits});
        }
        i += 2 + digits;
        continue;
      }
      default: {
        // Report the whole (possibly multi-byte) character after the backslash.
        std::size_t length = 1;
        if (i + 1 < end) {
          ++length;
          while (i + length < end &&
                 (static_cast<unsigned char>(literal[i + length]) & 0xC0) == 0x80)
            ++length;
        }
        out.bad_escapes.push_back(BadEscape{i, length});
        i += length;
      }
    }
  }
  return out;
}

}  // namespace tenet::lexical
