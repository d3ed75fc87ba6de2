// Parser tests: every construct parses into the expected AST dump, syntax
// errors read as words at the right place, recovery reports several errors,
// and the limits hold on hostile input.
#include "grammar/parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "grammar/ast_dump.hpp"
#include "grammar/lexical.hpp"

namespace tenet {
namespace {

// Table rows are named by their position: stable across runs, unlike the
// default name (the bytes of the row, pointers included).
constexpr auto by_index = [](const auto& info) { return "row" + std::to_string(info.index); };

struct Parsed {
  SourceSet sources;
  grammar::ParseResult result;

  [[nodiscard]] std::string dump() const { return tenet::grammar::dump(*result.file); }
  // "LINE:COL: message" per diagnostic, in report order.
  [[nodiscard]] std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : result.diagnostics) {
      out.push_back(std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
                    d.message);
    }
    return out;
  }
};

Parsed parse(std::string text, bool is_test_file = false, const grammar::ParseLimits& limits = {}) {
  Parsed parsed;
  const FileId id = parsed.sources.add(is_test_file ? "a_test.tenet" : "a.tenet", std::move(text));
  parsed.result = grammar::parse_file(parsed.sources, id, is_test_file, limits);
  return parsed;
}

// ---------------------------------------------------------------- the grammar itself

TEST(ParserGrammar, AnalysisFindsNoIssues) { EXPECT_EQ(grammar::grammar_analysis_issues(), 0U); }

// ---------------------------------------------------------------- constructs → dumps

struct DumpCase {
  const char* name;
  const char* source;
  const char* dump;
};

class ParsesTo : public testing::TestWithParam<DumpCase> {};

TEST_P(ParsesTo, Dump) {
  const Parsed parsed = parse(GetParam().source);
  EXPECT_EQ(parsed.errors(), std::vector<std::string>{});
  EXPECT_EQ(parsed.dump(), GetParam().dump);
}

const DumpCase kDumpCases[] = {
    {"empty_file", "", ""},
    {"comments_only", "// a\n/* b\n c */ // d", ""},
    {"schema_every_type",
     R"(schema {
          principal { kyc: "none" | "pending" | "verified"; age: int; company_id?: string; ok: bool;
                      tags: set<string>; ids: set<int>; }
          resource document { owner: string; }
          resource "odd-type" {}
          context { mfa: bool; }
        })",
     "(schema\n"
     "  (principal\n"
     "    (attribute kyc (enum \"none\" \"pending\" \"verified\"))\n"
     "    (attribute age int)\n"
     "    (attribute company_id? string)\n"
     "    (attribute ok bool)\n"
     "    (attribute tags set<string>)\n"
     "    (attribute ids set<int>))\n"
     "  (context\n"
     "    (attribute mfa bool))\n"
     "  (resource document\n"
     "    (attribute owner string))\n"
     "  (resource \"odd-type\"))\n"},
    {"schema_principal_and_context_repeat_and_append",
     "schema { principal { a: int; } context { x: int; } principal { b: bool; } context { y: bool; "
     "} }",
     "(schema\n"
     "  (principal\n"
     "    (attribute a int)\n"
     "    (attribute b bool))\n"
     "  (context\n"
     "    (attribute x int)\n"
     "    (attribute y bool)))\n"},
    {"schema_database_mapping",
     R"(schema {
          resource document @table("documents") @tenant_column("provider_id") {
            owner: string @column("owner_id");
            locked: bool;
          }
        })",
     "(schema\n"
     "  (resource document (table \"documents\") (tenant_column \"provider_id\")\n"
     "    (attribute owner string (column \"owner_id\"))\n"
     "    (attribute locked bool)))\n"},
    {"schema_sensitive_in_any_order_with_column",
     R"(schema {
          principal { national_id: string @sensitive; birth_year?: int @sensitive ; }
          resource account @table("accounts") {
            iban: string @sensitive @column("iban_text");
            holder: string @column("holder_name") @sensitive;
            note: string@sensitive;
            balance: int;
          }
          context { ip: string @sensitive; mfa: bool; }
        })",
     "(schema\n"
     "  (principal\n"
     "    (attribute national_id string (sensitive))\n"
     "    (attribute birth_year? int (sensitive)))\n"
     "  (context\n"
     "    (attribute ip string (sensitive))\n"
     "    (attribute mfa bool))\n"
     "  (resource account (table \"accounts\")\n"
     "    (attribute iban string (column \"iban_text\") (sensitive))\n"
     "    (attribute holder string (column \"holder_name\") (sensitive))\n"
     "    (attribute note string (sensitive))\n"
     "    (attribute balance int)))\n"},
    {"schema_actions_before_and_after_their_types",
     R"(schema {
          actions read, "bulk-export" on document, account;
          resource document { owner: string; }
          resource account {}
          actions share on document;
        })",
     "(schema\n"
     "  (resource document\n"
     "    (attribute owner string))\n"
     "  (resource account)\n"
     "  (actions read \"bulk-export\" on document account)\n"
     "  (actions share on document))\n"},
    {"body_actions",
     "tenant t { role r; actions archive, export on document; } template x { actions y on z; }",
     "(template x\n"
     "  (actions y on z))\n"
     "(tenant t\n"
     "  (actions archive export on document)\n"
     "  (role r))\n"},
    {"template_extends_templates", "template a {} template b extends a, \"c-d\" { role r; }",
     "(template a)\n"
     "(template b (extends a \"c-d\")\n"
     "  (role r))\n"},
    {"tenant_with_string_name", "tenant \"partner-a.eu\" extends retail {}",
     "(tenant \"partner-a.eu\" (extends retail))\n"},
    {"roles", "tenant t { role guest; role advanced extends basic, guest; role rolex; }",
     "(tenant t\n"
     "  (role guest)\n"
     "  (role advanced (extends basic guest))\n"
     "  (role rolex))\n"},
    {"transitions",
     "tenant t { transition guest -> basic; @id(\"kyc\") transition basic -> advanced when "
     "principal.age >= 30; }",
     "(tenant t\n"
     "  (transition guest -> basic)\n"
     "  (transition basic -> advanced (id \"kyc\") (when (>= principal.age 30))))\n"},
    {"features",
     "tenant t { feature a on; feature b off for x, y; feature c on when context.mfa for z; }",
     "(tenant t\n"
     "  (feature a on)\n"
     "  (feature b off (for x y))\n"
     "  (feature c on (for z) (when context.mfa)))\n"},
    {"plans_clauses_in_any_order",
     "tenant t { plan a {} @id(\"p\") plan b { requires feature f, g; when enabled(f); for basic; "
     "} }",
     "(tenant t\n"
     "  (plan a)\n"
     "  (plan b (id \"p\") (for basic) (when (enabled f)) (requires f g)))\n"},
    {"lifecycle",
     R"(tenant t { lifecycle subscription {
          states signing, signed;
          states suspended;
          initial signing;
          signing -> signed;
          @id("overdue") signed -> suspended by admin, ops when resource.overdue_days > 30;
          signed, suspended -> "un-signed" when resource.x == 0 by admin;
        } })",
     "(tenant t\n"
     "  (lifecycle subscription\n"
     "    (states signing signed suspended)\n"
     "    (initial signing)\n"
     "    (edge signing -> signed)\n"
     "    (edge signed -> suspended (id \"overdue\") (by admin ops) (when (> resource.overdue_days "
     "30)))\n"
     "    (edge signed suspended -> \"un-signed\" (by admin) (when (== resource.x 0)))))\n"},
    {"rules",
     R"(tenant t {
          permit read on document;
          @id("owner-reads") permit read, "bulk-export" on document, account for basic, advanced
            when resource.owner == principal.id unless resource.locked;
          forbid * on * unless context.mfa;
        })",
     "(tenant t\n"
     "  (permit (actions read) (types document))\n"
     "  (permit (id \"owner-reads\") (actions read \"bulk-export\") (types document account) (for "
     "basic advanced) "
     "(when (== resource.owner principal.id)) (unless resource.locked))\n"
     "  (forbid (actions *) (types *) (unless context.mfa)))\n"},
    {"string_escapes",
     R"(tenant t { permit r on d when principal.s == "q\"b\\n\n\t\u00e9\u20AC"; })",
     "(tenant t\n"
     "  (permit (actions r) (types d) (when (== principal.s "
     "\"q\\\"b\\\\n\\n\\t\xC3\xA9\xE2\x82\xAC\"))))\n"},
    {"keywords_are_not_prefixes", "tenant tenants { role rolex; role permits; role intern; }",
     "(tenant tenants\n"
     "  (role rolex)\n"
     "  (role permits)\n"
     "  (role intern))\n"},
    {"builtin_attributes_named_by_keywords",
     "tenant t { permit r on d when principal.role == \"x\" && resource.tenant == "
     "principal.tenant; }",
     "(tenant t\n"
     "  (permit (actions r) (types d) (when (and (== principal.role \"x\") (== resource.tenant "
     "principal.tenant)))))\n"},
};

