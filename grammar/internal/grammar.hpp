// The PEGTL grammar of a .tenet file (docs/LANGUAGE.md §2-6, §10 and §11).
//
// Internal to the grammar folder: included only by parser.cpp (which attaches
// the actions that build the AST) and syntax_errors.hpp (which words the
// errors). Rules are stateless types; nothing here is mutable.
//
// Conventions that the spans in the AST rely on:
//  - every rule starts at a token and ends at the end of a token; blanks and
//    comments (`skip`) are consumed only *before* a following element, never
//    at the end of a rule, so an action's input is exactly the source text of
//    its construct;
//  - after a committing keyword the rest of a construct is wrapped in must<>
//    (via if_must<>), so a mistake is reported where it is instead of making
//    the parser backtrack; every rule that can be must<>'d has a distinct type
//    with its own message in syntax_errors.hpp;
//  - statements are wrapped in `recover<>`, which turns a syntax error into a
//    diagnostic and skips to the next statement (see below).
#pragma once

#include <array>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>
#include <utility>

#include "grammar/source/diagnostic.hpp"
#include "grammar/source/source.hpp"

namespace tenet::grammar {

namespace p = tao::pegtl;

// ---------------------------------------------------------------- failures

// Thrown by the parser's Control::raise and by actions (nesting limit); caught
// by `recover<>` (or by parse_file) and turned into a diagnostic. Carries the
// finished Span so catching it never needs the input.
struct SyntaxFailure : std::exception {
  SyntaxFailure(DiagCode c, Span s, std::string m) : code(c), span(s), message(std::move(m)) {}
  [[nodiscard]] const char* what() const noexcept override { return message.c_str(); }
  DiagCode code;
  Span span;
  std::string message;  // the argument of the code's wording
};

// ---------------------------------------------------------------- lexical

// The keywords of docs/LANGUAGE.md §2; none of them is an identifier.
inline constexpr auto kKeywords = std::to_array<std::string_view>(
    {"schema", "principal",  "resource", "context",   "template", "tenant",  "extends",
     "role",   "transition", "feature",  "on",        "off",      "for",     "when",
     "unless", "plan",       "requires", "lifecycle", "states",   "initial", "by",
     "permit", "forbid",     "test",     "expect",    "allow",    "deny",    "true",
     "false",  "in",         "has",      "contains",  "enabled",  "and",     "or",
     "not",    "int",        "bool",     "string",    "set",      "actions"});
static_assert(kKeywords.size() == 41);

[[nodiscard]] constexpr bool is_keyword(std::string_view word) {
  for (const std::string_view keyword : kKeywords) {
    if (keyword == word) return true;
  }
  return false;
}

[[nodiscard]] constexpr bool is_word_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
[[nodiscard]] constexpr bool is_word_char(char c) {
  return is_word_start(c) || (c >= '0' && c <= '9');
}

// Length of the `[A-Za-z_][A-Za-z0-9_]*` word at `begin`, 0 if there is none.
[[nodiscard]] constexpr std::size_t word_length(const char* begin, const char* end) {
  if (begin == end || !is_word_start(*begin)) return 0;
  const char* it = begin + 1;
  while (it != end && is_word_char(*it)) ++it;
  return static_cast<std::size_t>(it - begin);
}

// An identifier: a word that is not a keyword (`rolex` is one, `role` is not).
// A custom rule: one scan and one table look-up instead of 44 keyword rules.
struct identifier {
  using rule_t = identifier;
  using subs_t = p::empty_list;
  template <typename ParseInput>
  [[nodiscard]] static bool match(ParseInput& in) {
    const std::size_t length = word_length(in.current(), in.end());
    if (length == 0 || is_keyword(std::string_view(in.current(), length))) return false;
    in.bump_in_this_line(length);
    return true;
  }
};

// Any word, keywords included: attribute names (`principal.role`,
// `principal.tenant` are built-ins), annotation names, test object keys.
struct word : p::identifier {};

struct kw_schema : TAO_PEGTL_KEYWORD("schema") {};
struct kw_principal : TAO_PEGTL_KEYWORD("principal") {};
struct kw_resource : TAO_PEGTL_KEYWORD("resource") {};
struct kw_context : TAO_PEGTL_KEYWORD("context") {};
struct kw_template : TAO_PEGTL_KEYWORD("template") {};
struct kw_tenant : TAO_PEGTL_KEYWORD("tenant") {};
struct kw_extends : TAO_PEGTL_KEYWORD("extends") {};
struct kw_role : TAO_PEGTL_KEYWORD("role") {};
struct kw_transition : TAO_PEGTL_KEYWORD("transition") {};
struct kw_feature : TAO_PEGTL_KEYWORD("feature") {};
struct kw_on : TAO_PEGTL_KEYWORD("on") {};
struct kw_off : TAO_PEGTL_KEYWORD("off") {};
struct kw_for : TAO_PEGTL_KEYWORD("for") {};
struct kw_when : TAO_PEGTL_KEYWORD("when") {};
struct kw_unless : TAO_PEGTL_KEYWORD("unless") {};
struct kw_plan : TAO_PEGTL_KEYWORD("plan") {};
struct kw_requires : TAO_PEGTL_KEYWORD("requires") {};
struct kw_lifecycle : TAO_PEGTL_KEYWORD("lifecycle") {};
struct kw_states : TAO_PEGTL_KEYWORD("states") {};
struct kw_initial : TAO_PEGTL_KEYWORD("initial") {};
struct kw_by : TAO_PEGTL_KEYWORD("by") {};
struct kw_permit : TAO_PEGTL_KEYWORD("permit") {};
struct kw_forbid : TAO_PEGTL_KEYWORD("forbid") {};
struct kw_test : TAO_PEGTL_KEYWORD("test") {};
struct kw_expect : TAO_PEGTL_KEYWORD("expect") {};
struct kw_allow : TAO_PEGTL_KEYWORD("allow") {};
struct kw_deny : TAO_PEGTL_KEYWORD("deny") {};
struct kw_true : TAO_PEGTL_KEYWORD("true") {};
struct kw_false : TAO_PEGTL_KEYWORD("false") {};
struct kw_in : TAO_PEGTL_KEYWORD("in") {};
struct kw_has : TAO_PEGTL_KEYWORD("has") {};
struct kw_contains : TAO_PEGTL_KEYWORD("contains") {};
struct kw_enabled : TAO_PEGTL_KEYWORD("enabled") {};
struct kw_and : TAO_PEGTL_KEYWORD("and") {};
struct kw_or : TAO_PEGTL_KEYWORD("or") {};
struct kw_not : TAO_PEGTL_KEYWORD("not") {};
struct kw_int : TAO_PEGTL_KEYWORD("int") {};
struct kw_bool : TAO_PEGTL_KEYWORD("bool") {};
struct kw_string : TAO_PEGTL_KEYWORD("string") {};
struct kw_set : TAO_PEGTL_KEYWORD("set") {};
struct kw_actions : TAO_PEGTL_KEYWORD("actions") {};
// Words with a meaning only in test blocks; not keywords (section 2).
struct kw_subscribe : TAO_PEGTL_KEYWORD("subscribe") {};
struct kw_plans : TAO_PEGTL_KEYWORD("plans") {};
struct kw_features : TAO_PEGTL_KEYWORD("features") {};
struct kw_to : TAO_PEGTL_KEYWORD("to") {};

// Comments. An unterminated block comment is reported at its `/*`.
struct unterminated_comment : p::failure {};
struct line_comment : p::seq<p::two<'/'>, p::until<p::eolf>> {};
struct block_comment
    : p::seq<p::string<'/', '*'>,
             p::sor<p::until<p::string<'*', '/'>>, p::raise<unterminated_comment>>> {};
struct blank : p::sor<p::space, line_comment, block_comment> {};
// Blanks and comments between tokens.
struct skip : p::star<blank> {};

// String literal; the escapes are decoded (and bad ones reported) by the
// action, so a typo in one escape does not hide the rest of the file.
struct escape : p::seq<p::one<'\\'>, p::utf8::not_one<'\n', '\r'>> {};
struct string_char : p::sor<escape, p::utf8::not_one<'"', '\\', '\n', '\r'>> {};
struct string_rest : p::until<p::one<'"'>, string_char> {};
struct string_lit : p::if_must<p::one<'"'>, string_rest> {};

// Integer literal; the range check is done by the action.
struct integer : p::seq<p::opt<p::one<'-'>>, p::plus<p::digit>, p::not_at<p::identifier_other>> {};

// A name: an identifier or a string literal.
struct name : p::sor<identifier, string_lit> {};

struct comma : p::one<','> {};

// A name in a comma list; the action appends it to the builder's list.
struct list_name : name {};
// The item after a ',' of list `Tag` (its own message: "expected a role name after ','").
template <typename Tag>
struct next_name : p::seq<list_name> {};
// `NAME {, NAME}`; `Tag` is the list rule itself, which names the context.
template <typename Tag>
struct name_list : p::seq<list_name, p::star<skip, comma, skip, p::must<next_name<Tag>>>> {};

// ---------------------------------------------------------------- annotations

struct annotation_name : word {};
struct annotation_open : p::one<'('> {};
struct annotation_value : string_lit {};
struct annotation_close : p::one<')'> {};
// `("text")` after an annotation's name. Optional in the grammar: whether an
// annotation needs one (`@id("text")`) or takes none (`@sensitive`) is
// checked by the actions, with a message naming the annotation.
struct annotation_argument
    : p::if_must<annotation_open, skip, annotation_value, skip, annotation_close> {};
// `@id("text")`, `@sensitive`; where each annotation is allowed is checked by the actions.
struct annotation : p::if_must<p::one<'@'>, annotation_name, p::opt<skip, annotation_argument>> {};
struct annotations : p::star<annotation, skip> {};

// ---------------------------------------------------------------- expressions

struct expression;

// `principal.x`, `principal has x` — one family per entity so the messages
// can name the entity that was written.
template <typename Entity>
struct attribute_dot : p::one<'.'> {};
template <typename Entity>
struct attribute_name : word {};
template <typename Entity>
struct attribute_ref
    : p::if_must<Entity, skip, attribute_dot<Entity>, skip, attribute_name<Entity>> {};

template <typename Entity>
struct has_name : word {};
// `a == b == c` and `principal has x == y` do not parse: comparisons do not chain.
struct comparison_op;
struct no_chain : p::not_at<skip, comparison_op> {};
template <typename Entity>
struct has_attribute : p::if_must<p::seq<Entity, skip, kw_has>, skip, has_name<Entity>, no_chain> {
};

struct enabled_open : p::one<'('> {};
struct enabled_feature : name {};
struct enabled_close : p::one<')'> {};
struct enabled_call
    : p::if_must<kw_enabled, skip, enabled_open, skip, enabled_feature, skip, enabled_close> {};

struct string_literal : string_lit {};
struct int_literal : integer {};
struct true_literal : kw_true {};
struct false_literal : kw_false {};
struct literal : p::sor<string_literal, int_literal, true_literal, false_literal> {};

struct list_open : p::one<'['> {};
struct list_more : p::seq<literal> {};
struct list_close : p::one<']'> {};
struct list_literal
    : p::if_must<list_open, skip, p::opt<literal, p::star<skip, comma, skip, p::must<list_more>>>,
                 skip, list_close> {};

struct paren_open : p::one<'('> {};
struct paren_expression;
struct paren_close : p::one<')'> {};
struct paren_group : p::if_must<paren_open, skip, paren_expression, skip, paren_close> {};

struct term : p::sor<literal, list_literal, attribute_ref<kw_principal>, attribute_ref<kw_resource>,
                     attribute_ref<kw_context>, enabled_call, paren_group> {};

struct op_eq : p::two<'='> {};
struct op_ne : p::string<'!', '='> {};
struct op_le : p::string<'<', '='> {};
struct op_ge : p::string<'>', '='> {};
struct op_lt : p::one<'<'> {};
struct op_gt : p::one<'>'> {};
struct comparison_op : p::sor<op_eq, op_ne, op_le, op_ge, op_lt, op_gt, kw_in, kw_contains> {};
struct comparison_rhs : p::seq<term> {};
struct comparison_tail : p::if_must<comparison_op, skip, comparison_rhs, no_chain> {};
struct comparison : p::seq<term, p::opt<skip, comparison_tail>> {};

struct cmp : p::sor<has_attribute<kw_principal>, has_attribute<kw_resource>,
                    has_attribute<kw_context>, comparison> {};

// NOT := ("!" | "not") NOT | CMP, parsed as a run of negations then one CMP:
// a loop, not a recursion, so `!!!!...` cannot exhaust the stack.
struct not_op : p::sor<p::seq<p::one<'!'>, p::not_at<p::one<'='>>>, kw_not> {};
struct not_ops : p::seq<not_op, p::star<skip, not_op>> {};
struct negated : p::seq<cmp> {};
struct negation : p::seq<not_ops, skip, p::must<negated>> {};
struct not_expr : p::sor<negation, cmp> {};

struct and_op : p::sor<p::two<'&'>, kw_and> {};
struct and_rhs : p::seq<not_expr> {};
struct and_tail : p::if_must<and_op, skip, and_rhs> {};
struct and_expr : p::seq<not_expr, p::star<skip, and_tail>> {};

struct or_op : p::sor<p::two<'|'>, kw_or> {};
struct or_rhs : p::seq<and_expr> {};
struct or_tail : p::if_must<or_op, skip, or_rhs> {};
struct or_expr : p::seq<and_expr, p::star<skip, or_tail>> {};

struct expression : or_expr {};
struct paren_expression : p::seq<expression> {};

// ---------------------------------------------------------------- recovery

enum class Resume { Statement, TopLevel };

// Where a string literal or comment starting at `i` ends (exclusive); `i`
// itself when none starts there. Used by recovery, which must not take a
// `;` or `}` inside them for the end of a statement.
[[nodiscard]] inline std::size_t skip_opaque(const char* text, std::size_t i, std::size_t n) {
  if (text[i] == '"') {
    ++i;
    while (i < n && text[i] != '"' && text[i] != '\n')
      i += (text[i] == '\\' && i + 1 < n && text[i + 1] != '\n') ? 2 : 1;
    return i < n && text[i] == '"' ? i + 1 : i;
  }
  if (text[i] == '/' && i + 1 < n && text[i + 1] == '/') {
    while (i < n && text[i] != '\n') ++i;
    return i;
  }
  if (text[i] == '/' && i + 1 < n && text[i + 1] == '*') {
    const std::size_t close = std::string_view(text + i + 2, n - i - 2).find("*/");
    return close == std::string_view::npos ? n : i + 2 + close + 2;
  }
  return i;
}

// How many bytes to skip from a syntax error at `error` (inside a statement
// that starts at `statement`) to where parsing can resume.
//  - Statement: just past the next `;` outside braces; just past the `}` that
//    closes a brace opened in this statement (and a `;` right after it, as in
//    `principal { ... };`); or before a `}` that closes the enclosing body.
//  - TopLevel: the same, but a stray `}` is skipped too, and parsing also
//    resumes before `schema`/`template`/`tenant`/`test` at the start of a line.
// Strings and comments are skipped whole. Braces opened between the start of
// the statement and the error count, so an error inside `{ ... }` does not
// stop at that block's own `}`.
template <Resume Mode>
[[nodiscard]] std::size_t resume_distance(const char* statement, const char* error, const char* end,
                                          bool at_line_start) {
  const auto n = static_cast<std::size_t>(end - statement);
  const auto from = static_cast<std::size_t>(error - statement);
  std::size_t depth = 0;
  std::size_t i = 0;
  while (i < from) {
    if (const std::size_t next = skip_opaque(statement, i, n); next != i) {
      i = next;
    } else {
      if (statement[i] == '{') ++depth;
      if (statement[i] == '}' && depth > 0) --depth;
      ++i;
    }
  }
  i = from;
  const auto starts_line = [&](std::size_t at) {
    return at == from ? at_line_start : statement[at - 1] == '\n';
  };
  while (i < n) {
    if (const std::size_t next = skip_opaque(statement, i, n); next != i) {
      i = next;
      continue;
    }
    const char c = statement[i];
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (depth == 0) return (Mode == Resume::Statement ? i : i + 1) - from;
      if (--depth == 0) {
        std::size_t after = i + 1;
        while (after < n && (statement[after] == ' ' || statement[after] == '\t')) ++after;
        return (after < n && statement[after] == ';' ? after + 1 : i + 1) - from;
      }
    } else if (c == ';' && depth == 0) {
      return i + 1 - from;
    } else if constexpr (Mode == Resume::TopLevel) {
      if (depth == 0 && i > from && starts_line(i)) {
        const std::string_view w(statement + i, word_length(statement + i, end));
        if (w == "schema" || w == "template" || w == "tenant" || w == "test") return i - from;
      }
    }
    ++i;
  }
  return n - from;
}

