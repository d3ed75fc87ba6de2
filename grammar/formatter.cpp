// The layout, in short (docs/LANGUAGE.md §13): every line break stays where
// it is — a rule without @id is known by its FILE:LINE, so moving it to
// another line would change the reasons decisions cite — and everything
// within a line is made canonical: two spaces per block level, four more
// on a statement's continuation lines, one space between tokens except
// after `(` `[` `.` `@` `!` and before `)` `]` `,` `;` `.` `:` `?`, none
// inside `set<...>`, `@id(...)` and `enabled(...)`, two spaces before a
// comment that follows code, no trailing whitespace, one final newline.
#include "grammar/formatter.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tao/pegtl.hpp>
#include <utility>

#include "grammar/internal/grammar.hpp"

namespace tenet::grammar {
namespace {

namespace p = tao::pegtl;
namespace g = grammar;

enum class Kind : std::uint8_t { Word, String, Number, Punct, LineComment, BlockComment };

struct Token {
  Kind kind = Kind::Word;
  std::string_view text;
  int newlines_before = 0;  // in the whitespace before it
  std::size_t line = 1;     // where it starts, 1-based
};

// Length of the `Rule` match at the start of `rest`, 0 when it does not match.
template <typename Rule>
std::size_t match_length(std::string_view rest) {
  p::memory_input<p::tracking_mode::lazy> in(rest.data(), rest.size(), "");
  try {
    if (p::parse<Rule>(in)) return static_cast<std::size_t>(in.current() - rest.data());
  } catch (const p::parse_error&) {  // unreachable on a file that parsed
  }
  return 0;
}

// The file's tokens with the grammar's own lexical rules (comments, string
// literals, integers, words); any other character is punctuation, the
// two-character operators as one.
std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  int newlines = 0;
  std::size_t line = 1;
  std::size_t at = 0;
  while (at < text.size()) {
    const char c = text[at];
    if (c == '\n') {
      ++newlines;
      ++line;
    }
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      ++at;
      continue;
    }
    const std::string_view rest = text.substr(at);
    Token token;
    token.newlines_before = newlines;
    token.line = line;
    newlines = 0;
    std::size_t length = 0;
    if ((length = match_length<g::line_comment>(rest)) != 0) {
      token.kind = Kind::LineComment;
    } else if ((length = match_length<g::block_comment>(rest)) != 0) {
      token.kind = Kind::BlockComment;
    } else if ((length = match_length<g::string_lit>(rest)) != 0) {
      token.kind = Kind::String;
    } else if ((length = match_length<g::integer>(rest)) != 0) {
      token.kind = Kind::Number;
    } else if ((length = match_length<p::identifier>(rest)) != 0) {
      token.kind = Kind::Word;
    } else {
      token.kind = Kind::Punct;
      length = 1;
      for (const std::string_view op : {"->", "&&", "||", "==", "!=", "<=", ">="}) {
        if (rest.substr(0, 2) == op) length = 2;
      }
    }
    std::string_view taken = rest.substr(0, length);
    if (token.kind == Kind::LineComment) {
      // The rule takes the line's end too: it is whitespace after the comment.
      while (!taken.empty() && (taken.back() == '\n' || taken.back() == '\r' ||
                                taken.back() == ' ' || taken.back() == '\t')) {
        if (taken.back() == '\n') ++newlines;
        taken.remove_suffix(1);
      }
    }
    token.text = taken;
    tokens.push_back(token);
    // Line breaks inside the token (a block comment's; a line comment's end).
    line += static_cast<std::size_t>(
        std::count(rest.begin(), rest.begin() + static_cast<long>(length), '\n'));
    at += length;
  }
  return tokens;
}

// Writes the tokens back with canonical whitespace, keeping every line
// break where it was (see the file comment).
class Printer {
 public:
  // `verbatim`: lines kept exactly as written (two rules without @id on one
  // line: the later one's default id has its column, FILE:LINE:COL).
  Printer(const std::vector<Token>& tokens, std::string_view text,
          const std::set<std::size_t>& verbatim)
      : tokens_(tokens), text_(text), verbatim_lines_(verbatim) {}

