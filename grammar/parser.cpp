// The parser: runs the PEGTL grammar (grammar.hpp) over one file with actions
// that build the AST into an explicit Builder, and a Control that turns a
// failed must<> into a worded SyntaxFailure (syntax_errors.hpp).
//
// Design notes:
//  - Actions fire on rule success only; the grammar commits (must<>) before
//    any action whose effect could be undone by backtracking, so the builder
//    never has to roll back except after a syntax error, when `recover<>`
//    calls reset_scratch().
//  - Expressions are built on an operand stack; each operand carries the
//    depth of its tree so an over-deep expression is a NestingTooDeep
//    diagnostic, not a stack overflow in a later recursive pass. Parentheses
//    are the only recursion in the grammar; their depth is checked as each
//    '(' is read, before recursing.
//  - Statements write into "current" objects (rule, plan, lifecycle...) that
//    the statement's keyword resets and its completion moves into the body.
//    A recovered error inside a plan or lifecycle keeps what was parsed.
#include "grammar/parser.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>
#include <type_traits>
#include <utility>

#include "grammar/internal/grammar.hpp"
#include "grammar/internal/syntax_errors.hpp"
#include "grammar/lexical.hpp"

namespace tenet::grammar {
namespace {

namespace p = tao::pegtl;
namespace g = grammar;

// Thrown once a file has produced limits.max_syntax_errors diagnostics.
struct StopParsing {};

[[nodiscard]] std::uint32_t u32(std::size_t value) {
  return static_cast<std::uint32_t>(
      std::min<std::size_t>(value, std::numeric_limits<std::uint32_t>::max()));
}

// Length of the token at `at`, for the span of an "unexpected token" error.
[[nodiscard]] std::size_t token_length(const char* at, const char* end) {
  if (at == end) return 0;
  if (const std::size_t word = g::word_length(at, end); word > 0) return word;
  const auto digits = [&](const char* from) {
    const char* it = from;
    while (it != end && *it >= '0' && *it <= '9') ++it;
    return static_cast<std::size_t>(it - at);
  };
  if (*at >= '0' && *at <= '9') return digits(at);
  if (*at == '-' && at + 1 != end && at[1] >= '0' && at[1] <= '9') return digits(at + 1);
  if (*at == '"') {
    const char* it = at + 1;
    while (it != end && *it != '"' && *it != '\n') it += (*it == '\\' && it + 1 != end) ? 2 : 1;
    return static_cast<std::size_t>(std::min(it + 1, end) - at);
  }
  if (at + 1 != end) {
    static constexpr std::string_view kPairs[] = {"==", "!=", "<=", ">=", "->",
                                                  "&&", "||", "/*", "//"};
    const std::string_view two(at, 2);
    if (std::find(std::begin(kPairs), std::end(kPairs), two) != std::end(kPairs)) return 2;
  }
  std::size_t length = 1;
  while (at + length != end && (static_cast<unsigned char>(at[length]) & 0xC0) == 0x80) ++length;
  return length;
}

// Where the token after `it` starts, past blanks and comments: a rule that
// failed in a lookahead (`no_chain`) leaves the input before the blanks.
[[nodiscard]] p::internal::iterator next_token(p::internal::iterator it, const char* end) {
  const auto advance = [&](std::size_t count) {
    for (std::size_t i = 0; i < count; ++i, ++it.data, ++it.byte) {
      if (*it.data == '\n') {
        ++it.line;
        it.column = 1;
      } else {
        ++it.column;
      }
    }
  };
  while (it.data != end) {
    const std::string_view rest(it.data, static_cast<std::size_t>(end - it.data));
    if (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n') {
      advance(1);
    } else if (rest.starts_with("//")) {
      advance(std::min(rest.find('\n'), rest.size()));
    } else if (const std::size_t close = rest.find("*/", 2);
               rest.starts_with("/*") && close != rest.npos) {
      advance(close + 2);
    } else {
      break;
    }
  }
  return it;
}

// An error at the end of the file points just after the last token rather
// than at an empty last line: "expected '}'" then sits where the '}' belongs.
template <typename State>
[[nodiscard]] Span end_of_last_token(const char* begin, const p::internal::iterator& eof,
                                     const State& b) {
  const char* last = eof.data;
  while (last != begin &&
         (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r' || last[-1] == '\n'))
    --last;
  p::internal::iterator at = eof;
  at.data = last;
  at.byte -= static_cast<std::size_t>(eof.data - last);
  at.line -= static_cast<std::size_t>(std::count(last, eof.data, '\n'));
  const char* line_start = last;
  while (line_start != begin && line_start[-1] != '\n') --line_start;
  at.column = static_cast<std::size_t>(last - line_start) + 1;
  return b.span_at(at, 0);
}

// A rule that can never fail (star, opt) still instantiates Control::raise
// when it sits in a must<>; it needs no message.
template <typename T>
inline constexpr bool never_fails = false;
template <typename... R>
inline constexpr bool never_fails<p::internal::star<R...>> = true;
template <typename... R>
inline constexpr bool never_fails<p::internal::opt<R...>> = true;

// ---------------------------------------------------------------- the builder

// Two measures of an operand's tree. `depth` is its height, what every later
// recursive pass recurses through (bounded by max_expression_depth).
// `nesting` counts a chain of one operator (`a || b || c`, `&&` alike) as a
// single level although the tree nests it to the left, so only what the
// author nested counts against max_nesting.
struct Operand {
  std::unique_ptr<ast::Expr> expr;  // mutable while building: a paren group widens its span
  std::size_t depth = 1;
  std::size_t nesting = 1;
  std::optional<ast::BinaryOp> chain;  // the && or || chain `expr` is, unparenthesised
};

struct PendingAnnotation {
  ast::Name name;                  // without '@'
  std::optional<ast::Name> value;  // decoded; absent when written without `(...)`
  Span span;
};

// Where annotations are read, for the messages.
struct Place {
  const char* on;    // "on a role declaration"
  const char* noun;  // "role declaration"
};

enum Allowed : unsigned {
  kNone = 0,
  kId = 1,
  kTable = 2,
  kTenantColumn = 4,
  kColumn = 8,
  kSensitive = 16
};

// The annotations a construct accepted: the argument of those that take one,
// the annotation's own name (and span) for a flag such as @sensitive.
struct TakenAnnotations {
  std::optional<ast::Name> id, table, tenant_column, column, sensitive;
};

class Builder {
 public:
  Builder(FileId file, bool is_test_file, const ParseLimits& limits)
      : file_(file), is_test_file_(is_test_file), limits_(limits) {
    out.file = file;
  }

  ast::File out;
  std::vector<Diagnostic> diagnostics;

  // ------------------------------------------------ spans, names, diagnostics

  template <typename In>
  [[nodiscard]] Span span(const In& in) const {
    const auto& it = in.iterator();
    return Span{file_, u32(it.byte), u32(in.size()), u32(it.line), u32(it.column)};
  }

  [[nodiscard]] Span span_at(const p::internal::iterator& it, std::size_t length) const {
    return Span{file_, u32(it.byte), u32(length), u32(it.line), u32(it.column)};
  }

  // From the start of `a` to the end of `b` (both on the operand stack).
  [[nodiscard]] static Span join(const Span& a, const Span& b) {
    Span s = a;
    s.length = b.offset + b.length - a.offset;
    return s;
  }

  void report(Diagnostic diagnostic) {
    diagnostics.push_back(std::move(diagnostic));
    // Bounded output whatever the input: a file of garbage stops here.
    if (diagnostics.size() >= std::max<std::size_t>(1, limits_.max_syntax_errors))
      throw StopParsing{};
  }

  void report_failure(const g::SyntaxFailure& failure) {
    report(make_diagnostic(failure.code, failure.span, {failure.message}));
  }

  [[noreturn]] void nesting_too_deep(const Span& at) const {
    throw g::SyntaxFailure(DiagCode::NestingTooDeep, at, std::to_string(limits_.max_nesting));
  }

  [[nodiscard]] std::string decode(std::string_view literal, const Span& at) {
    lexical::DecodedString decoded = lexical::decode_string_literal(literal);
    for (const lexical::BadEscape& bad : decoded.bad_escapes) {
      // A string never spans lines, so the escape is on the literal's line.
      Span s = at;
      s.offset += u32(bad.offset);
      s.column += u32(bad.offset);
      s.length = u32(bad.length);
      report(make_diagnostic(DiagCode::BadEscape, s, {literal.substr(bad.offset, bad.length)}));
    }
    return std::move(decoded.value);
  }

  template <typename In>
  [[nodiscard]] ast::Name name(const In& in) {
    const Span s = span(in);
    const std::string_view text = in.string_view();
    if (!text.empty() && text.front() == '"') return ast::Name{decode(text, s), s};
    return ast::Name{std::string(text), s};
  }

  [[nodiscard]] std::vector<ast::Name> take_names() { return std::exchange(names, {}); }

  // ------------------------------------------------ annotations

  std::vector<PendingAnnotation> annotations;
  ast::Name annotation_name;
  std::optional<ast::Name> annotation_value;  // set by an annotation's `("...")`

  // Checks the annotations written before (or after) a construct against what
  // it allows, reports the others, and returns the allowed ones.
  TakenAnnotations take_annotations(Place place, unsigned allowed) {
    TakenAnnotations taken;
    struct Known {
      std::string_view name;
      Allowed bit;
      std::optional<ast::Name> TakenAnnotations::*slot;
      bool takes_argument;  // @id("...") vs the flag @sensitive
    };
    static constexpr Known kKnown[] = {
        {"id", kId, &TakenAnnotations::id, true},
        {"table", kTable, &TakenAnnotations::table, true},
        {"tenant_column", kTenantColumn, &TakenAnnotations::tenant_column, true},
        {"column", kColumn, &TakenAnnotations::column, true},
        {"sensitive", kSensitive, &TakenAnnotations::sensitive, false}};
    for (PendingAnnotation& a : std::exchange(annotations, {})) {
      const auto known = std::find_if(std::begin(kKnown), std::end(kKnown),
                                      [&](const Known& k) { return k.name == a.name.text; });
      if (known == std::end(kKnown)) {
        report(make_diagnostic(DiagCode::UnknownAnnotation, a.name.span,
                               {a.name.text, expected_text(allowed)}));
      } else if ((allowed & known->bit) == 0) {
        report(make_diagnostic(DiagCode::AnnotationNotAllowed, a.span, {a.name.text, place.on}));
      } else if (known->takes_argument && !a.value) {
        report(
            make_diagnostic(DiagCode::AnnotationNeedsArgument, a.span, {a.name.text, a.name.text}));
      } else if (!known->takes_argument && a.value) {
        report(make_diagnostic(DiagCode::AnnotationTakesNoArgument, a.span,
                               {a.name.text, a.name.text}));
      } else if (taken.*(known->slot)) {
        report(make_diagnostic(DiagCode::DuplicateClause, a.span, {"@" + a.name.text, place.noun}));
      } else {
        taken.*(known->slot) = known->takes_argument
                                   ? std::move(a.value)
                                   : std::optional(ast::Name{a.name.text, a.span});
      }
    }
    return taken;
  }

  std::optional<ast::Annotation> take_id(Place place) {
    std::optional<ast::Name> id = take_annotations(place, kId).id;
    if (!id) return std::nullopt;
    return ast::Annotation{std::move(*id)};
  }

  void reject_annotations(Place place) { (void)take_annotations(place, kNone); }

  // ------------------------------------------------ expressions

  std::vector<Operand> operands;
  std::vector<std::size_t> list_marks;  // operand stack size at each open '['
  std::vector<Span> not_spans;          // every negation operator not yet applied
  std::vector<std::size_t> not_runs;    // how many of them each `!!..` run holds
  std::size_t run_length = 0;           // negations in the run being read
  std::size_t paren_depth = 0;
  ast::Name attribute;  // after '.' or 'has'
  ast::Name enabled_feature;

  void push(ast::Expr::Node node, Span at, std::size_t depth = 1) {
    auto expr = std::make_unique<ast::Expr>();
    expr->node = std::move(node);
    expr->span = at;
    operands.push_back(Operand{std::move(expr), depth, depth, std::nullopt});
  }

  [[nodiscard]] Operand pop() {
    Operand top = std::move(operands.back());
    operands.pop_back();
    return top;
  }

  void enter_paren(const Span& at) {
    if (++paren_depth > limits_.max_nesting) nesting_too_deep(at);
  }
  void leave_paren() { --paren_depth; }

  void binary(ast::BinaryOp op, Span op_span) {
    Operand rhs = pop();
    Operand lhs = pop();
    const std::size_t depth = std::max(lhs.depth, rhs.depth) + 1;
    const bool chains = op == ast::BinaryOp::And || op == ast::BinaryOp::Or;
    const bool continues = chains && lhs.chain == op;  // `... || b` after `a || ...`
    const std::size_t nesting =
        std::max(continues ? lhs.nesting : lhs.nesting + 1, rhs.nesting + 1);
    if (nesting > limits_.max_nesting) nesting_too_deep(op_span);
    if (depth > limits_.max_expression_depth) {
      throw g::SyntaxFailure(DiagCode::ExpressionTooLong, op_span,
                             std::to_string(limits_.max_expression_depth));
    }
    const Span whole = join(lhs.expr->span, rhs.expr->span);
    auto expr = std::make_unique<ast::Expr>();
    expr->node = ast::Binary{op, std::move(lhs.expr), std::move(rhs.expr), op_span};
    expr->span = whole;
    operands.push_back(Operand{std::move(expr), depth, nesting,
                               chains ? std::optional<ast::BinaryOp>(op) : std::nullopt});
  }

  void apply_negations() {
    const std::size_t count = not_runs.back();
    not_runs.pop_back();
    Operand operand = pop();
    for (std::size_t i = 0; i < count; ++i) {
      const Span op = not_spans.back();
      not_spans.pop_back();
      ++operand.depth;
      if (++operand.nesting > limits_.max_nesting) nesting_too_deep(op);
      operand.chain.reset();
      const Span whole = join(op, operand.expr->span);
      auto expr = std::make_unique<ast::Expr>();
      expr->node = ast::Not{std::move(operand.expr)};
      expr->span = whole;
      operand.expr = std::move(expr);
    }
    operands.push_back(std::move(operand));
  }

  [[nodiscard]] ast::ExprPtr pop_expression() { return pop().expr; }

  // ------------------------------------------------ clauses of the statement being read

  const char* statement = "";
  std::optional<std::vector<ast::Name>> clause_roles;
  ast::ExprPtr clause_when;
  ast::ExprPtr clause_unless;
  std::optional<std::vector<ast::Name>> clause_features;

  void start_clauses(const char* statement_noun) {
    statement = statement_noun;
    clause_roles.reset();
    clause_when.reset();
    clause_unless.reset();
    clause_features.reset();
  }

  template <typename T>
  void set_clause(std::optional<T>& slot, T value, const char* keyword, const Span& at) {
    if (slot) {
      report(make_diagnostic(DiagCode::DuplicateClause, at, {keyword, statement}));
      return;
    }
    slot = std::move(value);
  }
  void set_clause(ast::ExprPtr& slot, ast::ExprPtr value, const char* keyword, const Span& at) {
    if (slot) {
      report(make_diagnostic(DiagCode::DuplicateClause, at, {keyword, statement}));
      return;
    }
    slot = std::move(value);
  }

  [[nodiscard]] std::vector<ast::Name> roles() {
    return clause_roles ? std::move(*clause_roles) : std::vector<ast::Name>{};
  }

  // ------------------------------------------------ declarations being read

  std::vector<ast::Name> names;  // the comma list being read
  ast::Name decl_name;
  std::vector<ast::Name> extends;
  ast::Body body;
  bool discard = false;  // a declaration in the wrong kind of file: parsed, not kept

  ast::ActionsDecl actions;
  ast::RoleDecl role;
  ast::TransitionDecl transition;
  ast::FeatureDecl feature;
  ast::PlanDecl plan;
  ast::LifecycleDecl lifecycle;
  bool states_seen = false;
  ast::LifecycleEdge edge;
  ast::RuleDecl rule;

  ast::SchemaDecl schema;
  ast::ResourceDecl resource;
  std::vector<ast::AttributeDecl> attributes;
  ast::AttributeDecl attribute_decl;
  ast::Type type;

  ast::TestDecl test;
  ast::Expectation expect;
  ast::Name step_name;
  std::vector<ast::TestValue> values;
  std::vector<std::size_t> value_marks;
  ast::Name field_key;
  std::vector<ast::TestField> fields;
  ast::TestObject object;

  void start_top_level(const char* what, bool allowed_here, const Span& at) {
    reject_annotations(Place{"on a top-level declaration", "declaration"});
    discard = !allowed_here;
    if (allowed_here) return;
    if (is_test_file_) {
      report(make_diagnostic(DiagCode::DeclarationInTestFile, at, {what}));
    } else {
      report(make_diagnostic(DiagCode::TestOutsideTestFile, at));
    }
  }

  [[nodiscard]] bool is_test_file() const { return is_test_file_; }

  // After a syntax error: drop the half-read pieces (the statement objects are
  // reset by the next statement's keyword).
  void reset_scratch() {
    names.clear();
    annotations.clear();
    annotation_value.reset();
    operands.clear();
    list_marks.clear();
    not_spans.clear();
    not_runs.clear();
    run_length = 0;
    paren_depth = 0;
    values.clear();
    value_marks.clear();
    fields.clear();
  }

 private:
  static std::string expected_text(unsigned allowed) {
    if (allowed == kNone) allowed = kId | kTable | kTenantColumn | kColumn | kSensitive;
    std::string text;
    const auto add = [&](unsigned bit, const char* name) {
      if ((allowed & bit) == 0) return;
      if (!text.empty()) text += " or ";
      text += name;
    };
    add(kId, "@id");
    add(kTable, "@table");
    add(kTenantColumn, "@tenant_column");
    add(kColumn, "@column");
    add(kSensitive, "@sensitive");
    return text;
  }

  FileId file_;
  bool is_test_file_;
  const ParseLimits& limits_;
};

// ---------------------------------------------------------------- control: syntax errors in words

template <typename Rule>
struct control : p::normal<Rule> {
  template <typename ParseInput>
  [[noreturn]] static void raise(const ParseInput& in, Builder& b) {
    if constexpr (never_fails<typename Rule::rule_t>) {
      throw g::SyntaxFailure(DiagCode::SyntaxError, b.span_at(in.iterator(), 0),
                             "internal parser error");
    } else {
      static_assert(!g::error_message<Rule>.empty(),
                    "every rule that can be required needs a message");
      Span at;
      if constexpr (std::is_same_v<Rule, g::unterminated_comment>) {
        // Raised just after the "/*": point at it.
        at = b.span_at(in.iterator(), 2);
        at.offset -= 2;
        at.column -= 2;
      } else if constexpr (std::is_same_v<Rule, g::string_rest>) {
        // Raised at the end of the line the string should have ended on.
        at = b.span_at(in.iterator(), token_length(in.current(), in.end()));
      } else {
        const p::internal::iterator token = next_token(in.iterator(), in.end());
        at = token.data == in.end() ? end_of_last_token(in.begin(), token, b)
                                    : b.span_at(token, token_length(token.data, in.end()));
      }
      throw g::SyntaxFailure(DiagCode::SyntaxError, at, std::string(g::error_message<Rule>));
    }
  }
};

// ---------------------------------------------------------------- actions

template <typename Rule>
struct action : p::nothing<Rule> {};

// An action that only stores the matched name somewhere.
#define TENET_NAME_ACTION(rule, target)           \
  template <>                                     \
  struct action<g::rule> {                        \
    template <typename In>                        \
    static void apply(const In& in, Builder& b) { \
      target = b.name(in);                        \
    }                                             \
  }

template <>
struct action<g::list_name> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.names.push_back(b.name(in));
  }
};

// ---- annotations

template <>
struct action<g::annotation_name> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.annotation_name = ast::Name{in.string(), b.span(in)};
  }
};
TENET_NAME_ACTION(annotation_value, b.annotation_value);
template <>
struct action<g::annotation> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.annotations.push_back(PendingAnnotation{
        std::move(b.annotation_name), std::exchange(b.annotation_value, std::nullopt), b.span(in)});
  }
};