// Parses `Rule`; on a syntax error, reports it through the state
// (`st.report_failure`, which stops the whole parse once the per-file limit is
// reached), resets the state's scratch, and skips to the resume point. Always
// makes progress, so a loop of recover<> cannot spin.
template <typename Rule, Resume Mode>
struct recover {
  using rule_t = recover;
  using subs_t = p::type_list<Rule>;

  template <p::apply_mode A, p::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename State>
  [[nodiscard]] static bool match(ParseInput& in, State& st) {
    const auto start = in.iterator();
    std::size_t error_offset = 0;
    try {
      return Control<Rule>::template match<A, p::rewind_mode::required, Action, Control>(in, st);
    } catch (const SyntaxFailure& failure) {
      st.report_failure(failure);
      error_offset = failure.span.offset;
    }
    st.reset_scratch();
    // Markers may have moved the input while the exception unwound: go back
    // to a known place, then forward to the error.
    in.iterator() = start;
    if (error_offset > start.byte) in.bump(error_offset - start.byte);
    const bool line_start = in.iterator().column == 1;
    in.bump(resume_distance<Mode>(start.data, in.current(), in.end(), line_start));
    if (in.iterator().byte == start.byte) {
      if (in.empty()) return false;
      in.bump(1);
    }
    return true;
  }
};