INSTANTIATE_TEST_SUITE_P(Parser, ParsesTo, testing::ValuesIn(kDumpCases),
                         [](const testing::TestParamInfo<DumpCase>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------- expressions

struct ExprCase {
  const char* source;
  const char* dump;
};

class ExpressionParsesTo : public testing::TestWithParam<ExprCase> {};

TEST_P(ExpressionParsesTo, Dump) {
  const Parsed parsed =
      parse(std::string("tenant t { permit a on b when ") + GetParam().source + "; }");
  ASSERT_EQ(parsed.errors(), std::vector<std::string>{});
  ASSERT_EQ(parsed.result.file->tenants.size(), 1U);
  ASSERT_EQ(parsed.result.file->tenants[0].body.rules.size(), 1U);
  EXPECT_EQ(grammar::dump(*parsed.result.file->tenants[0].body.rules[0].when), GetParam().dump)
      << GetParam().source;
}

const ExprCase kExprCases[] = {
    // literals and terms
    {"true", "true"},
    {"false", "false"},
    {"42", "42"},
    {"-42", "-42"},
    {"-9223372036854775808", "-9223372036854775808"},
    {"9223372036854775807", "9223372036854775807"},
    {R"("text")", R"("text")"},
    {"[]", "(list)"},
    {R"([1, "a", true])", R"((list 1 "a" true))"},
    {"principal.kyc", "principal.kyc"},
    {"resource . locked", "resource.locked"},
    {"context.mfa", "context.mfa"},
    {"principal has company_id", "(has principal company_id)"},
    {"resource has x", "(has resource x)"},
    {"context has y", "(has context y)"},
    {"enabled(trading)", "(enabled trading)"},
    {R"(enabled("beta-ui"))", R"((enabled "beta-ui"))"},
    {"(true)", "true"},
    // comparisons
    {"principal.a == 1", "(== principal.a 1)"},
    {"principal.a != 1", "(!= principal.a 1)"},
    {"principal.a < 1", "(< principal.a 1)"},
    {"principal.a <= 1", "(<= principal.a 1)"},
    {"principal.a > 1", "(> principal.a 1)"},
    {"principal.a >= 1", "(>= principal.a 1)"},
    {R"(principal.c in ["DE", "FR"])", R"((in principal.c (list "DE" "FR")))"},
    {R"("x" in principal.tags)", R"((in "x" principal.tags))"},
    {R"(principal.tags contains "x")", R"((contains principal.tags "x"))"},
    // boolean operators, both spellings
    {"true && false", "(and true false)"},
    {"true and false", "(and true false)"},
    {"true || false", "(or true false)"},
    {"true or false", "(or true false)"},
    {"!true", "(not true)"},
    {"not true", "(not true)"},
    {"!!true", "(not (not true))"},
    {"not ! not true", "(not (not (not true)))"},
    // precedence: OR < AND < NOT < CMP
    {"true || false && true", "(or true (and false true))"},
    {"true && false || true", "(or (and true false) true)"},
    {"!principal.a == 1", "(not (== principal.a 1))"},
    {"!principal.a == 1 && true", "(and (not (== principal.a 1)) true)"},
    {"not true or false", "(or (not true) false)"},
    {"true && true && true", "(and (and true true) true)"},
    {"true || true || true", "(or (or true true) true)"},
    {"(true || false) && true", "(and (or true false) true)"},
    {"!(true || false)", "(not (or true false))"},
    {"principal has x && principal.x", "(and (has principal x) principal.x)"},
    {"enabled(f) == true", "(== (enabled f) true)"},
    {"(principal.a == 1) == true", "(== (== principal.a 1) true)"},
    {"true/*c*/&&//d\nfalse", "(and true false)"},
};

INSTANTIATE_TEST_SUITE_P(Parser, ExpressionParsesTo, testing::ValuesIn(kExprCases), by_index);

TEST(ParserSpans, ExpressionSpansCoverTheirSourceIncludingParentheses) {
  const std::string text = "tenant t { permit a on b when ( principal.x == 1 ) && !resource.y; }";
  const Parsed parsed = parse(text);
  ASSERT_TRUE(parsed.result.diagnostics.empty());
  const ast::Expr& when = *parsed.result.file->tenants[0].body.rules[0].when;
  EXPECT_EQ(parsed.sources.text(when.span), "( principal.x == 1 ) && !resource.y");
  const auto& binary = std::get<ast::Binary>(when.node);
  EXPECT_EQ(parsed.sources.text(binary.lhs->span), "( principal.x == 1 )");
  EXPECT_EQ(parsed.sources.text(binary.rhs->span), "!resource.y");
  EXPECT_EQ(parsed.sources.text(binary.op_span), "&&");
  const auto& inner = std::get<ast::Binary>(binary.lhs->node);
  EXPECT_EQ(parsed.sources.text(inner.lhs->span), "principal.x");
  EXPECT_EQ(parsed.sources.text(inner.op_span), "==");
  const auto& ref = std::get<ast::AttributeRef>(inner.lhs->node);
  EXPECT_EQ(parsed.sources.text(ref.attribute.span), "x");
}

TEST(ParserSpans, StatementAndNameSpans) {
  const std::string text = "tenant \"a-b\" {\n  @id(\"x\") permit read on doc;\n  role r;\n}";
  const Parsed parsed = parse(text);
  ASSERT_TRUE(parsed.result.diagnostics.empty());
  const ast::TenantDecl& tenant = parsed.result.file->tenants[0];
  EXPECT_EQ(tenant.name.text, "a-b");
  EXPECT_EQ(parsed.sources.text(tenant.name.span), "\"a-b\"");
  EXPECT_EQ(tenant.span.length, text.size());
  const ast::RuleDecl& rule = tenant.body.rules[0];
  EXPECT_EQ(parsed.sources.text(rule.span), "permit read on doc;");
  EXPECT_EQ(rule.span.line, 2U);
  EXPECT_EQ(rule.span.column, 12U);
  EXPECT_EQ(rule.annotation->id.text, "x");
  EXPECT_EQ(parsed.sources.text(tenant.body.roles[0].span), "role r;");
  EXPECT_EQ(tenant.body.roles[0].span.line, 3U);
}

TEST(ParserSpans, LifecycleStatesSpanIsTheFirstStatesClause) {
  const Parsed parsed = parse("tenant t { lifecycle s { initial a; states a, b; states c; } }");
  ASSERT_TRUE(parsed.result.diagnostics.empty());
  const ast::LifecycleDecl& lifecycle = parsed.result.file->tenants[0].body.lifecycles[0];
  EXPECT_EQ(parsed.sources.text(lifecycle.states_span), "states a, b;");
}

TEST(ParserSpans, SensitiveIsTheAnnotationAsWritten) {
  const Parsed parsed = parse(
      "schema { principal { ssn: string @column(\"s\")  @sensitive; kyc: bool @column(\"k\"); } }");
  ASSERT_TRUE(parsed.result.diagnostics.empty());
  const auto& principal = parsed.result.file->schemas[0].principal;
  ASSERT_EQ(principal.size(), 2U);
  ASSERT_TRUE(principal[0].sensitive.has_value());
  EXPECT_EQ(parsed.sources.text(*principal[0].sensitive), "@sensitive");
  EXPECT_EQ(principal[0].column->text, "s");
  EXPECT_FALSE(principal[1].sensitive.has_value());
}

// An annotation cut short by a syntax error leaves nothing behind: the
// @sensitive after the recovery is read alone, not with the broken one's "x".
TEST(ParserRecovery, ABrokenAnnotationDoesNotLendItsArgumentToTheNextOne) {
  const Parsed parsed = parse(
      "tenant a { @id(\"x\" permit r on d; }\n"
      "schema { principal { ssn: string @sensitive; } }");
  EXPECT_EQ(parsed.errors(),
            std::vector<std::string>{"1:20: expected ')' to close the annotation"});
  ASSERT_EQ(parsed.result.file->schemas.size(), 1U);
  EXPECT_TRUE(parsed.result.file->schemas[0].principal.at(0).sensitive.has_value());
}

// ---------------------------------------------------------------- test blocks

TEST(ParserTests, TestBlockEveryStep) {
  const Parsed parsed = parse(R"(
test "guest needs KYC before basic" {
  tenant acme;
  principal { id: "u1", role: guest, kyc: "pending", account_age_days: 0, tags: [] };
  expect deny transition basic;
  expect allow read on document { id: "d1", locked: false };
  expect deny write on document { id: "d9", tenant: "other", n: -3, l: ["a", 1, true, x] };
  expect plans [];
  expect features [beta_ui, "x-y"];
  expect allow lifecycle subscription { id: "s1", state: signed } to suspended;
  expect deny subscribe starter;
  expect deny subscribe on document {};
  context { mfa: true };
})",
                              /*is_test_file=*/true);
  EXPECT_EQ(parsed.errors(), std::vector<std::string>{});
  EXPECT_EQ(
      parsed.dump(),
      "(test \"guest needs KYC before basic\"\n"
      "  (tenant acme)\n"
      "  (principal {id: \"u1\", role: guest, kyc: \"pending\", account_age_days: 0, tags: []})\n"
      "  (expect deny transition basic)\n"
      "  (expect allow check read on document {id: \"d1\", locked: false})\n"
      "  (expect deny check write on document {id: \"d9\", tenant: \"other\", n: -3, l: [\"a\", 1, "
      "true, x]})\n"
      "  (expect plans [])\n"
      "  (expect features [beta_ui \"x-y\"])\n"
      "  (expect allow lifecycle subscription {id: \"s1\", state: signed} to suspended)\n"
      "  (expect deny subscribe starter)\n"
      "  (expect deny check subscribe on document {})\n"
      "  (context {mfa: true}))\n");
}

TEST(ParserTests, TestBlockOutsideATestFileIsReportedAndSkipped) {
  const Parsed parsed = parse("test t { tenant a; }\ntenant a {}");
  EXPECT_EQ(parsed.errors(),
            std::vector<std::string>{"1:1: test blocks belong in files named *_test.tenet"});
  EXPECT_TRUE(parsed.result.file->tests.empty());
  EXPECT_EQ(parsed.result.file->tenants.size(), 1U);
}

TEST(ParserTests, DeclarationsInATestFileAreReported) {
  const Parsed parsed =
      parse("schema {}\ntemplate x {}\ntenant a {}\ntest t {}", /*is_test_file=*/true);
  EXPECT_EQ(parsed.errors(), (std::vector<std::string>{
                                 "1:1: a *_test.tenet file holds only test blocks, not a schema",
                                 "2:1: a *_test.tenet file holds only test blocks, not a template",
                                 "3:1: a *_test.tenet file holds only test blocks, not a tenant",
                             }));
  EXPECT_EQ(parsed.dump(), "(test t)\n");
}

// ---------------------------------------------------------------- syntax errors in words

struct ErrorCase {
  const char* source;
  const char* error;  // "LINE:COL: message" of the first diagnostic
  unsigned length;    // of its span
};

class SyntaxError : public testing::TestWithParam<ErrorCase> {};

TEST_P(SyntaxError, FirstDiagnostic) {
  const Parsed parsed = parse(GetParam().source);
  ASSERT_FALSE(parsed.result.diagnostics.empty()) << GetParam().source;
  EXPECT_EQ(parsed.errors().front(), GetParam().error) << GetParam().source;
  EXPECT_EQ(parsed.result.diagnostics.front().span.length, GetParam().length) << GetParam().source;
}

const ErrorCase kErrorCases[] = {
    {"tenant a { feature f on }", "1:25: expected ';' after the feature declaration", 1},
    {"tenant a { feature f on\n role r; }", "2:2: expected ';' after the feature declaration", 4},
    {"tenant a { role r extends ; }", "1:27: expected a role name after 'extends'", 1},
    {"tenant a extends { }", "1:18: expected a template name after 'extends'", 1},
    {"tenant a { permit r on d when ; }", "1:31: expected an expression after 'when'", 1},
    {"tenant a { role r;", "1:19: expected '}' to close the tenant body", 0},
    {"tenant a {\n  role r;\n\n", "2:10: expected '}' to close the tenant body", 0},
    {"template a { role r;", "1:21: expected '}' to close the template body", 0},
    {"tenant a { rol r; }",
     "1:12: expected actions, role, transition, feature, plan, lifecycle, permit, forbid or '}' "
     "to close the tenant body",
     3},
    {"tenant a  role r; }", "1:11: expected '{' to open the tenant body", 4},
    {"tenant { }", "1:8: expected a tenant name after 'tenant'", 1},
    {"tenant role { }", "1:8: expected a tenant name after 'tenant'", 4},
    {"roles x;", "1:1: expected a declaration: schema, template, tenant or test", 5},
    {"tenant a { role r }", "1:19: expected ';' after the role declaration", 1},
    {"tenant a { transition a b; }",
     "1:25: expected '->' after the role the transition starts from", 1},
    {"tenant a { transition a -> ; }", "1:28: expected a role name after '->'", 1},
    {"tenant a { feature f maybe; }", "1:22: expected 'on' or 'off' after the feature name", 5},
    {"tenant a { plan p { role x; } }",
     "1:21: expected 'for', 'when', 'requires feature' or '}' in the plan body", 4},
    {"tenant a { plan p { requires trading; } }", "1:30: expected 'feature' after 'requires'", 7},
    {"tenant a { plan p { for a, ; } }", "1:28: expected a role name after ','", 1},
    {"tenant a { lifecycle s { states ; } }", "1:33: expected a state name after 'states'", 1},
    {"tenant a { lifecycle s { a b; } }",
     "1:28: expected '->' after the state the lifecycle edge starts from", 1},
    {"tenant a { lifecycle s { 1 -> 2; } }",
     "1:26: expected 'states', 'initial', an edge 'FROM -> TO' or '}' in the lifecycle body", 1},
    {"tenant a { permit on d; }", "1:19: expected an action name or '*' after 'permit'", 2},
    {"tenant a { forbid r d; }", "1:21: expected 'on' after the actions of the forbid rule", 1},
    {"tenant a { permit r on ; }", "1:24: expected a resource type or '*' after 'on'", 1},
    {"tenant a { permit r on d for x when true unless }",
     "1:49: expected an expression after 'unless'", 1},
    {"tenant a { permit r on d when true; x }",
     "1:37: expected actions, role, transition, feature, plan, lifecycle, permit, "
     "forbid or '}' to close the tenant body",
     1},
    {"tenant a { permit r on d }", "1:26: expected ';' after the permit rule", 1},
    // expressions
    {"tenant a { permit r on d when principal.a == 1 == 2; }",
     "1:48: comparisons do not chain: combine them with 'and' or 'or', or use parentheses", 2},
    {"tenant a { permit r on d when principal has x == true; }",
     "1:47: comparisons do not chain: combine them with 'and' or 'or', or use parentheses", 2},
    {"tenant a { permit r on d when principal; }", "1:40: expected '.' or 'has' after 'principal'",
     1},
    {"tenant a { permit r on d when resource.; }",
     "1:40: expected an attribute name after 'resource.'", 1},
    {"tenant a { permit r on d when context has ; }",
     "1:43: expected an attribute name after 'has'", 1},
    {"tenant a { permit r on d when (true; }", "1:36: expected ')' to close the parenthesis", 1},
    {"tenant a { permit r on d when (); }", "1:32: expected an expression after '('", 1},
    {"tenant a { permit r on d when principal.a ==; }",
     "1:45: expected a value after the comparison operator", 1},
    {"tenant a { permit r on d when true && ; }", "1:39: expected an expression after 'and'", 1},
    {"tenant a { permit r on d when true or ; }", "1:39: expected an expression after 'or'", 1},
    {"tenant a { permit r on d when ! ; }",
     "1:33: expected an expression after the negation ('!' or 'not')", 1},
    {"tenant a { permit r on d when [1, ]; }",
     "1:35: expected a literal value after ',' (lists hold strings, integers or booleans)", 1},
    {"tenant a { permit r on d when [principal.a]; }",
     "1:32: expected ']' to close the list (lists hold strings, integers or booleans)", 9},
    {"tenant a { permit r on d when enabled x; }", "1:39: expected '(' after 'enabled'", 1},
    {"tenant a { permit r on d when enabled(); }", "1:39: expected a feature name after 'enabled('",
     1},
    {"tenant a { permit r on d when somename; }", "1:31: expected an expression after 'when'", 8},
    // lexical
    {"tenant a { /* never closed", "1:12: unterminated comment: '/*' has no matching '*/'", 2},
    {"tenant \"abc\n {}",
     "1:12: expected '\"' to close the string literal (a string ends on the line it starts)", 1},
    {"tenant \"a\\qb\" {}", "1:10: invalid escape sequence '\\q' in string literal", 2},
    {"tenant \"a\\u12g\" {}", "1:10: invalid escape sequence '\\u12' in string literal", 4},
    {"tenant \"a\\ud800\" {}", "1:10: invalid escape sequence '\\ud800' in string literal", 6},
    {"tenant a { permit r on d when principal.a == 9223372036854775808; }",
     "1:46: integer 9223372036854775808 does not fit in 64 bits", 19},
    {"tenant a { permit r on d when principal.a == -9223372036854775809; }",
     "1:46: integer -9223372036854775809 does not fit in 64 bits", 20},
    // schema
    {"schema { principal { a int; } }", "1:24: expected ':' after the attribute name", 3},
    {"schema { principal { a: float; } }",
     "1:25: expected a type after ':' (bool, int, string, set<string>, set<int> or \"a\" | \"b\")",
     5},
    {"schema { principal { a: set<bool>; } }", "1:29: expected 'string' or 'int' in 'set<...>'", 4},
    {"schema { principal { a: \"x\" | ; } }", "1:31: expected a string literal after '|'", 1},
    {"schema { principal { a: int } }", "1:29: expected ';' after the attribute declaration", 1},
    {"schema { role { } }",
     "1:10: expected 'principal', 'resource', 'context', 'actions' or '}' in the schema", 4},
    {"schema { resource { } }", "1:19: expected a resource type name after 'resource'", 1},
    // annotations
    {"tenant a { @id(\"x\") role r; }", "1:12: @id is not allowed on a role declaration", 8},
    {"tenant a { @id(\"x\") feature f on; }", "1:12: @id is not allowed on a feature declaration",
     8},
    {"tenant a { @id(\"x\") lifecycle s {} }", "1:12: @id is not allowed on a lifecycle", 8},
    {"tenant a { @idx(\"x\") permit r on d; }", "1:13: unknown annotation '@idx' (expected @id)",
     3},
    {"tenant a { @id(\"x\") @id(\"y\") permit r on d; }",
     "1:21: '@id' given twice in one permit rule", 8},
    {"tenant a { @id(x) permit r on d; }",
     "1:16: expected a string literal in the annotation, as in @id(\"owner-reads\")", 1},
    {"tenant a { @id(\"x\" permit r on d; }", "1:20: expected ')' to close the annotation", 6},
    {"@id(\"x\") tenant a {}", "1:1: @id is not allowed on a top-level declaration", 8},
    {"schema { resource d @column(\"c\") {} }", "1:21: @column is not allowed on a resource type",
     12},
    {"schema { resource d { @column(\"c\") a: int; } }",
     "1:23: @column is not allowed before an attribute (write @column and @sensitive after its "
     "type)",
     12},
    // @sensitive: a flag on schema attributes, nowhere else
    {"schema { principal { ssn: string @sensitive(\"yes\"); } }",
     "1:34: @sensitive takes no argument: write @sensitive alone", 17},
    {"schema { principal { ssn: string @sensitive @sensitive; } }",
     "1:45: '@sensitive' given twice in one attribute", 10},
    {"schema { principal { ssn: string @sensitive @column(\"s\") @sensitive; } }",
     "1:58: '@sensitive' given twice in one attribute", 10},
    {"schema { principal { @sensitive ssn: string; } }",
     "1:22: @sensitive is not allowed before an attribute (write @column and @sensitive after its "
     "type)",
     10},
    {"schema { resource d @sensitive { a: int; } }",
     "1:21: @sensitive is not allowed on a resource type", 10},
    {"schema { @sensitive principal { a: int; } }",
     "1:10: @sensitive is not allowed on 'principal'", 10},
    {"schema { @sensitive context { a: int; } }", "1:10: @sensitive is not allowed on 'context'",
     10},
    {"@sensitive schema { }", "1:1: @sensitive is not allowed on a top-level declaration", 10},
    {"@sensitive tenant a { }", "1:1: @sensitive is not allowed on a top-level declaration", 10},
    {"tenant a { @sensitive permit r on d; }", "1:12: @sensitive is not allowed on a permit rule",
     10},
    {"tenant a { @sensitive role r; }", "1:12: @sensitive is not allowed on a role declaration",
     10},
    {"schema { principal { ssn: string @sensitve; } }",
     "1:35: unknown annotation '@sensitve' (expected @column or @sensitive)", 8},
    // an annotation that takes an argument, written without one
    {"tenant a { @id permit r on d; }", "1:12: @id needs a quoted argument, as in @id(\"...\")", 3},
    {"schema { principal { a: int @column; } }",
     "1:29: @column needs a quoted argument, as in @column(\"...\")", 7},
    {"schema { resource d { a: int @table(\"c\"); } }",
     "1:30: @table is not allowed on an attribute", 11},
    {"schema { @table(\"t\") resource d {} }",
     "1:10: @table is not allowed before 'resource' (write @table and @tenant_column after the "
     "type name)",
     11},
    // duplicate clauses
    {"tenant a { plan p { for a; for b; } }", "1:28: 'for' given twice in one plan", 5},
    {"tenant a { plan p { when true; when false; } }", "1:32: 'when' given twice in one plan", 10},
    {"tenant a { plan p { requires feature a; requires feature b; } }",
     "1:41: 'requires feature' given twice in one plan", 18},
    {"tenant a { lifecycle s { initial a; initial b; } }",
     "1:45: 'initial' given twice in one lifecycle", 1},
    {"tenant a { permit r on d when true when false; }",
     "1:36: 'when' given twice in one permit rule", 10},
    {"tenant a { lifecycle s { a -> b by x by y; } }",
     "1:38: 'by' given twice in one lifecycle edge", 4},
    // tests
    {"test t { }", "1:1: test blocks belong in files named *_test.tenet", 4},
    // actions declarations (schema and bodies)
    {"schema { actions read document; }", "1:23: expected 'on' after the declared actions", 8},
    {"tenant a { actions read, write }", "1:32: expected 'on' after the declared actions", 1},
    {"schema { actions on document; }", "1:18: expected an action name after 'actions'", 2},
    {"schema { actions * on document; }", "1:18: expected an action name after 'actions'", 1},
    {"schema { actions read, on document; }", "1:24: expected an action name after ','", 2},
    {"schema { actions read on ; }", "1:26: expected a resource type after 'on'", 1},
    {"schema { actions read on *; }", "1:26: expected a resource type after 'on'", 1},
    {"schema { actions read on document, ; }", "1:36: expected a resource type after ','", 1},
    {"tenant a { actions read on document }", "1:37: expected ';' after the actions declaration",
     1},
    {"tenant a { @id(\"x\") actions read on d; }",
     "1:12: @id is not allowed on an actions declaration", 8},
    {"tenant a { role actions; }", "1:17: expected a role name after 'role'", 7},
    {"tenant a { permit actions on d; }", "1:19: expected an action name or '*' after 'permit'", 7},
};

INSTANTIATE_TEST_SUITE_P(Parser, SyntaxError, testing::ValuesIn(kErrorCases), by_index);

TEST(ParserErrors, TestBlockErrors) {
  const Parsed parsed = parse(
      "test t {\n"
      "  expect maybe;\n"
      "  expect allow foo bar;\n"
      "  tenant;\n"
      "  principal { a: };\n"
      "  expect allow lifecycle s { } suspended;\n"
      "  expect plans;\n"
      "  bogus;\n"
      "}\n",
      /*is_test_file=*/true);
  EXPECT_EQ(
      parsed.errors(),
      (std::vector<std::string>{
          "2:10: expected 'allow', 'deny', 'plans' or 'features' after 'expect'",
          "3:16: expected 'ACTION on TYPE {...}', 'transition ROLE', 'subscribe PLAN' or "
          "'lifecycle TYPE {...} "
          "to STATE' after allow/deny",
          "4:9: expected a tenant name after 'tenant'",
          "5:18: expected a value after ':' (a string, an integer, true, false, a name or a list)",
          "6:32: expected 'to' and the target state after the resource",
          "7:15: expected '[' and a list of names",
          "8:3: expected 'tenant', 'principal', 'context', 'expect' or '}' in the test",
      }));
}

// ---------------------------------------------------------------- recovery

TEST(ParserRecovery, ReportsEveryErrorAndKeepsTheRest) {
  const Parsed parsed = parse(
      "schema { principal { a: int; b: ; c: bool; } }\n"
      "tenant a {\n"
      "  role r extends ;\n"
      "  role ok;\n"
      "  permit read on d when principal.a == ;\n"
      "  plan p { for x y; when true; }\n"
      "  lifecycle s { states a, b; a -> ; a -> b; }\n"
      "  permit write on d;\n"
      "}\n"
      "tenant b extends { role z; }\n"
      "garbage here;\n"
      "tenant c { role fine; }\n");
  EXPECT_EQ(parsed.errors(),
            (std::vector<std::string>{
                "1:33: expected a type after ':' (bool, int, string, set<string>, set<int> or "
                "\"a\" | \"b\")",
                "3:18: expected a role name after 'extends'",
                "5:40: expected a value after the comparison operator",
                "6:18: expected ';' after the plan clause",
                "7:35: expected a state name after '->'",
                "10:18: expected a template name after 'extends'",
                "11:1: expected a declaration: schema, template, tenant or test",
            }));
  EXPECT_EQ(parsed.dump(),
            "(schema\n"
            "  (principal\n"
            "    (attribute a int)\n"
            "    (attribute c bool)))\n"
            "(tenant a\n"
            "  (role ok)\n"
            "  (plan p (for x) (when true))\n"
            "  (lifecycle s\n"
            "    (states a b)\n"
            "    (edge a -> b))\n"
            "  (permit (actions write) (types d)))\n"
            "(tenant c\n"
            "  (role fine))\n");
}

TEST(ParserRecovery, MissingClosingBraceBeforeTheNextTenant) {
  const Parsed parsed = parse("tenant a {\n  role r;\n\ntenant b {\n  role s;\n}\n");
  ASSERT_FALSE(parsed.errors().empty());
  EXPECT_EQ(parsed.errors().front(),
            "4:1: expected actions, role, transition, feature, plan, lifecycle, permit, forbid or "
            "'}' to close the tenant body");
}

TEST(ParserRecovery, StopsAtTheErrorLimit) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "nonsense;\n";
  grammar::ParseLimits limits;
  limits.max_syntax_errors = 5;
  const Parsed parsed = parse(text, false, limits);
  EXPECT_EQ(parsed.result.diagnostics.size(), 5U);
  EXPECT_EQ(parsed.errors().back(),
            "5:1: expected a declaration: schema, template, tenant or test");
}

