#include "engine/json/internal/json_scan.hpp"

namespace tenet::json::scan {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// `at` is an opening quote: the index just past the closing quote.
std::size_t skip_string(std::string_view text, std::size_t at) {
  std::size_t i = at + 1;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\\') {
      i += 2;
    } else if (c == '"') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return text.size();
}

}  // namespace

std::size_t skip_space(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

std::size_t skip_value(std::string_view text, std::size_t at) {
  if (at >= text.size()) return text.size();
  const char first = text[at];
  if (first == '"') return skip_string(text, at);
  if (first == '{' || first == '[') {
    std::size_t depth = 0;
    std::size_t i = at;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = skip_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return text.size();
  }
  std::size_t i = at;
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
         !is_space(text[i]))
    ++i;
  return i;
}

std::size_t find_member(std::string_view text, std::size_t at, std::string_view key) {
  if (at >= text.size() || text[at] != '{') return npos;
  std::size_t i = at + 1;
  while (true) {
    i = skip_space(text, i);
    if (i >= text.size() || text[i] != '"') return npos;  // '}' or end
    const std::size_t key_end = skip_string(text, i);
    const std::string_view raw_key = text.substr(i + 1, key_end - i - 2);
    i = skip_space(text, key_end);
    if (i >= text.size() || text[i] != ':') return npos;
    i = skip_space(text, i + 1);
    if (raw_key == key) return i;
    i = skip_space(text, skip_value(text, i));
    if (i >= text.size() || text[i] != ',') return npos;
    ++i;
  }
}

std::size_t next_item(std::string_view text, std::size_t at) {
  if (at >= text.size()) return npos;
  std::size_t i = skip_space(text, text[at] == '[' ? at + 1 : at);
  if (i < text.size() && text[i] == ',') i = skip_space(text, i + 1);
  if (i >= text.size() || text[i] == ']') return npos;
  return i;
}

}  // namespace tenet::json::scan