  std::string run() {
    for (std::size_t i = 0; i < tokens_.size(); ++i) step(i);
    end_line();
    return std::move(out_);
  }

 private:
  enum class Brace : std::uint8_t { Block, Object };

  void step(std::size_t i) {
    const Token& t = tokens_[i];
    const std::string_view x = t.text;
    const bool punct = t.kind == Kind::Punct;
    const bool starts_line = first_ || t.newlines_before > 0;
    if (t.newlines_before > 0 && !first_) {
      end_line();
      for (int n = 1; n < t.newlines_before; ++n) out_ += '\n';
    } else if (first_) {
      out_.append(static_cast<std::size_t>(t.newlines_before), '\n');  // lines above it kept
    }
    if (starts_line) {
      verbatim_ = verbatim_lines_.count(t.line) != 0;
      if (verbatim_) {
        line_ = std::string(source_line(t));
        indent_ = line_.size();
      } else {
        begin_line(t);
      }
    } else if (verbatim_) {
    } else if (t.kind == Kind::LineComment || t.kind == Kind::BlockComment) {
      line_ += "  ";  // a comment after code: two spaces
    } else if (space_before(t)) {
      line_ += ' ';
    }
    first_ = false;

    // Whether a `{` / `}` is a block's or an object literal's, before it opens or closes.
    const bool object_brace = punct && ((x == "}" && in_object()) || (x == "{" && opens_object()));
    if (punct && x == "{") open_brace();
    if (punct && x == "}") close_brace();
    if (!verbatim_) line_ += x;
    if (punct && (x == "(" || x == "[")) ++parens_;
    if (punct && (x == ")" || x == "]") && parens_ > 0) --parens_;
    if (punct && x == "<" && previous_word_ == "set")
      generic_ = true;
    else if (punct && x == ">" && generic_)
      generic_ = false;
    if (t.kind == Kind::LineComment || t.kind == Kind::BlockComment) return;  // no effect
    // Where a statement ends, the next line starts at the block's indent.
    statement_open_ =
        !(punct && ((x == ";" && !in_object()) || ((x == "{" || x == "}") && !object_brace)));
    if (t.kind == Kind::Word && x == "test" && braces_.empty()) test_next_ = true;
    previous_ = x;
    previous_kind_ = t.kind;
    previous_word_ = t.kind == Kind::Word ? x : std::string_view{};
    if (punct && x == "@") {
      annotation_ = true;
    } else if (t.kind != Kind::Word) {
      annotation_ = false;
    }
  }

  [[nodiscard]] bool in_object() const {
    return !braces_.empty() && braces_.back() == Brace::Object;
  }
  [[nodiscard]] std::size_t block_depth() const { return braces_.size() - objects_; }

  // Indent of a line starting with `t`: its block's, a `}` one less, and a
  // statement's continuation lines four spaces more.
  void begin_line(const Token& t) {
    std::size_t depth = block_depth();
    const bool closes_block =
        t.kind == Kind::Punct && t.text == "}" && !braces_.empty() && !in_object();
    if (closes_block && depth > 0) --depth;
    std::size_t spaces = 2 * depth;
    if (statement_open_ && !closes_block) spaces += 4;
    line_.assign(spaces, ' ');
    indent_ = spaces;
  }

  void end_line() {
    while (line_.size() > indent_ && (line_.back() == ' ' || line_.back() == '\t'))
      line_.pop_back();
    if (line_.size() > indent_ || line_.find_first_not_of(' ') != std::string::npos) out_ += line_;
    if (!first_) out_ += '\n';
    line_.clear();
    indent_ = 0;
  }

  [[nodiscard]] bool space_before(const Token& t) const {
    const std::string_view x = t.text;
    if (previous_kind_ == Kind::Punct &&
        (previous_ == "(" || previous_ == "[" || previous_ == "." || previous_ == "@" ||
         previous_ == "!" || (previous_ == "<" && generic_)))
      return false;
    if (t.kind == Kind::Punct) {
      if (x == ")" || x == "]" || x == "," || x == ";" || x == "." || x == ":" || x == "?")
        return false;
      if (x == ">" && generic_) return false;
      if (x == "<" && previous_word_ == "set") return false;
      // `@id(...)`, `@table(...)`, `enabled(...)`: a call, not a group.
      if (x == "(" && previous_kind_ == Kind::Word && (annotation_ || previous_ == "enabled"))
        return false;
    }
    return true;
  }