// ---------------------------------------------------------------- limits

TEST(ParserLimits, FileTooLarge) {
  grammar::ParseLimits limits;
  limits.max_file_bytes = 10;
  const Parsed parsed = parse("tenant a { role r; }", false, limits);
  EXPECT_EQ(parsed.errors(),
            std::vector<std::string>{
                "1:1: file is larger than the limit of 10 bytes (--max-file-bytes)"});
  EXPECT_EQ(parsed.result.diagnostics[0].code, DiagCode::FileTooLarge);
  EXPECT_TRUE(parsed.result.file->tenants.empty());
}

TEST(ParserLimits, BinaryFilesAreNotParsed) {
  const Parsed nul = parse(std::string("tenant a {\n role\0 r; }", 20));
  EXPECT_EQ(nul.errors(), std::vector<std::string>{
                              "2:6: file is not UTF-8 text (invalid byte 0x00 at offset 16)"});
  EXPECT_EQ(nul.result.diagnostics[0].code, DiagCode::NotUtf8);
  EXPECT_TRUE(nul.result.file->tenants.empty());

  const Parsed latin1 = parse("tenant caf\xE9 {}");
  EXPECT_EQ(latin1.errors(), std::vector<std::string>{
                                 "1:11: file is not UTF-8 text (invalid byte 0xE9 at offset 10)"});

  const Parsed utf8 = parse("tenant \"caf\xC3\xA9\" {} // \xE2\x82\xAC");
  EXPECT_EQ(utf8.errors(), std::vector<std::string>{});
}