// ---------------------------------------------------------------- clauses

struct for_roles : name_list<for_roles> {};
struct for_clause : p::if_must<kw_for, skip, for_roles> {};
struct by_roles : name_list<by_roles> {};
struct by_clause : p::if_must<kw_by, skip, by_roles> {};
struct when_expression : p::seq<expression> {};
struct when_clause : p::if_must<kw_when, skip, when_expression> {};
struct unless_expression : p::seq<expression> {};
struct unless_clause : p::if_must<kw_unless, skip, unless_expression> {};
struct requires_feature_kw : kw_feature {};
struct required_features : name_list<required_features> {};
struct requires_clause
    : p::if_must<kw_requires, skip, requires_feature_kw, skip, required_features> {};

// `actions read, write on document, folder;`: in the schema (every tenant's)
// and in tenant and template bodies (the partner's own); `Owner` tells the
// action where to put it.
struct actions_kw : kw_actions {};
struct declared_actions : name_list<declared_actions> {};
struct actions_on : kw_on {};
struct actions_types : name_list<actions_types> {};
struct actions_end : p::one<';'> {};
template <typename Owner>
struct actions_decl : p::if_must<actions_kw, skip, declared_actions, skip, actions_on, skip,
                                 actions_types, skip, actions_end> {};

// ---------------------------------------------------------------- tenant bodies

