#include "engine/sql/sql_text.hpp"

namespace tenet::sql {

std::string quote_ident(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (const char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::string> quote_literal(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  const bool backslash = text.find('\\') != std::string_view::npos;
  std::string out;
  out.reserve(text.size() + 3);
  if (backslash) out += 'E';
  out += '\'';
  for (const char c : text) {
    if (c == '\'' || (backslash && c == '\\')) out += c;
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace tenet::sql