TEST(ParserLimits, Utf8Validation) {
  EXPECT_EQ(lexical::first_invalid_byte("ok\t\r\n\xC3\xA9\xF0\x9F\x98\x80"), std::nullopt);
  EXPECT_EQ(lexical::first_invalid_byte("\xC0\xAF"), 0U);          // overlong
  EXPECT_EQ(lexical::first_invalid_byte("a\xED\xA0\x80"), 1U);     // surrogate
  EXPECT_EQ(lexical::first_invalid_byte("ab\xE2\x82"), 2U);        // truncated
  EXPECT_EQ(lexical::first_invalid_byte("\xF4\x90\x80\x80"), 0U);  // beyond U+10FFFF
  EXPECT_EQ(lexical::first_invalid_byte("a\x1b"), 1U);             // escape character
}

std::string rule_when(const std::string& expression) {
  return "tenant t { permit a on b when " + expression + "; role after; }";
}

TEST(ParserLimits, TenThousandParenthesesIsACleanDiagnostic) {
  const std::string deep = std::string(10000, '(') + "true" + std::string(10000, ')');
  const Parsed parsed = parse(rule_when(deep));
  ASSERT_EQ(parsed.result.diagnostics.size(), 1U);
  EXPECT_EQ(parsed.result.diagnostics[0].code, DiagCode::NestingTooDeep);
  EXPECT_EQ(parsed.errors()[0], "1:287: expression nested more than 256 levels deep");
  // Recovery resumes after the statement.
  EXPECT_EQ(parsed.dump(), "(tenant t\n  (role after))\n");
}