// ---- expressions

template <>
struct action<g::string_literal> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    const Span s = b.span(in);
    b.push(ast::StringLiteral{b.decode(in.string_view(), s)}, s);
  }
};
template <>
struct action<g::int_literal> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    const Span s = b.span(in);
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(in.begin(), in.end(), value);
    if (error != std::errc() || end != in.end()) {
      b.report(make_diagnostic(DiagCode::IntegerOutOfRange, s, {in.string_view()}));
      value = 0;
    }
    b.push(ast::IntLiteral{value}, s);
  }
};
template <>
struct action<g::true_literal> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.push(ast::BoolLiteral{true}, b.span(in));
  }
};
template <>
struct action<g::false_literal> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.push(ast::BoolLiteral{false}, b.span(in));
  }
};
template <>
struct action<g::list_open> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.list_marks.push_back(b.operands.size());
  }
};
template <>
struct action<g::list_literal> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    const std::size_t mark = b.list_marks.back();
    b.list_marks.pop_back();
    ast::ListLiteral list;
    list.items.reserve(b.operands.size() - mark);
    for (std::size_t i = mark; i < b.operands.size(); ++i)
      list.items.push_back(std::move(b.operands[i].expr));
    b.operands.resize(mark);
    b.push(std::move(list), b.span(in), 2);
  }
};

