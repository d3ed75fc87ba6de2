// SQL text from residuals (engine/sql/sql_render.hpp) and the quoting under it
// (engine/sql/sql_text.hpp): table tests, one row per case.
#include "engine/sql/sql_render.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "engine/engine.hpp"
#include "engine/model/sql_identifier.hpp"
#include "engine/sql/sql_ddl.hpp"
#include "engine/sql/sql_text.hpp"

namespace {

using namespace tenet;
using partial::residual::CompareOp;
using partial::residual::Literal;
using partial::residual::Term;
using partial::residual::TermKind;

TEST(SqlText, QuotesIdentifiersAndLiterals) {
  const struct {
    std::string_view text;
    std::string_view ident;
    std::string_view literal;
  } cases[] = {
      {"documents", "\"documents\"", "'documents'"},
      {"we\"ird", "\"we\"\"ird\"", "'we\"ird'"},
      {"o'brien; DROP TABLE x;--", "\"o'brien; DROP TABLE x;--\"", "'o''brien; DROP TABLE x;--'"},
      {"back\\slash'", "\"back\\slash'\"", "E'back\\\\slash'''"},
      {"zoë 名", "\"zoë 名\"", "'zoë 名'"},
      {"", "\"\"", "''"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sql::quote_ident(c.text), c.ident);
    EXPECT_EQ(sql::quote_literal(c.text).value_or("<none>"), c.literal);
  }
  EXPECT_FALSE(sql::quote_literal(std::string_view("a\0b", 3)).has_value());
}

TEST(SqlText, IdentifierProblems) {
  EXPECT_EQ(model::identifier_problem("provider_id"), "");
  EXPECT_EQ(model::identifier_problem("tënant'col; --"), "");
  EXPECT_EQ(model::identifier_problem(""), "is empty");
  EXPECT_EQ(model::identifier_problem(std::string(63, 'x')), "");
  EXPECT_EQ(model::identifier_problem(std::string(64, 'x')),
            "is longer than PostgreSQL's 63-byte limit");
  EXPECT_EQ(model::identifier_problem(std::string_view("a\0b", 3)), "holds a NUL byte");
}

Term column(std::string name, model::AttributeKind type) {
  Term t;
  t.kind = TermKind::ResourceAttribute;
  t.column = std::move(name);
  t.name = t.column;
  t.type = type;
  return t;
}

Term principal(std::string name, model::AttributeKind type) {
  Term t;
  t.kind = TermKind::PrincipalAttribute;
  t.name = std::move(name);
  t.type = type;
  return t;
}

Term value(Literal literal) {
  Term t;
  t.kind = TermKind::Literal;
  t.literal = std::move(literal);
  return t;
}

Term list(std::vector<Literal> items) {
  Literal l;
  l.kind = Literal::Kind::List;
  l.items = std::move(items);
  return value(l);
}

TEST(SqlRender, EachNodeAsItsSqlCounterpart) {
  using K = model::AttributeKind;
  const struct {
    partial::residual::Expr expr;
    std::string_view sql;
  } cases[] = {
      {partial::residual::always(), "TRUE"},
      {partial::residual::never(), "FALSE"},
      {partial::residual::present(column("own\"er", K::String)), "(\"own\"\"er\" IS NOT NULL)"},
      {partial::residual::compare(CompareOp::Eq, column("owner_id", K::String),
                                  value(Literal::of_string("o'b"))),
       // The column's collation first (an index), then byte for byte.
       "(\"owner_id\" = 'o''b' AND \"owner_id\" COLLATE \"C\" = 'o''b')"},
      {partial::residual::compare(CompareOp::Ge, principal("age", K::Int),
                                  value(Literal::of_int(-7))),
       "(((NULLIF(current_setting('tenet.principal.age', true), '')::jsonb)::bigint) >= (-7))"},
      {partial::residual::compare(CompareOp::Eq, principal("ok", K::Bool),
                                  value(Literal::of_bool(true))),
       "(((NULLIF(current_setting('tenet.principal.ok', true), '')::jsonb)::boolean) = TRUE)"},
      // A string setting is JSON text: '""' is a present empty string, '' absent.
      {partial::residual::present(principal("nick", K::String)),
       "(((NULLIF(current_setting('tenet.principal.nick', true), '')::jsonb) #>> '{}') IS NOT "
       "NULL)"},
      // Names PostgreSQL would fold onto others are encoded.
      {partial::residual::present(principal("Role", K::String)),
       "(((NULLIF(current_setting('tenet.principal.x$$52ole', true), '')::jsonb) #>> '{}') IS NOT "
       "NULL)"},
      {partial::residual::compare(CompareOp::In, column("c", K::Enum),
                                  list({Literal::of_string("a"), Literal::of_string("b")})),
       "(\"c\" IN ('a', 'b') AND \"c\" COLLATE \"C\" IN ('a', 'b'))"},
      {partial::residual::compare(CompareOp::In, column("c", K::String), list({})), "FALSE"},
      {partial::residual::compare(CompareOp::Contains, principal("tags", K::SetOfString),
                                  value(Literal::of_string("desk"))),
       "('desk' = ANY(ARRAY(SELECT jsonb_array_elements_text((NULLIF(current_setting("
       "'tenet.principal.tags', true), '')::jsonb)))))"},
      {partial::residual::compare(CompareOp::Eq, column("tags", K::SetOfString),
                                  list({Literal::of_string("x")})),
       "(\"tags\" COLLATE \"C\" @> ARRAY['x']::text[] AND \"tags\" COLLATE \"C\" <@ "
       "ARRAY['x']::text[])"},
      // PostgreSQL text never holds NUL: no stored value equals such a literal.
      {partial::residual::compare(CompareOp::Eq, column("c", K::String),
                                  value(Literal::of_string(std::string_view("a\0", 2)))),
       "FALSE"},
      {partial::residual::compare(CompareOp::Ne, column("c", K::String),
                                  value(Literal::of_string(std::string_view("a\0", 2)))),
       "TRUE"},
      {partial::residual::compare(
           CompareOp::Eq, column("tags", K::SetOfString),
           list({Literal::of_string("x"), Literal::of_string(std::string_view("\0", 1))})),
       "FALSE"},
      {partial::residual::compare(
           CompareOp::In, column("c", K::String),
           list({Literal::of_string("x"), Literal::of_string(std::string_view("\0", 1))})),
       "(\"c\" IN ('x') AND \"c\" COLLATE \"C\" IN ('x'))"},
      {partial::residual::negate(partial::residual::compare(CompareOp::Eq, column("c", K::String),
                                                            value(Literal::of_string("s")))),
       "(NOT (\"c\" = 's' AND \"c\" COLLATE \"C\" = 's'))"},
      {partial::residual::compare(CompareOp::Ne, column("c", K::String),
                                  value(Literal::of_string("s"))),
       "(\"c\" COLLATE \"C\" <> 's')"},
      {partial::residual::compare(CompareOp::Eq, column("n", K::Int), value(Literal::of_int(3))),
       "(\"n\" = 3)"},
  };
  for (const auto& c : cases) EXPECT_EQ(sql::render_inline(c.expr), c.sql);
}

TEST(SqlRender, AndOrKeepTheirChildrenInOrder) {
  using K = model::AttributeKind;
  const partial::residual::Expr guarded = partial::residual::all_of(
      {partial::residual::present(column("locked", K::Bool)),
       partial::residual::negate(partial::residual::compare(
           CompareOp::Eq, column("locked", K::Bool), value(Literal::of_bool(true))))});
  const partial::residual::Expr either = partial::residual::any_of(
      {guarded,
       partial::residual::compare(CompareOp::Eq, column("x", K::Int), value(Literal::of_int(1)))});
  EXPECT_EQ(sql::render_inline(either),
            "(((\"locked\" IS NOT NULL) AND (NOT (\"locked\" = TRUE))) OR (\"x\" = 1))");
}

// PostgreSQL folds setting names to lower case: `Role` must not land on
// `tenet.principal.role`, nor `Level` on `level`.
TEST(SqlRender, PrincipalSettingNamesCannotCollideUnderCaseFolding) {
  EXPECT_EQ(sql::principal_setting_name("kyc"), "tenet.principal.kyc");
  EXPECT_EQ(sql::principal_setting_name("account_age_days"), "tenet.principal.account_age_days");
  EXPECT_EQ(sql::principal_setting_name("Role"), "tenet.principal.x$$52ole");
  EXPECT_EQ(sql::principal_setting_name("ID"), "tenet.principal.x$$49$44");
  const std::vector<std::string> names{"id",   "role",  "tenant", "ID",    "Id", "iD", "Role",
                                       "ROLE", "level", "Level",  "LEVEL", "x",  "x$", "_a",
                                       "a_b",  "aB",    "a$42",   "ab",    "Ab", "AB", "éa"};
  std::set<std::string> folded{"tenet.tenant", "tenet.principal.id", "tenet.principal.role"};
  for (const std::string& name : names) {
    if (name == "id" || name == "role" || name == "tenant") continue;  // built-ins, not attributes
    std::string setting = sql::principal_setting_name(name);
    for (char& c : setting) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(setting, sql::principal_setting_name(name)) << "not lower case: " << name;
    EXPECT_TRUE(folded.insert(setting).second) << name << " collides as " << setting;
  }
}

TEST(SqlRender, TenantPolicyPrefixesAreShortAsciiAndDistinct) {
  const std::string a = sql::tenant_policy_prefix("harbor-bank.eu");
  const std::string b = sql::tenant_policy_prefix("harbor_bank_eu");
  EXPECT_EQ(a.rfind("tenet_harbor_bank_eu_", 0), 0U);
  EXPECT_NE(a, b);  // same readable part, different hash
  const std::string long_name = sql::tenant_policy_prefix(std::string(500, 'z') + "'\n\"é");
  EXPECT_LE(long_name.size() + std::string("delete_forbid").size(), model::kMaxIdentifierBytes);
  for (const char c : long_name) {
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << long_name;
  }
}

}  // namespace