TEST(ParserLimits, TenThousandNegationsIsACleanDiagnostic) {
  const Parsed parsed = parse(rule_when(std::string(10000, '!') + "true"));
  ASSERT_EQ(parsed.result.diagnostics.size(), 1U);
  EXPECT_EQ(parsed.result.diagnostics[0].code, DiagCode::NestingTooDeep);
  std::string nots;
  for (int i = 0; i < 10000; ++i) nots += "not ";
  EXPECT_EQ(parse(rule_when(nots + "true")).result.diagnostics.at(0).code,
            DiagCode::NestingTooDeep);
}

TEST(ParserLimits, LongOperatorChainsAreBoundedToo) {
  std::string chain = "true";
  for (int i = 0; i < 10000; ++i) chain += " && true";
  const Parsed parsed = parse(rule_when(chain));
  ASSERT_EQ(parsed.result.diagnostics.size(), 1U);
  EXPECT_EQ(parsed.result.diagnostics[0].code, DiagCode::ExpressionTooLong);
}

// A chain of one operator is one level of nesting however long it is (the
// tree nests it to the left, the author did not): 300 `||` operands, each a
// comparison, parse. Real nesting still counts: parentheses, `not`, and a
// parenthesised chain inside another.
TEST(ParserLimits, FlatChainsCountAsOneLevel) {
  for (const std::string op : {" || ", " && ", " or "}) {
    std::string chain = "principal.x == 0";
    for (int i = 1; i < 300; ++i) chain += op + "principal.x == " + std::to_string(i);
    EXPECT_TRUE(parse(rule_when(chain)).result.diagnostics.empty()) << op;
  }
  grammar::ParseLimits limits;
  limits.max_nesting = 4;
  // (|| (&& (== x 1) (== y 2)) ...): || chain, && chain, comparison, attribute.
  EXPECT_TRUE(parse(rule_when("principal.x == 1 && principal.y == 2 || principal.x == 3 && "
                              "principal.y == 4 || principal.z"),
                    false, limits)
                  .result.diagnostics.empty());
  EXPECT_EQ(parse(rule_when("(principal.x == 1 || principal.y == 2) || principal.z"), false, limits)
                .result.diagnostics.size(),
            0U);
  const Parsed nested =
      parse(rule_when("((principal.x == 1 || principal.y == 2) && principal.z) || principal.w"),
            false, limits);
  ASSERT_EQ(nested.result.diagnostics.size(), 1U);
  EXPECT_EQ(nested.result.diagnostics[0].code, DiagCode::NestingTooDeep);
}