template <typename Entity>
inline constexpr ast::Entity entity_of = ast::Entity::Principal;
template <>
inline constexpr ast::Entity entity_of<g::kw_resource> = ast::Entity::Resource;
template <>
inline constexpr ast::Entity entity_of<g::kw_context> = ast::Entity::Context;

template <typename Entity>
struct action<g::attribute_name<Entity>> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.attribute = ast::Name{in.string(), b.span(in)};
  }
};
template <typename Entity>
struct action<g::attribute_ref<Entity>> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.push(ast::AttributeRef{entity_of<Entity>, std::move(b.attribute)}, b.span(in));
  }
};
template <typename Entity>
struct action<g::has_name<Entity>> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.attribute = ast::Name{in.string(), b.span(in)};
  }
};
template <typename Entity>
struct action<g::has_attribute<Entity>> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.push(ast::HasAttribute{entity_of<Entity>, std::move(b.attribute)}, b.span(in));
  }
};
TENET_NAME_ACTION(enabled_feature, b.enabled_feature);
template <>
struct action<g::enabled_call> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.push(ast::EnabledCall{std::move(b.enabled_feature)}, b.span(in));
  }
};
template <>
struct action<g::paren_open> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.enter_paren(b.span(in));
  }
};
template <>
struct action<g::paren_group> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.leave_paren();
    b.operands.back().expr->span = b.span(in);  // the span includes the parentheses
    b.operands.back().chain.reset();            // `(a || b) || c` nests for real
  }
};