namespace {

// The filter op's SQL (rendered by sql::render_filter_sql): tenant predicate
// first, every value a parameter, so a hostile principal id never reaches
// the text.
TEST(SqlRender, FilterSqlNeverSplicesAValue) {
  const auto loaded = tenet::Engine::load(std::string(TENET_SOURCE_DIR) + "/policies");
  ASSERT_TRUE(loaded.engine);
  const std::string hostile = "o'brien\\\"; DROP TABLE documents;--";
  const std::string response = loaded.engine->handle_json(
      R"({"op":"filter","tenant":"acme","principal":{"id":")" + hostile +
      R"(","role":"basic","attrs":{}},"action":"read","resource_type":"document"})");
  EXPECT_NE(
      response.find(R"("sql":"(\"provider_id\" = $1 AND \"provider_id\" COLLATE \"C\" = $1) AND )"),
      std::string::npos)
      << response;
  EXPECT_NE(response.find(R"("params":["acme",)"), std::string::npos) << response;
  EXPECT_NE(response.find(R"(\"owner_id\" COLLATE \"C\" = $)"), std::string::npos) << response;
  const std::size_t sql_end = response.find(R"(","params")");
  ASSERT_NE(sql_end, std::string::npos);
  EXPECT_EQ(response.substr(0, sql_end).find("DROP"), std::string::npos) << response;
  EXPECT_NE(response.find("DROP TABLE documents"), std::string::npos);  // in params
}

}  // namespace