struct role_kw : kw_role {};
struct role_name : name {};
struct role_parents : name_list<role_parents> {};
struct role_extends : p::if_must<kw_extends, skip, role_parents> {};
struct role_end : p::one<';'> {};
struct role_decl
    : p::if_must<role_kw, skip, role_name, skip, p::opt<role_extends, skip>, role_end> {};

struct transition_kw : kw_transition {};
struct transition_from : name {};
struct transition_arrow : p::string<'-', '>'> {};
struct transition_to : name {};
struct transition_end : p::one<';'> {};
struct transition_decl
    : p::if_must<transition_kw, skip, transition_from, skip, transition_arrow, skip, transition_to,
                 skip, p::opt<when_clause, skip>, transition_end> {};

struct feature_kw : kw_feature {};
struct feature_name : name {};
struct feature_on : kw_on {};
struct feature_off : kw_off {};
struct feature_switch : p::sor<feature_on, feature_off> {};
struct feature_end : p::one<';'> {};
struct feature_decl : p::if_must<feature_kw, skip, feature_name, skip, feature_switch, skip,
                                 p::star<p::sor<for_clause, when_clause>, skip>, feature_end> {};

struct plan_kw : kw_plan {};
struct plan_name : name {};
struct plan_open : p::one<'{'> {};
struct plan_clause_expected : p::failure {};
struct plan_clause_end : p::one<';'> {};
struct plan_clause
    : p::seq<p::sor<for_clause, when_clause, requires_clause, p::raise<plan_clause_expected>>, skip,
             p::must<plan_clause_end>> {};