template <>
struct action<g::comparison_tail> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    struct Op {
      std::string_view text;
      ast::BinaryOp op;
    };
    // Longest first: "<=" before "<".
    static constexpr Op kOps[] = {{"==", ast::BinaryOp::Eq}, {"!=", ast::BinaryOp::Ne},
                                  {"<=", ast::BinaryOp::Le}, {">=", ast::BinaryOp::Ge},
                                  {"<", ast::BinaryOp::Lt},  {">", ast::BinaryOp::Gt},
                                  {"in", ast::BinaryOp::In}, {"contains", ast::BinaryOp::Contains}};
    const std::string_view text = in.string_view();
    for (const Op& op : kOps) {
      if (text.starts_with(op.text)) {
        b.binary(op.op, b.span_at(in.iterator(), op.text.size()));
        return;
      }
    }
  }
};
template <>
struct action<g::and_tail> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.binary(ast::BinaryOp::And,
             b.span_at(in.iterator(), in.string_view().starts_with("&&") ? 2 : 3));
  }
};
template <>
struct action<g::or_tail> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.binary(ast::BinaryOp::Or, b.span_at(in.iterator(), 2));
  }
};
template <>
struct action<g::not_op> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.not_spans.push_back(b.span(in));
    ++b.run_length;
  }
};
template <>
struct action<g::not_ops> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.not_runs.push_back(std::exchange(b.run_length, 0));
  }
};
template <>
struct action<g::negation> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.apply_negations();
  }
};

