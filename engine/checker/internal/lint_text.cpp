#include "engine/checker/internal/lint_text.hpp"

#include <algorithm>
#include <vector>

namespace tenet::checker {
namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}

bool is_operator_char(char c) {
  return c == '&' || c == '|' || c == '=' || c == '!' || c == '<' || c == '>' || c == '-';
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The length of the string literal starting at `at` (a '"'), quotes included.
std::size_t string_length(std::string_view text, std::size_t at) {
  std::size_t end = at + 1;
  while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
  return std::min(end + 1, text.size()) - at;
}

std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (is_space(c)) {
      ++at;
    } else if (text.substr(at, 2) == "//") {
      while (at < text.size() && text[at] != '\n') ++at;
    } else if (text.substr(at, 2) == "/*") {
      const std::size_t end = text.find("*/", at + 2);
      at = end == std::string_view::npos ? text.size() : end + 2;
    } else if (c == '@') {  // `@id("x")`, `@sensitive`: dropped
      ++at;
      while (at < text.size() && is_word_char(text[at])) ++at;
      std::size_t next = at;
      while (next < text.size() && is_space(text[next])) ++next;
      if (next < text.size() && text[next] == '(') {
        at = next + 1;
        while (at < text.size() && text[at] != ')')
          at += text[at] == '"' ? string_length(text, at) : 1;
        at = std::min(at + 1, text.size());
      }
    } else if (c == '"') {
      const std::size_t length = string_length(text, at);
      out.push_back(text.substr(at, length));
      at += length;
    } else if (is_word_char(c)) {
      const std::size_t start = at;
      while (at < text.size() && is_word_char(text[at])) ++at;
      const std::string_view word = text.substr(start, at - start);
      out.push_back(word == "and" ? "&&" : word == "or" ? "||" : word == "not" ? "!" : word);
    } else if (is_operator_char(c)) {
      const std::size_t start = at;
      while (at < text.size() && is_operator_char(text[at])) ++at;
      out.push_back(text.substr(start, at - start));
    } else {
      out.push_back(text.substr(at, 1));
      ++at;
    }
  }
  return out;
}

// Does the '(' at `open` close at `close`?
bool matches(const std::vector<std::string_view>& list, std::size_t open, std::size_t close) {
  int depth = 0;
  for (std::size_t i = open; i <= close; ++i) {
    if (list[i] == "(") ++depth;
    if (list[i] == ")" && --depth == 0) return i == close;
  }
  return false;
}

}  // namespace

std::string normalized_text(std::string_view text) {
  const std::vector<std::string_view> list = tokens(text);
  std::size_t first = 0;
  std::size_t last = list.size();  // one past
  while (last - first >= 2 && list[first] == "(" && list[last - 1] == ")" &&
         matches(list, first, last - 1)) {
    ++first;
    --last;
  }
  std::string out;
  for (std::size_t i = first; i < last; ++i) {
    if (i != first) out += ' ';
    out += list[i];
  }
  return out;
}

std::string normalized_condition(const SourceSet& sources, const model::Tenant& tenant,
                                 model::ExprId expr) {
  if (expr == model::kNone || expr >= tenant.nodes.size()) return {};
  return normalized_text(sources.text(tenant.nodes[expr].span));
}

}  // namespace tenet::checker