struct plan_close : p::one<'}'> {};
struct plan_decl : p::if_must<plan_kw, skip, plan_name, skip, plan_open, skip,
                              p::star<p::not_at<p::one<'}'>>, p::not_at<p::eof>,
                                      recover<plan_clause, Resume::Statement>, skip>,
                              plan_close> {};

struct lifecycle_kw : kw_lifecycle {};
struct lifecycle_type : name {};
struct lifecycle_open : p::one<'{'> {};
struct states_kw : kw_states {};
struct state_names : name_list<state_names> {};
struct states_end : p::one<';'> {};
struct states_decl : p::if_must<states_kw, skip, state_names, skip, states_end> {};
struct initial_kw : kw_initial {};
struct initial_state : name {};
struct initial_end : p::one<';'> {};
struct initial_decl : p::if_must<initial_kw, skip, initial_state, skip, initial_end> {};
struct edge_from : name_list<edge_from> {};
struct edge_arrow : p::string<'-', '>'> {};
struct edge_to : name {};
struct edge_end : p::one<';'> {};
struct edge_decl : p::if_must<edge_from, skip, edge_arrow, skip, edge_to, skip,
                              p::star<p::sor<by_clause, when_clause>, skip>, edge_end> {};
struct lifecycle_item_expected : p::failure {};
struct lifecycle_item
    : p::seq<annotations,
             p::sor<states_decl, initial_decl, edge_decl, p::raise<lifecycle_item_expected>>> {};