// ---- clauses

template <>
struct action<g::for_clause> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.set_clause(b.clause_roles, b.take_names(), "for", b.span(in));
  }
};
template <>
struct action<g::by_clause> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.set_clause(b.clause_roles, b.take_names(), "by", b.span(in));
  }
};
template <>
struct action<g::when_clause> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.set_clause(b.clause_when, b.pop_expression(), "when", b.span(in));
  }
};
template <>
struct action<g::unless_clause> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.set_clause(b.clause_unless, b.pop_expression(), "unless", b.span(in));
  }
};
template <>
struct action<g::requires_clause> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.set_clause(b.clause_features, b.take_names(), "requires feature", b.span(in));
  }
};

// ---- actions declarations (schema and bodies)

template <>
struct action<g::actions_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.actions = {};
    b.reject_annotations(Place{"on an actions declaration", "actions declaration"});
  }
};
template <>
struct action<g::declared_actions> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.actions.actions = b.take_names();
  }
};
template <>
struct action<g::actions_types> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.actions.types = b.take_names();
  }
};
template <typename Owner>
struct action<g::actions_decl<Owner>> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.actions.span = b.span(in);
    if constexpr (std::is_same_v<Owner, g::kw_schema>) {
      b.schema.actions.push_back(std::move(b.actions));
    } else {
      b.body.actions.push_back(std::move(b.actions));
    }
  }
};

// ---- tenant bodies

template <>
struct action<g::role_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.role = {};
    b.reject_annotations(Place{"on a role declaration", "role declaration"});
  }
};
TENET_NAME_ACTION(role_name, b.role.name);
template <>
struct action<g::role_parents> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.role.parents = b.take_names();
  }
};
template <>
struct action<g::role_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.role.span = b.span(in);
    b.body.roles.push_back(std::move(b.role));
  }
};

template <>
struct action<g::transition_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.transition = {};
    b.transition.annotation = b.take_id(Place{"on a transition", "transition"});
    b.start_clauses("transition");
  }
};
TENET_NAME_ACTION(transition_from, b.transition.from);
TENET_NAME_ACTION(transition_to, b.transition.to);
template <>
struct action<g::transition_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.transition.condition = std::move(b.clause_when);
    b.transition.span = b.span(in);
    b.body.transitions.push_back(std::move(b.transition));
  }
};

template <>
struct action<g::feature_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.feature = {};
    b.reject_annotations(Place{"on a feature declaration", "feature declaration"});
    b.start_clauses("feature declaration");
  }
};
TENET_NAME_ACTION(feature_name, b.feature.name);
template <>
struct action<g::feature_on> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.feature.default_on = true;
  }
};
template <>
struct action<g::feature_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.feature.roles = b.roles();
    b.feature.condition = std::move(b.clause_when);
    b.feature.span = b.span(in);
    b.body.features.push_back(std::move(b.feature));
  }
};