TEST(ParserLimits, NestingAtTheLimitParses) {
  grammar::ParseLimits limits;
  limits.max_nesting = 50;
  const std::string ok = std::string(50, '(') + "true" + std::string(50, ')');
  EXPECT_TRUE(parse(rule_when(ok), false, limits).result.diagnostics.empty());
  const std::string too_deep = std::string(51, '(') + "true" + std::string(51, ')');
  EXPECT_EQ(parse(rule_when(too_deep), false, limits).errors(),
            std::vector<std::string>{"1:81: expression nested more than 50 levels deep"});
}

TEST(ParserLimits, OneMegabyteStringLiteral) {
  const std::string big(1 << 20, 'x');
  const Parsed parsed = parse(rule_when("principal.s == \"" + big + "\""));
  ASSERT_TRUE(parsed.result.diagnostics.empty());
  const auto& cmp = std::get<ast::Binary>(parsed.result.file->tenants[0].body.rules[0].when->node);
  EXPECT_EQ(std::get<ast::StringLiteral>(cmp.rhs->node).value.size(), big.size());
}

TEST(ParserLimits, TenMegabytesOfGarbageIsFastAndBounded) {
  std::string garbage;
  garbage.reserve(10 << 20);
  const std::string pieces[] = {"tenant ", "{ ",  "permit ", "(((",  "\"x\" ", "; ",
                                "} ",      "== ", "role ",   "@id(", "\n"};
  std::uint32_t seed = 12345;
  while (garbage.size() < (10U << 20)) {
    seed = seed * 1664525U + 1013904223U;
    garbage += pieces[(seed >> 16) % std::size(pieces)];
  }
  const auto start = std::chrono::steady_clock::now();
  const Parsed parsed = parse(garbage);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(parsed.result.diagnostics.empty());
  EXPECT_LE(parsed.result.diagnostics.size(), grammar::ParseLimits{}.max_syntax_errors);
  EXPECT_LT(elapsed, std::chrono::seconds(20));  // generous: Debug + sanitizers on a shared machine
}

TEST(ParserLimits, TenMegabytesOfBinaryGarbage) {
  std::string garbage(10 << 20, '\0');
  std::uint32_t seed = 7;
  for (char& c : garbage) {
    seed = seed * 1664525U + 1013904223U;
    c = static_cast<char>(seed >> 24);
  }
  const Parsed parsed = parse(garbage);
  ASSERT_EQ(parsed.result.diagnostics.size(), 1U);
  EXPECT_EQ(parsed.result.diagnostics[0].code, DiagCode::NotUtf8);
}

// ---------------------------------------------------------------- rendering

TEST(ParserRender, SyntaxErrorWithCaret) {
  const Parsed parsed = parse("tenant acme {\n  feature trading on\n  role guest;\n}\n");
  ASSERT_EQ(parsed.result.diagnostics.size(), 1U);
  EXPECT_EQ(render(parsed.result.diagnostics[0], parsed.sources),
            "a.tenet:3:3: error: expected ';' after the feature declaration\n"
            "  role guest;\n"
            "  ^~~~\n");
}

}  // namespace
}  // namespace tenet