struct lifecycle_close : p::one<'}'> {};
struct lifecycle_decl : p::if_must<lifecycle_kw, skip, lifecycle_type, skip, lifecycle_open, skip,
                                   p::star<p::not_at<p::one<'}'>>, p::not_at<p::eof>,
                                           recover<lifecycle_item, Resume::Statement>, skip>,
                                   lifecycle_close> {};

// permit / forbid, one family per effect so the messages can say which.
template <typename Effect>
struct rule_kw : Effect {};
struct all_actions : p::one<'*'> {};
struct rule_actions : name_list<rule_actions> {};
template <typename Effect>
struct rule_action_part : p::sor<all_actions, rule_actions> {};
template <typename Effect>
struct rule_on : kw_on {};
struct all_types : p::one<'*'> {};
struct rule_types : name_list<rule_types> {};
template <typename Effect>
struct rule_type_part : p::sor<all_types, rule_types> {};
template <typename Effect>
struct rule_end : p::one<';'> {};
template <typename Effect>
struct rule_decl
    : p::if_must<rule_kw<Effect>, skip, rule_action_part<Effect>, skip, rule_on<Effect>, skip,
                 rule_type_part<Effect>, skip,
                 p::star<p::sor<for_clause, when_clause, unless_clause>, skip>, rule_end<Effect>> {
};

template <typename Owner>
struct body_statement_expected : p::failure {};
template <typename Owner>
struct body_item
    : p::seq<annotations, p::sor<actions_decl<Owner>, role_decl, transition_decl, feature_decl,
                                 plan_decl, lifecycle_decl, rule_decl<kw_permit>,
                                 rule_decl<kw_forbid>, p::raise<body_statement_expected<Owner>>>> {
};
template <typename Owner>
struct body_open : p::one<'{'> {};
template <typename Owner>
struct body_close : p::one<'}'> {};
template <typename Owner>
struct body : p::seq<body_open<Owner>, skip,
                     p::star<p::not_at<p::one<'}'>>, p::not_at<p::eof>,
                             recover<body_item<Owner>, Resume::Statement>, skip>,
                     p::must<body_close<Owner>>> {};

// ---------------------------------------------------------------- top level: tenants, templates

struct extends_templates : name_list<extends_templates> {};
struct extends_clause : p::if_must<kw_extends, skip, extends_templates> {};

struct tenant_kw : kw_tenant {};
struct tenant_name : name {};
struct tenant_decl : p::if_must<tenant_kw, skip, tenant_name, skip, p::opt<extends_clause, skip>,
                                body<kw_tenant>> {};

struct template_kw : kw_template {};
struct template_name : name {};
struct template_decl : p::if_must<template_kw, skip, template_name, skip,
                                  p::opt<extends_clause, skip>, body<kw_template>> {};

// ---------------------------------------------------------------- schema