template <>
struct action<g::plan_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.plan = {};
    b.plan.annotation = b.take_id(Place{"on a plan", "plan"});
    b.start_clauses("plan");
  }
};
TENET_NAME_ACTION(plan_name, b.plan.name);
template <>
struct action<g::plan_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.plan.roles = b.roles();
    b.plan.condition = std::move(b.clause_when);
    if (b.clause_features) b.plan.required_features = std::move(*b.clause_features);
    b.plan.span = b.span(in);
    b.body.plans.push_back(std::move(b.plan));
  }
};

template <>
struct action<g::lifecycle_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.lifecycle = {};
    b.states_seen = false;
    b.reject_annotations(Place{"on a lifecycle", "lifecycle"});
  }
};
TENET_NAME_ACTION(lifecycle_type, b.lifecycle.resource_type);
template <>
struct action<g::states_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.reject_annotations(Place{"on a 'states' clause", "'states' clause"});
  }
};
template <>
struct action<g::states_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    if (!b.states_seen) b.lifecycle.states_span = b.span(in);
    b.states_seen = true;
    for (ast::Name& state : b.take_names()) b.lifecycle.states.push_back(std::move(state));
  }
};
template <>
struct action<g::initial_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.reject_annotations(Place{"on an 'initial' clause", "'initial' clause"});
  }
};
template <>
struct action<g::initial_state> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    ast::Name state = b.name(in);
    if (b.lifecycle.initial) {
      b.report(make_diagnostic(DiagCode::DuplicateClause, state.span, {"initial", "lifecycle"}));
      return;
    }
    b.lifecycle.initial = std::move(state);
  }
};
template <>
struct action<g::edge_from> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.edge = {};
    b.edge.annotation = b.take_id(Place{"on a lifecycle edge", "lifecycle edge"});
    b.edge.from = b.take_names();
    b.start_clauses("lifecycle edge");
  }
};
TENET_NAME_ACTION(edge_to, b.edge.to);
template <>
struct action<g::edge_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.edge.roles = b.roles();
    b.edge.condition = std::move(b.clause_when);
    b.edge.span = b.span(in);
    b.lifecycle.edges.push_back(std::move(b.edge));
  }
};
template <>
struct action<g::lifecycle_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.lifecycle.span = b.span(in);
    if (!b.states_seen) b.lifecycle.states_span = b.lifecycle.span;
    b.body.lifecycles.push_back(std::move(b.lifecycle));
  }
};

template <typename Effect>
inline constexpr ast::Effect effect_of = ast::Effect::Permit;
template <>
inline constexpr ast::Effect effect_of<g::kw_forbid> = ast::Effect::Forbid;

template <typename Effect>
struct action<g::rule_kw<Effect>> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    const bool permit = effect_of<Effect> == ast::Effect::Permit;
    b.rule = {};
    b.rule.effect = effect_of<Effect>;
    b.rule.annotation = b.take_id(permit ? Place{"on a permit rule", "permit rule"}
                                         : Place{"on a forbid rule", "forbid rule"});
    b.start_clauses(permit ? "permit rule" : "forbid rule");
  }
};
template <>
struct action<g::all_actions> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.rule.all_actions = true;
  }
};
template <>
struct action<g::rule_actions> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.rule.actions = b.take_names();
  }
};
template <>
struct action<g::all_types> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.rule.all_types = true;
  }
};
template <>
struct action<g::rule_types> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.rule.types = b.take_names();
  }
};
template <typename Effect>
struct action<g::rule_decl<Effect>> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.rule.roles = b.roles();
    b.rule.when = std::move(b.clause_when);
    b.rule.unless = std::move(b.clause_unless);
    b.rule.span = b.span(in);
    b.body.rules.push_back(std::move(b.rule));
  }
};

// ---- tenants and templates

template <>
struct action<g::extends_templates> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.extends = b.take_names();
  }
};
template <>
struct action<g::tenant_kw> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.body = {};
    b.extends.clear();
    b.start_top_level("a tenant", !b.is_test_file(), b.span(in));
  }
};
TENET_NAME_ACTION(tenant_name, b.decl_name);
template <>
struct action<g::tenant_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    if (b.discard) return;
    b.out.tenants.push_back(ast::TenantDecl{std::move(b.decl_name), std::move(b.extends),
                                            std::move(b.body), b.span(in)});
  }
};
template <>
struct action<g::template_kw> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.body = {};
    b.extends.clear();
    b.start_top_level("a template", !b.is_test_file(), b.span(in));
  }
};
TENET_NAME_ACTION(template_name, b.decl_name);
template <>
struct action<g::template_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    if (b.discard) return;
    b.out.templates.push_back(ast::TemplateDecl{std::move(b.decl_name), std::move(b.extends),
                                                std::move(b.body), b.span(in)});
  }
};

// ---- schema

