#include "engine/checker/internal/lint_silence.hpp"

#include <cctype>

namespace tenet::checker {
namespace {

constexpr std::string_view kMarker = "tenet-lint:";
constexpr std::string_view kIgnore = "ignore";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool is_code_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::size_t skip_spaces(std::string_view text, std::size_t at) {
  while (at < text.size() && is_space(text[at])) ++at;
  return at;
}

// One `tenet-lint: ignore a, b` starting at `at` (just after the marker).
bool list_names(std::string_view text, std::size_t at, std::string_view code) {
  at = skip_spaces(text, at);
  if (text.substr(at, kIgnore.size()) != kIgnore) return false;
  at += kIgnore.size();
  if (at < text.size() && !is_space(text[at])) return false;  // `ignored`, `ignore-x`
  for (;;) {
    at = skip_spaces(text, at);
    const std::size_t start = at;
    while (at < text.size() && is_code_char(text[at])) ++at;
    if (at == start) return false;
    if (text.substr(start, at - start) == code) return true;
    at = skip_spaces(text, at);
    if (at >= text.size() || text[at] != ',') return false;
    ++at;
  }
}

// Does `line` (trimmed) hold annotations only (`@id("x")`, then maybe a comment)?
bool annotations_only(std::string_view line) {
  std::size_t at = 0;
  while (at < line.size() && line[at] == '@') {
    ++at;
    while (at < line.size() &&
           (std::isalnum(static_cast<unsigned char>(line[at])) != 0 || line[at] == '_'))
      ++at;
    at = skip_spaces(line, at);
    if (at < line.size() && line[at] == '(') {  // `("...")`
      for (++at; at < line.size() && line[at] != ')'; ++at) {
        if (line[at] != '"') continue;
        for (++at; at < line.size() && line[at] != '"'; ++at) at += line[at] == '\\' ? 1 : 0;
      }
      if (at >= line.size()) return false;
      at = skip_spaces(line, at + 1);
    }
  }
  const std::string_view rest = line.substr(at);
  return at > 0 && (rest.empty() || rest.starts_with("//") || rest.starts_with("/*"));
}

}  // namespace

std::string_view comment_of(std::string_view line) {
  bool in_string = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '/' && i + 1 < line.size() && (line[i + 1] == '/' || line[i + 1] == '*')) {
      return line.substr(i);
    }
  }
  return {};
}

bool ignores(std::string_view comment, std::string_view code) {
  for (std::size_t at = comment.find(kMarker); at != std::string_view::npos;
       at = comment.find(kMarker, at + 1)) {
    if (list_names(comment, at + kMarker.size(), code)) return true;
  }
  return false;
}

bool lint_silenced(const SourceSet& sources, const Span& span, std::string_view code) {
  if (span.file >= sources.size()) return false;
  if (ignores(comment_of(sources.line_text(span.file, span.line)), code)) return true;
  constexpr std::uint32_t kAnnotationLines = 4;  // a declaration's own, above it
  for (std::uint32_t line = span.line; line > 1 && span.line - line <= kAnnotationLines;) {
    --line;
    const std::string_view text = trimmed(sources.line_text(span.file, line));
    if (annotations_only(text)) {  // the declaration's own annotation line
      if (ignores(comment_of(text), code)) return true;
      continue;
    }
    return (text.starts_with("//") || text.starts_with("/*")) && ignores(text, code);
  }
  return false;
}

}  // namespace tenet::checker