struct type_bool : kw_bool {};
struct type_int : kw_int {};
struct type_string : kw_string {};
struct set_open : p::one<'<'> {};
struct set_of_string : kw_string {};
struct set_of_int : kw_int {};
struct set_element : p::sor<set_of_string, set_of_int> {};
struct set_close : p::one<'>'> {};
struct type_set : p::if_must<kw_set, skip, set_open, skip, set_element, skip, set_close> {};
struct enum_member : string_lit {};
struct enum_more : p::seq<enum_member> {};
struct type_enum : p::seq<enum_member, p::star<skip, p::one<'|'>, skip, p::must<enum_more>>> {};
struct attribute_type : p::sor<type_bool, type_int, type_string, type_set, type_enum> {};

struct attribute_decl_name : word {};
struct attribute_optional : p::one<'?'> {};
struct attribute_colon : p::one<':'> {};
struct attribute_end : p::one<';'> {};
struct attribute_decl
    : p::if_must<attribute_decl_name, skip, p::opt<attribute_optional, skip>, attribute_colon, skip,
                 attribute_type, skip, annotations, attribute_end> {};
struct attribute_expected : p::failure {};
struct attribute_item : p::seq<annotations, p::sor<attribute_decl, p::raise<attribute_expected>>> {
};

template <typename Owner>
struct attributes_open : p::one<'{'> {};
template <typename Owner>
struct attributes_close : p::one<'}'> {};
template <typename Owner>
struct attribute_block : p::seq<attributes_open<Owner>, skip,
                                p::star<p::not_at<p::one<'}'>>, p::not_at<p::eof>,
                                        recover<attribute_item, Resume::Statement>, skip>,
                                p::must<attributes_close<Owner>>> {};

struct schema_principal_kw : kw_principal {};
struct principal_block : p::if_must<schema_principal_kw, skip, attribute_block<kw_principal>> {};
struct schema_context_kw : kw_context {};
struct context_block : p::if_must<schema_context_kw, skip, attribute_block<kw_context>> {};
struct schema_resource_kw : kw_resource {};
struct resource_type_name : name {};
// The annotations after the type name (`@table`, `@tenant_column`); the
// action on this rule takes them before the attributes start.
struct resource_annotations : annotations {};
struct resource_decl : p::if_must<schema_resource_kw, skip, resource_type_name, skip,
                                  resource_annotations, attribute_block<kw_resource>> {};
struct schema_item_expected : p::failure {};
struct schema_item
    : p::seq<annotations, p::sor<principal_block, context_block, resource_decl,
                                 actions_decl<kw_schema>, p::raise<schema_item_expected>>> {};
struct schema_kw : kw_schema {};
struct schema_open : p::one<'{'> {};
struct schema_close : p::one<'}'> {};
struct schema_decl : p::if_must<schema_kw, skip, schema_open, skip,
                                p::star<p::not_at<p::one<'}'>>, p::not_at<p::eof>,
                                        recover<schema_item, Resume::Statement>, skip>,
                                schema_close> {};

// ---------------------------------------------------------------- tests (section 8)

struct value_string : string_lit {};
struct value_int : integer {};
struct value_true : kw_true {};
struct value_false : kw_false {};
struct value_name : word {};  // `role: guest`; true/false are tried first
struct scalar_value : p::sor<value_string, value_int, value_true, value_false, value_name> {};
struct value_list_open : p::one<'['> {};
struct value_list_more : p::seq<scalar_value> {};
struct value_list_close : p::one<']'> {};
struct value_list
    : p::if_must<value_list_open, skip,
                 p::opt<scalar_value, p::star<skip, comma, skip, p::must<value_list_more>>>, skip,
                 value_list_close> {};
struct field_key : word {};
struct field_colon : p::one<':'> {};
struct field_value : p::sor<scalar_value, value_list> {};
struct field : p::if_must<field_key, skip, field_colon, skip, field_value> {};
struct field_more : p::seq<field> {};
struct object_open : p::one<'{'> {};
struct object_close : p::one<'}'> {};
struct object
    : p::if_must<object_open, skip, p::opt<field, p::star<skip, comma, skip, p::must<field_more>>>,
                 skip, object_close> {};