template <>
struct action<g::schema_kw> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.schema = {};
    b.start_top_level("a schema", !b.is_test_file(), b.span(in));
  }
};
template <>
struct action<g::schema_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.schema.span = b.span(in);
    if (!b.discard) b.out.schemas.push_back(std::move(b.schema));
  }
};
template <>
struct action<g::schema_principal_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.attributes.clear();
    b.reject_annotations(Place{"on 'principal'", "principal block"});
  }
};
template <>
struct action<g::principal_block> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    std::move(b.attributes.begin(), b.attributes.end(), std::back_inserter(b.schema.principal));
    b.attributes.clear();
  }
};
template <>
struct action<g::schema_context_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.attributes.clear();
    b.reject_annotations(Place{"on 'context'", "context block"});
  }
};
template <>
struct action<g::context_block> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    std::move(b.attributes.begin(), b.attributes.end(), std::back_inserter(b.schema.context));
    b.attributes.clear();
  }
};
template <>
struct action<g::schema_resource_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.attributes.clear();
    b.resource = {};
    b.reject_annotations(
        Place{"before 'resource' (write @table and @tenant_column after the type name)",
              "resource declaration"});
  }
};
TENET_NAME_ACTION(resource_type_name, b.resource.type_name);
template <>
struct action<g::resource_annotations> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    TakenAnnotations taken =
        b.take_annotations(Place{"on a resource type", "resource type"}, kTable | kTenantColumn);
    b.resource.table = std::move(taken.table);
    b.resource.tenant_column = std::move(taken.tenant_column);
  }
};
template <>
struct action<g::resource_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.resource.attributes = std::move(b.attributes);
    b.attributes.clear();
    b.resource.span = b.span(in);
    b.schema.resources.push_back(std::move(b.resource));
  }
};
template <>
struct action<g::attribute_decl_name> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.attribute_decl = {};
    b.type = {};
    b.reject_annotations(
        Place{"before an attribute (write @column and @sensitive after its type)", "attribute"});
    b.attribute_decl.name = ast::Name{in.string(), b.span(in)};
  }
};
template <>
struct action<g::attribute_optional> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.attribute_decl.optional = true;
  }
};
template <ast::WrittenType Kind>
struct set_type_kind {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.type.kind = Kind;
  }
};
template <>
struct action<g::type_bool> : set_type_kind<ast::WrittenType::Bool> {};
template <>
struct action<g::type_int> : set_type_kind<ast::WrittenType::Int> {};
template <>
struct action<g::type_string> : set_type_kind<ast::WrittenType::String> {};
template <>
struct action<g::set_of_string> : set_type_kind<ast::WrittenType::SetOfString> {};
template <>
struct action<g::set_of_int> : set_type_kind<ast::WrittenType::SetOfInt> {};
template <>
struct action<g::enum_member> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.type.kind = ast::WrittenType::Enum;
    b.type.members.push_back(b.name(in));
  }
};
template <>
struct action<g::attribute_type> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.type.span = b.span(in);
    b.attribute_decl.type = std::move(b.type);
  }
};
template <>
struct action<g::attribute_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    TakenAnnotations taken =
        b.take_annotations(Place{"on an attribute", "attribute"}, kColumn | kSensitive);
    b.attribute_decl.column = std::move(taken.column);
    if (taken.sensitive) b.attribute_decl.sensitive = taken.sensitive->span;
    b.attribute_decl.span = b.span(in);
    b.attributes.push_back(std::move(b.attribute_decl));
  }
};

// ---- tests

template <typename In>
ast::TestValue test_value(const In& in, const Builder& b, ast::TestValue::Kind kind) {
  ast::TestValue value;
  value.kind = kind;
  value.span = b.span(in);
  return value;
}
template <>
struct action<g::value_string> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    ast::TestValue value = test_value(in, b, ast::TestValue::Kind::String);
    value.text = b.decode(in.string_view(), value.span);
    b.values.push_back(std::move(value));
  }
};
template <>
struct action<g::value_int> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    ast::TestValue value = test_value(in, b, ast::TestValue::Kind::Int);
    const auto [end, error] = std::from_chars(in.begin(), in.end(), value.integer);
    if (error != std::errc() || end != in.end()) {
      b.report(make_diagnostic(DiagCode::IntegerOutOfRange, value.span, {in.string_view()}));
      value.integer = 0;
    }
    b.values.push_back(std::move(value));
  }
};
template <bool Value>
struct bool_value {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    ast::TestValue value = test_value(in, b, ast::TestValue::Kind::Bool);
    value.boolean = Value;
    b.values.push_back(std::move(value));
  }
};
template <>
struct action<g::value_true> : bool_value<true> {};
template <>
struct action<g::value_false> : bool_value<false> {};
template <>
struct action<g::value_name> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    ast::TestValue value = test_value(in, b, ast::TestValue::Kind::Name);
    value.text = in.string();
    b.values.push_back(std::move(value));
  }
};
template <>
struct action<g::value_list_open> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.value_marks.push_back(b.values.size());
  }
};
template <>
struct action<g::value_list> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    const std::size_t mark = b.value_marks.back();
    b.value_marks.pop_back();
    ast::TestValue list = test_value(in, b, ast::TestValue::Kind::List);
    list.items.assign(std::make_move_iterator(b.values.begin() + static_cast<std::ptrdiff_t>(mark)),
                      std::make_move_iterator(b.values.end()));
    b.values.resize(mark);
    b.values.push_back(std::move(list));
  }
};
template <>
struct action<g::field_key> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.field_key = ast::Name{in.string(), b.span(in)};
  }
};
template <>
struct action<g::field> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.fields.push_back(ast::TestField{std::move(b.field_key), std::move(b.values.back())});
    b.values.pop_back();
  }
};
template <>
struct action<g::object_open> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.fields.clear();
    b.values.clear();
  }
};
template <>
struct action<g::object> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.object = ast::TestObject{std::exchange(b.fields, {}), b.span(in)};
  }
};