  [[nodiscard]] bool opens_object() const {
    return !test_next_ && test_depth_ != 0 && braces_.size() >= test_depth_;
  }

  // Inside a test's body every `{` opens an object literal; elsewhere a block.
  void open_brace() {
    Brace kind = Brace::Block;
    if (test_next_) {
      test_next_ = false;
      test_depth_ = braces_.size() + 1;
    } else if (test_depth_ != 0 && braces_.size() >= test_depth_) {
      kind = Brace::Object;
    }
    braces_.push_back(kind);
    if (kind == Brace::Object) ++objects_;
  }

  void close_brace() {
    if (braces_.empty()) return;
    if (braces_.back() == Brace::Object) --objects_;
    braces_.pop_back();
    if (test_depth_ != 0 && braces_.size() < test_depth_) test_depth_ = 0;
  }

  // The source line `t` starts, as written (trailing blanks dropped).
  [[nodiscard]] std::string_view source_line(const Token& t) const {
    const std::size_t at = static_cast<std::size_t>(t.text.data() - text_.data());
    const std::size_t begin =
        text_.rfind('\n', at) == std::string_view::npos ? 0 : text_.rfind('\n', at) + 1;
    std::size_t end = text_.find('\n', at);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(begin, end - begin);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    return line;
  }

  const std::vector<Token>& tokens_;
  std::string_view text_;
  const std::set<std::size_t>& verbatim_lines_;
  bool verbatim_ = false;
  std::string out_;
  std::string line_;
  std::size_t indent_ = 0;
  bool first_ = true;
  bool statement_open_ = false;  // the line break falls inside a statement
  std::vector<Brace> braces_;
  std::size_t objects_ = 0;
  bool test_next_ = false;
  std::size_t test_depth_ = 0;
  int parens_ = 0;
  bool generic_ = false;
  bool annotation_ = false;
  std::string_view previous_;
  Kind previous_kind_ = Kind::Punct;
  std::string_view previous_word_;
};

}  // namespace

FormatResult format_file(const SourceSet& sources, FileId file, bool is_test_file,
                         const ParseLimits& limits) {
  FormatResult result;
  ParseResult parsed = parse_file(sources, file, is_test_file, limits);
  for (Diagnostic& d : parsed.diagnostics) {
    if (d.severity == Severity::Error) result.diagnostics.push_back(std::move(d));
  }
  if (!result.diagnostics.empty()) return result;
  const std::string_view text = sources.file(file).text;
  const std::vector<Token> tokens = tokenize(text);
  // Lines where two declarations without @id start: the later ones' default
  // ids carry their column, so those lines stay exactly as written.
  std::map<std::size_t, int> id_less;
  const auto count = [&](const std::optional<ast::Annotation>& annotation, const Span& span) {
    if (!annotation) ++id_less[span.line];
  };
  const auto bodies = [&](const ast::Body& body) {
    for (const ast::RuleDecl& d : body.rules) count(d.annotation, d.span);
    for (const ast::TransitionDecl& d : body.transitions) count(d.annotation, d.span);
    for (const ast::PlanDecl& d : body.plans) count(d.annotation, d.span);
    for (const ast::LifecycleDecl& l : body.lifecycles) {
      for (const ast::LifecycleEdge& e : l.edges) count(e.annotation, e.span);
    }
  };
  for (const ast::TemplateDecl& d : parsed.file->templates) bodies(d.body);
  for (const ast::TenantDecl& d : parsed.file->tenants) bodies(d.body);
  std::set<std::size_t> verbatim;
  for (const auto& [line, n] : id_less) {
    if (n > 1) verbatim.insert(line);
  }
  // A token that spans lines on such a line (a block comment) would need
  // its other lines kept too: then the file is left as it is.
  for (const Token& t : tokens) {
    if (verbatim.count(t.line) != 0 && t.text.find('\n') != std::string_view::npos) {
      result.text = std::string(text);
      return result;
    }
  }
  result.text = Printer(tokens, text, verbatim).run();
  return result;
}

}  // namespace tenet::grammar