struct step_end : p::one<';'> {};
struct test_tenant_kw : kw_tenant {};
struct test_tenant_name : name {};
struct test_tenant_step : p::if_must<test_tenant_kw, skip, test_tenant_name, skip, step_end> {};
struct principal_object : p::seq<object> {};
struct test_principal_kw : kw_principal {};
struct test_principal_step : p::if_must<test_principal_kw, skip, principal_object, skip, step_end> {
};
struct context_object : p::seq<object> {};
struct test_context_kw : kw_context {};
struct test_context_step : p::if_must<test_context_kw, skip, context_object, skip, step_end> {};

struct expect_names : name_list<expect_names> {};
struct expect_names_open : p::one<'['> {};
struct expect_names_close : p::one<']'> {};
struct expect_name_list
    : p::if_must<expect_names_open, skip, p::opt<expect_names>, skip, expect_names_close> {};
struct expect_plans_kw : kw_plans {};
struct expect_plans : p::if_must<expect_plans_kw, skip, expect_name_list> {};
struct expect_features_kw : kw_features {};
struct expect_features : p::if_must<expect_features_kw, skip, expect_name_list> {};

struct expect_allow : kw_allow {};
struct expect_deny : kw_deny {};
struct expect_verdict : p::sor<expect_allow, expect_deny> {};
struct expect_target_role : name {};
struct expect_transition : p::if_must<kw_transition, skip, expect_target_role> {};
struct expect_type : name {};
struct expect_object : p::seq<object> {};
struct expect_to : kw_to {};
struct expect_target_state : name {};
struct expect_lifecycle : p::if_must<kw_lifecycle, skip, expect_type, skip, expect_object, skip,
                                     expect_to, skip, expect_target_state> {};
struct expect_action : name {};
struct expect_on : kw_on {};
// `ACTION on TYPE {...}`; tried before `subscribe PLAN` because the action may
// itself be called `subscribe` (section 8).
struct expect_check : p::seq<p::at<name, skip, kw_on>, expect_action, skip, expect_on, skip,
                             p::must<expect_type>, skip, p::must<expect_object>> {};
struct expect_target_plan : name {};
struct expect_subscribe : p::if_must<kw_subscribe, skip, expect_target_plan> {};
struct expect_form_expected : p::failure {};
struct expect_form : p::sor<expect_check, expect_transition, expect_lifecycle, expect_subscribe,
                            p::raise<expect_form_expected>> {};
struct expect_decision : p::if_must<expect_verdict, skip, expect_form> {};
struct expect_what_expected : p::failure {};
struct expect_what
    : p::sor<expect_plans, expect_features, expect_decision, p::raise<expect_what_expected>> {};
struct expect_kw : kw_expect {};
struct expect_step : p::if_must<expect_kw, skip, expect_what, skip, step_end> {};
struct test_step_expected : p::failure {};
struct test_step : p::sor<test_tenant_step, test_principal_step, test_context_step, expect_step,
                          p::raise<test_step_expected>> {};

struct test_kw : kw_test {};
struct test_name : name {};
struct test_open : p::one<'{'> {};
struct test_close : p::one<'}'> {};
struct test_decl : p::if_must<test_kw, skip, test_name, skip, test_open, skip,
                              p::star<p::not_at<p::one<'}'>>, p::not_at<p::eof>,
                                      recover<test_step, Resume::Statement>, skip>,
                              test_close> {};

// ---------------------------------------------------------------- a file

struct declaration_expected : p::failure {};
struct top_item : p::seq<annotations, p::sor<schema_decl, template_decl, tenant_decl, test_decl,
                                             p::raise<declaration_expected>>> {};
struct byte_order_mark : p::string<'\xEF', '\xBB', '\xBF'> {};
struct file
    : p::seq<p::opt<byte_order_mark>, skip,
             p::star<p::not_at<p::eof>, recover<top_item, Resume::TopLevel>, skip>, p::eof> {};

}  // namespace tenet::grammar

// Grammar analysis (tao::pegtl::analyze) needs to know how the custom rules consume.
template <typename Name>
struct tao::pegtl::analyze_traits<Name, tenet::grammar::identifier> : analyze_any_traits<> {};
template <typename Name, typename Rule, tenet::grammar::Resume Mode>
struct tao::pegtl::analyze_traits<Name, tenet::grammar::recover<Rule, Mode>>
    : analyze_seq_traits<Rule> {};