template <>
struct action<g::test_kw> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.test = {};
    b.start_top_level("a test", b.is_test_file(), b.span(in));
  }
};
TENET_NAME_ACTION(test_name, b.test.name);
TENET_NAME_ACTION(test_tenant_name, b.step_name);
template <>
struct action<g::test_tenant_step> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.test.steps.emplace_back(ast::TestTenant{std::move(b.step_name), b.span(in)});
  }
};
template <>
struct action<g::test_principal_step> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.test.steps.emplace_back(ast::TestPrincipal{std::move(b.object), b.span(in)});
  }
};
template <>
struct action<g::test_context_step> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.test.steps.emplace_back(ast::TestContext{std::move(b.object), b.span(in)});
  }
};
template <>
struct action<g::expect_kw> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.expect = {};
  }
};
template <>
struct action<g::expect_allow> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.expect.allow = true;
  }
};
template <ast::ExpectKind Kind>
struct set_expect_kind {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.expect.kind = Kind;
    if constexpr (Kind == ast::ExpectKind::Check || Kind == ast::ExpectKind::Lifecycle) {
      b.expect.resource = std::move(b.object);
    }
  }
};
template <>
struct action<g::expect_plans_kw> : set_expect_kind<ast::ExpectKind::Plans> {};
template <>
struct action<g::expect_features_kw> : set_expect_kind<ast::ExpectKind::Features> {};
template <>
struct action<g::expect_check> : set_expect_kind<ast::ExpectKind::Check> {};
template <>
struct action<g::expect_transition> : set_expect_kind<ast::ExpectKind::Transition> {};
template <>
struct action<g::expect_lifecycle> : set_expect_kind<ast::ExpectKind::Lifecycle> {};
template <>
struct action<g::expect_subscribe> : set_expect_kind<ast::ExpectKind::Subscribe> {};
template <>
struct action<g::expect_names> {
  template <typename In>
  static void apply(const In& /*in*/, Builder& b) {
    b.expect.names = b.take_names();
  }
};
TENET_NAME_ACTION(expect_action, b.expect.action);
TENET_NAME_ACTION(expect_type, b.expect.resource_type);
TENET_NAME_ACTION(expect_target_role, b.expect.target);
TENET_NAME_ACTION(expect_target_state, b.expect.target);
TENET_NAME_ACTION(expect_target_plan, b.expect.target);
template <>
struct action<g::expect_step> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.expect.span = b.span(in);
    b.test.steps.emplace_back(std::move(b.expect));
  }
};
template <>
struct action<g::test_decl> {
  template <typename In>
  static void apply(const In& in, Builder& b) {
    b.test.span = b.span(in);
    if (!b.discard) b.out.tests.push_back(std::move(b.test));
  }
};

#undef TENET_NAME_ACTION

// ---------------------------------------------------------------- entry

[[nodiscard]] Span point(FileId file, std::string_view text, std::size_t offset) {
  Span s{file, u32(offset), 1, 1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++s.line;
      s.column = 1;
    } else {
      ++s.column;
    }
  }
  return s;
}

[[nodiscard]] std::string hex_byte(unsigned char byte) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return {kDigits[byte >> 4], kDigits[byte & 0xF]};
}

}  // namespace

ParseResult parse_file(const SourceSet& sources, FileId file, bool is_test_file,
                       const ParseLimits& limits) {
  const SourceFile& source = sources.file(file);
  const std::string_view text = source.text;
  ParseResult result;

  const std::size_t max_bytes =
      std::min<std::size_t>(limits.max_file_bytes, std::numeric_limits<std::uint32_t>::max());
  if (text.size() > max_bytes) {
    auto empty = std::make_shared<ast::File>();
    empty->file = file;
    result.file = std::move(empty);
    result.diagnostics.push_back(
        // Only the limit: the loader reads one byte past it and no further, so
        // the text's size is not the file's.
        make_diagnostic(DiagCode::FileTooLarge, Span{file, 0, 0, 1, 1},
                        {std::to_string(max_bytes)}));
    return result;
  }
  if (const auto bad = lexical::first_invalid_byte(text)) {
    auto empty = std::make_shared<ast::File>();
    empty->file = file;
    result.file = std::move(empty);
    result.diagnostics.push_back(
        make_diagnostic(DiagCode::NotUtf8, point(file, text, *bad),
                        {hex_byte(static_cast<unsigned char>(text[*bad])), std::to_string(*bad)}));
    return result;
  }

  Builder builder(file, is_test_file, limits);
  p::memory_input<p::tracking_mode::eager, p::eol::lf_crlf> in(text.data(), text.size(),
                                                               source.path);
  try {
    (void)p::parse<g::file, action, control>(in, builder);
  } catch (const StopParsing&) {
    // The per-file limit is reached; what was parsed so far stands.
  } catch (const g::SyntaxFailure& failure) {
    // Raised outside every recover<> (e.g. a comment before the first declaration).
    try {
      builder.report_failure(failure);
    } catch (const StopParsing&) {
    }
  } catch (const std::exception& e) {
    // Not expected (parse_error cannot come out of our Control; bad_alloc can):
    // still never let an exception leave the parser.
    builder.diagnostics.push_back(
        make_diagnostic(DiagCode::SyntaxError, Span{file, 0, 0, 1, 1},
                        {std::string("internal parser error: ") + e.what()}));
  }
  result.file = std::make_shared<const ast::File>(std::move(builder.out));
  result.diagnostics = std::move(builder.diagnostics);
  return result;
}

std::size_t grammar_analysis_issues() { return p::analyze<g::file>(1); }

}  // namespace tenet::grammar
