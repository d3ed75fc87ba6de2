// The checker: source text → diagnostics (one table row per case), and the
// model of the language contract's example (its section 9) → its dump.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/model/model.hpp"
#include "grammar/parser.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

// Shared by most cases: every attribute kind, optional ones, three types.
constexpr std::string_view kSchema = R"(schema {
  principal {
    kyc: "none" | "pending" | "verified";
    account_age_days: int;
    company_verified?: bool;
    company_id?: string;
    tags: set<string>;
    scores: set<int>;
  }
  resource document { owner: string; locked: bool; level: int; company_id?: string; }
  resource account { owner: string; level: string; }
  resource subscription { overdue_days: int; }
  context { mfa: bool; }
  actions read, write on document, account, subscription;
}
)";

using test_support::check_files;

// `t.tenet:3:5: unknown-role: unknown role 'x'` for each diagnostic.
std::vector<std::string> describe(const checker::CheckResult& result,
                                  const std::vector<std::pair<std::string, std::string>>& files) {
  SourceSet sources;
  for (const auto& [path, text] : files) (void)sources.add(path, text);
  std::vector<std::string> out;
  for (const Diagnostic& d : result.diagnostics) {
    out.push_back(sources.file(d.span.file).path + ":" + std::to_string(d.span.line) + ":" +
                  std::to_string(d.span.column) + ": " + std::string(code_name(d.code)) + ": " +
                  d.message);
  }
  return out;
}

struct Case {
  std::string name;
  std::string source;  // t.tenet, checked together with kSchema (schema.tenet)
  std::vector<std::string> expected;
};

std::vector<Case> cases() {
  return {
      {"clean", "tenant a { role guest; permit read on document; }", {}},
      {"unknown role with suggestion",
       "tenant a { role guest; permit read on document for gust; }",
       {"t.tenet:1:52: unknown-role: unknown role 'gust' in tenant 'a' (did you mean 'guest'?)"}},
      {"duplicate role",
       "tenant a {\n  role guest;\n  role guest;\n}",
       {"t.tenet:3:8: duplicate-declaration: role 'guest' is already declared in tenant 'a' at "
        "t.tenet:2:8"}},
      {"role redeclared over a template",
       "template r { role guest; }\ntenant a extends r { role guest; }",
       {"t.tenet:2:27: duplicate-declaration: role 'guest' is already declared in tenant 'a' at "
        "t.tenet:1:19"}},
      {"role cycle reported once",
       "tenant a {\n  role x extends y;\n  role y extends x;\n  transition x -> y;\n  transition y "
       "-> x;\n}",
       {"t.tenet:2:8: role-cycle: role inheritance cycle in tenant 'a': x -> y -> x"}},
      {"unknown parent role",
       "tenant a { role basic extends gest; }",
       {"t.tenet:1:31: unknown-role: unknown role 'gest' in tenant 'a'"}},
      {"unknown template, extending a tenant",
       "template retail { }\ntenant a extends retial { }\ntenant b extends a { }",
       {"t.tenet:2:18: unknown-template: 'a' extends 'retial', which is not a declared template "
        "(did you mean "
        "'retail'?)",
        "t.tenet:3:18: extends-tenant: 'b' extends tenant 'a': only templates can be extended, "
        "tenants never share "
        "policies"}},
      {"template cycle",
       "template x extends y { }\ntemplate y extends x { }\ntenant a extends x { }",
       {"t.tenet:1:10: template-cycle: template inheritance cycle: x -> y -> x"}},
      {"duplicate tenant",
       "tenant a { }\ntenant a { }",
       {"t.tenet:2:8: duplicate-declaration: tenant 'a' is already declared at t.tenet:1:8"}},
      {"enum typo",
       "tenant a { role g; permit read on document when principal.kyc == \"verifed\"; }",
       {"t.tenet:1:66: not-a-member: \"verifed\" is not one of the values of principal.kyc "
        "(\"none\" | \"pending\" | "
        "\"verified\") (did you mean 'verified'?)"}},
      {"enum typo in a list, literal on the left",
       "tenant a { role g; permit read on document when \"nne\" == principal.kyc || principal.kyc "
       "in [\"none\", "
       "\"pendin\"]; }",
       {"t.tenet:1:49: not-a-member: \"nne\" is not one of the values of principal.kyc (\"none\" | "
        "\"pending\" | "
        "\"verified\") (did you mean 'none'?)",
        "t.tenet:1:101: not-a-member: \"pendin\" is not one of the values of principal.kyc "
        "(\"none\" | \"pending\" | "
        "\"verified\") (did you mean 'pending'?)"}},
      {"type mismatch",
       "tenant a { role g; permit read on document when principal.account_age_days == \"x\"; }",
       {"t.tenet:1:76: type-mismatch: cannot compare int with string"}},
      {"ordering needs int",
       "tenant a { role g; permit read on document when principal.kyc > 3; }",
       {"t.tenet:1:49: ordering-needs-int: '>' compares int values, but this is \"none\" | "
        "\"pending\" | \"verified\""}},
      {"condition not bool",
       "tenant a { role g; permit read on document when principal.account_age_days; }",
       {"t.tenet:1:49: not-boolean: a 'when' condition must be bool, but this is int"}},
      {"operand of and not bool",
       "tenant a { role g; permit read on document when resource.locked && resource.owner; }",
       {"t.tenet:1:68: not-boolean: the right side of '&&' must be bool, but this is string"}},
      {"not a set",
       "tenant a { role g; permit read on document when resource.owner contains \"x\" || \"x\" in "
       "resource.owner; }",
       {"t.tenet:1:49: not-a-set: 'contains' needs a set, but this is string",
        "t.tenet:1:87: not-a-set: 'in' needs a set, but this is string"}},
      {"set element type",
       "tenant a { role g; permit read on document when principal.account_age_days in "
       "principal.tags; }",
       {"t.tenet:1:76: type-mismatch: cannot compare int with set<string>"}},
      {"sets and lists are fine",
       "tenant a { role g; permit read on document when principal.tags contains \"vip\" && 3 in "
       "principal.scores "
       "&& principal.kyc in principal.tags && principal.tags == [\"a\"] && principal.scores != []; "
       "}",
       {}},
      {"mixed list",
       "tenant a { role g; permit read on document when principal.account_age_days in [1, \"a\"]; "
       "}",
       {"t.tenet:1:83: mixed-list: list items must all have one type: int and string"}},
      {"list items of the wrong type",
       "tenant a { role g; permit read on document when principal.account_age_days in [\"a\"]; }",
       {"t.tenet:1:76: type-mismatch: cannot compare int with a list of string"}},
      {"no resource in a transition",
       "tenant a {\n  role g;\n  role b extends g;\n  transition g -> b when resource.owner == "
       "\"x\";\n}",
       {"t.tenet:4:26: no-resource-here: 'resource.owner' is not available here: a transition has "
        "no resource"}},
      {"no state without a lifecycle",
       "tenant a { role g; permit read on document when resource.state == \"x\"; }",
       {"t.tenet:1:49: no-state-here: resource.state is not available: resource type 'document' "
        "has no lifecycle in "
        "tenant 'a'"}},
      {"unknown attribute with suggestion",
       "tenant a { role g; permit read on document when principal.kcy == \"none\" && context.mfaa; "
       "}",
       {"t.tenet:1:59: unknown-attribute: unknown attribute 'principal.kcy' (did you mean 'kyc'?)",
        "t.tenet:1:84: unknown-attribute: unknown attribute 'context.mfaa' (did you mean 'mfa'?)"}},
      {"attribute missing on one of several types",
       "tenant a { role g; permit read on document, subscription when resource.owner == "
       "principal.id; }",
       {"t.tenet:1:72: unknown-attribute: unknown attribute 'resource.owner' on resource type "
        "'subscription'"}},
      {"attribute with different types",
       "tenant a { role g; permit read on document, account when resource.level == 1; }",
       {"t.tenet:1:67: attribute-type-differs: 'resource.level' is int on resource type 'document' "
        "but string on "
        "'account'; a rule over several types needs one type"}},
      {"star covers every type",
       "tenant a { role g; permit read on * when resource.owner == principal.id; }",
       {"t.tenet:1:51: unknown-attribute: unknown attribute 'resource.owner' on resource type "
        "'subscription'"}},
      {"unknown resource type",
       "tenant a { role g; permit read on documnt; lifecycle acount { states x; initial x; } }",
       {"t.tenet:1:35: unknown-resource-type: unknown resource type 'documnt' (did you mean "
        "'document'?)",
        "t.tenet:1:54: unknown-resource-type: unknown resource type 'acount' (did you mean "
        "'account'?)"}},
      {"lifecycle problems",
       "tenant a {\n  role g;\n  lifecycle subscription {\n    states on_, off_, on_;\n    initial "
       "of;\n    on_ -> "
       "offf;\n  }\n  lifecycle document { }\n}",
       {"t.tenet:4:23: duplicate-declaration: state 'on_' is already declared at t.tenet:4:12",
        "t.tenet:5:13: initial-not-a-state: initial state 'of' is not one of the states of the "
        "lifecycle of "
        "'subscription'",
        "t.tenet:6:12: unknown-state: unknown state 'offf' in the lifecycle of 'subscription' in "
        "tenant 'a' (did you "
        "mean 'off_'?)",
        "t.tenet:8:13: lifecycle-without-states: lifecycle of 'document' declares no states",
        "t.tenet:8:13: lifecycle-without-initial: lifecycle of 'document' has no initial state"}},
      {"state literals",
       "tenant a {\n  role g;\n  lifecycle subscription { states s1, s2; initial s1; s1 -> s2 when "
       "resource.state == "
       "\"s3\"; }\n  permit read on subscription when resource.state in [\"s1\", \"s4\"];\n}",
       {"t.tenet:3:87: unknown-state: unknown state 's3' in the lifecycle of 'subscription' in "
        "tenant 'a' (did you "
        "mean 's1'?)",
        "t.tenet:4:61: unknown-state: unknown state 's4' in the lifecycle of 'subscription' in "
        "tenant 'a' (did you "
        "mean 's1'?)"}},
      {"role literal",
       "tenant a { role guest; permit read on document when principal.role == \"gues\" || "
       "principal.role in "
       "[\"guest\"]; }",
       {"t.tenet:1:71: unknown-role: unknown role 'gues' in tenant 'a' (did you mean 'guest'?)"}},
      {"resource type literal",
       "tenant a { role g; permit read on * when resource.type == \"doc\"; }",
       {"t.tenet:1:59: unknown-resource-type: unknown resource type 'doc'"}},
      {"unknown feature, feature cycle",
       "tenant a {\n  role g;\n  feature x on when enabled(y);\n  feature y on when enabled(x);\n  "
       "feature z off when "
       "enabled(zz);\n  plan p { requires feature x, w; }\n}",
       {"t.tenet:3:11: feature-cycle: features depend on each other in a cycle in tenant 'a': x -> "
        "y -> x",
        "t.tenet:5:30: unknown-feature: unknown feature 'zz' in tenant 'a' (did you mean 'z'?)",
        "t.tenet:6:32: unknown-feature: unknown feature 'w' in tenant 'a'"}},
      {"no resource in a feature or plan",
       "tenant a {\n  role g;\n  feature x on when resource has owner;\n  plan p { when "
       "resource.locked; }\n}",
       {"t.tenet:3:21: no-resource-here: 'resource.owner' is not available here: a feature has no "
        "resource",
        "t.tenet:4:17: no-resource-here: 'resource.locked' is not available here: a plan has no "
        "resource"}},
      {"duplicate feature in one body, override in a tenant",
       "template r { feature x on; feature x off; plan p { } }\ntenant a extends r { feature x "
       "off; plan p { } }",
       {"t.tenet:1:36: duplicate-declaration: feature 'x' is already declared in template 'r' at "
        "t.tenet:1:22"}},
      {"duplicate id",
       "tenant a {\n  role g;\n  @id(\"r1\") permit read on document;\n  @id(\"r1\") forbid write "
       "on document when "
       "resource.locked;\n}",
       {"t.tenet:4:7: duplicate-id: id 'r1' is already used in tenant 'a' at t.tenet:3:7"}},
      {"a template's error is reported once",
       "template r { role g; permit read on document for h; }\ntenant a extends r { }\ntenant b "
       "extends r { }",
       {"t.tenet:1:50: unknown-role: unknown role 'h' in template 'r'"}},
      {"a template is checked on its own",
       "template r { permit read on document when enabled(f); }\ntenant a extends r { role g; "
       "feature f on; }",
       {"t.tenet:1:51: unknown-feature: unknown feature 'f' in template 'r'"}},
      {"unguarded optional",
       "tenant a { role g; permit read on document when principal.company_id == \"x\"; }",
       {"t.tenet:1:49: unguarded-optional: 'principal.company_id' is optional and read without a "
        "guard; add "
        "'principal has company_id &&' before it (a request without it puts the rule in error)"}},
      {"guarded optionals",
       "tenant a {\n  role g;\n  permit read on document when principal has company_id && "
       "principal.company_id == "
       "\"x\";\n  permit read on document when !(principal has company_id) || principal.company_id "
       "== \"x\";\n  "
       "permit read on document when principal has company_verified unless "
       "principal.company_verified;\n  permit "
       "read on document when not (not (resource has company_id)) && resource.company_id == "
       "\"y\";\n}",
       {}},
      {"guard on another path does not count",
       "tenant a { role g; permit read on document when resource has company_id && "
       "principal.company_id == \"x\"; }",
       {"t.tenet:1:76: unguarded-optional: 'principal.company_id' is optional and read without a "
        "guard; add "
        "'principal has company_id &&' before it (a request without it puts the rule in error)"}},
      {"unreachable state and role",
       "tenant a {\n  role guest;\n  role basic extends guest;\n  lifecycle subscription { states "
       "s1, s2, s3; initial "
       "s1; s1 -> s2; s3 -> s1; }\n}",
       {"t.tenet:3:8: unreachable-role: no transition leads to role 'basic' in tenant 'a'",
        "t.tenet:4:43: unreachable-state: state 's3' of the lifecycle of 'subscription' cannot be "
        "reached from the "
        "initial state 's1'"}},
      {"permit always overridden",
       "tenant a {\n  role guest;\n  role basic extends guest;\n  transition guest -> basic;\n  "
       "permit read on document "
       "for basic when resource.locked;\n  forbid read, write on * for guest;\n  permit read on "
       "account;\n}",
       {"t.tenet:5:3: permit-always-overridden: this permit can never grant in tenant 'a': the "
        "unconditional forbid "
        "at t.tenet:6:3 always overrides it",
        "t.tenet:7:3: permit-always-overridden: this permit can never grant in tenant 'a': the "
        "unconditional forbid "
        "at t.tenet:6:3 always overrides it"}},
      {"a problem only a tenant's combination causes is reported in the tenant",
       "template r {\n  role g;\n  lifecycle subscription { states s1, s2; initial s1; s1 -> s2; "
       "}\n  permit read on "
       "subscription when resource.state == \"s2\";\n}\ntenant a extends r {\n  lifecycle "
       "subscription { states "
       "open; initial open; }\n}",
       {"t.tenet:4:54: unknown-state: unknown state 's2' in the lifecycle of 'subscription' in "
        "tenant 'a'"}},
      {"default ids on one line do not collide",
       "tenant a { role g; permit read on document; permit write on document; }",
       {}},
      {"an @id equal to a default id",
       "tenant a {\n  role g;\n  permit read on document;\n  @id(\"t.tenet:3\") permit write on "
       "document;\n}",
       {"t.tenet:4:7: duplicate-id: id 't.tenet:3' is already used in tenant 'a' at t.tenet:3:3"}},
      {"ids are unique across templates",
       "template r { @id(\"x\") permit read on document; }\ntemplate s { @id(\"x\") permit write "
       "on document; }\n"
       "tenant a extends r, s { role g; }",
       {"t.tenet:2:18: duplicate-id: id 'x' is already used in tenant 'a' at t.tenet:1:18"}},
      {"duplicate lifecycle and plan in one body",
       "tenant a {\n  role g;\n  plan p { }\n  plan p { }\n  lifecycle subscription { states s; "
       "initial s; }\n  "
       "lifecycle subscription { states s; initial s; }\n}",
       {"t.tenet:4:8: duplicate-declaration: plan 'p' is already declared in tenant 'a' at "
        "t.tenet:3:8",
        "t.tenet:6:13: duplicate-declaration: lifecycle 'subscription' is already declared in "
        "tenant 'a' at "
        "t.tenet:5:13"}},
      {"enums compare with the same enum only",
       "tenant a { role g; permit read on document when principal.kyc == principal.kyc && "
       "principal.kyc != 1; }",
       {"t.tenet:1:97: type-mismatch: cannot compare \"none\" | \"pending\" | \"verified\" with "
        "int"}},
      {"context is available everywhere",
       "tenant a {\n  role g;\n  role b extends g;\n  transition g -> b when context.mfa;\n  "
       "feature f on when "
       "context.mfa;\n  plan p { when context.mfa && enabled(f); }\n}",
       {}},
      {"conditional forbid does not override",
       "tenant a { role g; permit read on document; forbid read on document unless context.mfa; }",
       {}},
  };
}

class CheckerCase : public ::testing::TestWithParam<Case> {};

TEST_P(CheckerCase, ReportsExactly) {
  const Case& c = GetParam();
  const std::vector<std::pair<std::string, std::string>> files{
      {"schema.tenet", std::string(kSchema)}, {"t.tenet", c.source}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files), c.expected);
  EXPECT_EQ(result.policy_set == nullptr, has_errors(result.diagnostics));
}

INSTANTIATE_TEST_SUITE_P(Table, CheckerCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name;
                           for (const char c : info.param.name)
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// @sensitive reaches the model on exactly the attributes it is written on,
// with @column kept alongside; everything else about them is unchanged.
TEST(Checker, SensitiveIsCarriedIntoTheModel) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"a.tenet",
       "schema {\n  principal { national_id: string @sensitive; kyc: bool; }\n"
       "  resource account @table(\"accounts\") { iban: string @column(\"iban_text\") "
       "@sensitive; owner: string; }\n  context { ip?: string @sensitive; }\n"
       "  actions read on account;\n}\n"
       "tenant t { role r; permit read on account when resource.iban == principal.national_id; "
       "}"}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files), std::vector<std::string>{});
  ASSERT_TRUE(result.policy_set);
  const std::string dump = model::dump(*result.policy_set);
  EXPECT_NE(dump.find("    national_id: string @0 sensitive\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("    kyc: bool @1\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("    ip?: string @0 sensitive\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("    iban: string @0 column iban_text sensitive\n"), std::string::npos)
      << dump;
  EXPECT_NE(dump.find("    owner: string @1 column owner\n"), std::string::npos) << dump;
}

TEST(Checker, SchemaProblems) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"a.tenet",
       "schema {\n  principal { kyc: string; role: string; }\n  resource doc @table(\"docs\") { "
       "owner: string "
       "@column(\"provider_id\"); }\n}"},
      {"b.tenet",
       "schema {\n  principal { kyc: int; }\n  resource doc @table(\"d2\") { state: string; "
       "writer: string "
       "@column(\"w\"); reader: string @column(\"w\"); owner: int; }\n  context { k: \"a\" | "
       "\"a\"; }\n}"},
  };
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(
      describe(result, files),
      (std::vector<std::string>{
          "a.tenet:2:28: duplicate-attribute: attribute 'role' of principal is already declared as "
          "a built-in "
          "attribute",
          "a.tenet:3:55: duplicate-column: column 'provider_id' of resource type 'doc' is already "
          "used by the "
          "tenant column",
          "b.tenet:2:15: duplicate-attribute: attribute 'kyc' of principal is already declared at "
          "a.tenet:2:15",
          "b.tenet:3:23: duplicate-mapping: resource type 'doc' already has @table (at "
          "a.tenet:3:23)",
          "b.tenet:3:31: duplicate-attribute: attribute 'state' of resource type 'doc' is already "
          "declared as a "
          "built-in attribute",
          "b.tenet:3:98: duplicate-column: column 'w' of resource type 'doc' is already used by "
          "attribute "
          "'writer'",
          "b.tenet:3:104: duplicate-attribute: attribute 'owner' of resource type 'doc' is already "
          "declared at "
          "a.tenet:3:33",
          "b.tenet:4:22: duplicate-declaration: enum value 'a' is already declared at b.tenet:4:16",
      }));
}

// What the database mapping cannot honour (issue 20): two types in one
// table (quoted names: "Docs" is another table), a tenant named "" (an
// empty tenant is no tenant). A different tenant and table pass.
TEST(Checker, DatabaseMappingProblems) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"a.tenet",
       "schema {\n  resource doc @table(\"docs\") {}\n  resource note @table(\"Docs\") {}\n"
       "  resource memo @table(\"docs\") {}\n  actions read on doc;\n}\n"
       "tenant \"\" { role guest; permit read on doc; }\ntenant \" \" { role guest; }\n"},
  };
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files),
            (std::vector<std::string>{
                "a.tenet:4:24: table-mapped-twice: table \"docs\" is already the table of resource "
                "type 'doc' (at a.tenet:2:23): a table holds one resource type",
                "a.tenet:7:8: empty-tenant-name: a tenant name cannot be empty: an empty tenant is "
                "no tenant, in requests and in the database",
            }));
  EXPECT_EQ(result.policy_set, nullptr);
}

// The language contract's example (its section 9), plus a tenant that replaces an inherited
// feature, plan and lifecycle.
constexpr std::string_view kExampleSchema = R"(schema {
  principal { kyc: "none" | "pending" | "verified"; account_age_days: int; company_verified?: bool; }
  resource document { owner: string; locked: bool; }
  resource subscription { overdue_days: int; }
  actions read, write on document;
}
)";

constexpr std::string_view kRetail = R"(template retail {
  role guest;
  role basic extends guest;
  role advanced extends basic;
  role company extends advanced;

  transition guest -> basic        when principal.kyc == "verified";
  transition basic -> advanced     when principal.account_age_days >= 30;
  transition advanced -> company   when principal has company_verified && principal.company_verified;

  lifecycle subscription {
    states signing, signed, suspended, unsigned;
    initial signing;
    signing -> signed;
    signed -> suspended            when resource.overdue_days > 30;
    suspended -> signed            when resource.overdue_days == 0;
    signed, suspended -> unsigned;
  }

  feature beta_ui on;
  plan starter { for basic; }
  plan gold { for company; }

  @id("owner-reads") permit read on document when resource.owner == principal.id;
  @id("locked")      forbid write on document when resource.locked;
}
)";

constexpr std::string_view kAcme = R"(tenant acme extends retail {
  feature trading on  for advanced;
  feature beta_ui off;
  plan starter { for guest; when enabled(beta_ui); }
  plan pro     { for advanced; requires feature trading; }
  permit write on document for basic when resource.owner == principal.id;
}

tenant beta extends retail {
  lifecycle subscription {
    states open, closed;
    initial open;
    open -> closed by advanced;
  }
}
)";

TEST(Checker, ExampleModel) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"schema.tenet", std::string(kExampleSchema)},
      {"retail.tenet", std::string(kRetail)},
      {"tenants/acme.tenet", std::string(kAcme)}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files), std::vector<std::string>{});
  ASSERT_NE(result.policy_set, nullptr);
  const std::string expected = R"(schema
  principal
    kyc: "none" | "pending" | "verified" @0
    account_age_days: int @1
    company_verified?: bool @2
  context
  resource document
    owner: string @0
    locked: bool @1
    actions read write
  resource subscription
    overdue_days: int @2
tenant acme
  role guest is guest
  role basic extends guest is guest,basic
  role advanced extends basic is guest,basic,advanced
  role company extends advanced is guest,basic,advanced,company
  transition retail.tenet:7: guest -> basic when (== principal.kyc@0 "verified"#2)
  transition retail.tenet:8: basic -> advanced when (>= principal.account_age_days@1 30)
  transition retail.tenet:9: advanced -> company when (&& (has principal.company_verified@2) principal.company_verified@2)
  feature beta_ui off
  feature trading on for advanced
  feature order: beta_ui trading
  plan starter (tenants/acme.tenet:4) for guest when (enabled beta_ui)
  plan gold (retail.tenet:22) for company
  plan pro (tenants/acme.tenet:5) for advanced requires trading
  lifecycle subscription states signing signed suspended unsigned initial signing
    edge retail.tenet:14: signing -> signed
    edge retail.tenet:15: signed -> suspended when (> resource.overdue_days@2 30)
    edge retail.tenet:16: suspended -> signed when (== resource.overdue_days@2 0)
    edge retail.tenet:17: signed suspended -> unsigned
  permit owner-reads: read on document when (== resource.owner@0 principal.id)
  forbid locked: write on document when resource.locked@1
  permit tenants/acme.tenet:6: write on document for basic when (== resource.owner@0 principal.id)
tenant beta
  role guest is guest
  role basic extends guest is guest,basic
  role advanced extends basic is guest,basic,advanced
  role company extends advanced is guest,basic,advanced,company
  transition retail.tenet:7: guest -> basic when (== principal.kyc@0 "verified"#2)
  transition retail.tenet:8: basic -> advanced when (>= principal.account_age_days@1 30)
  transition retail.tenet:9: advanced -> company when (&& (has principal.company_verified@2) principal.company_verified@2)
  feature beta_ui on
  feature order: beta_ui
  plan starter (retail.tenet:21) for basic
  plan gold (retail.tenet:22) for company
  lifecycle subscription states open closed initial open
    edge tenants/acme.tenet:13: open -> closed by advanced
  permit owner-reads: read on document when (== resource.owner@0 principal.id)
  forbid locked: write on document when resource.locked@1
)";
  EXPECT_EQ(model::dump(*result.policy_set), expected);

  // Interned names and the precomputed closure, read through the API.
  const model::PolicySet& set = *result.policy_set;
  const model::Tenant* acme = set.find_tenant("acme");
  ASSERT_NE(acme, nullptr);
  EXPECT_EQ(set.find_tenant("retail"), nullptr);  // templates are not tenants
  const model::Index guest = acme->find_role(*set.names.find("guest"));
  const model::Index company = acme->find_role(*set.names.find("company"));
  EXPECT_TRUE(acme->roles[company].is_a(guest));
  EXPECT_FALSE(acme->roles[guest].is_a(company));
  EXPECT_TRUE(acme->matches(company, acme->plans[0].roles));  // `for guest` covers company
  EXPECT_EQ(set.find_tenant("beta")->roles[0].name, acme->roles[0].name);  // one interner

  // `unmet` quotes each top-level conjunct as written.
  const model::ExprId company_condition = acme->transitions.at(2).condition;
  std::vector<std::string_view> quoted;
  for (const model::ExprId c : model::conjuncts(*acme, company_condition)) {
    quoted.push_back(model::source_text(set, *acme, c));
  }
  EXPECT_EQ(quoted, (std::vector<std::string_view>{"principal has company_verified",
                                                   "principal.company_verified"}));
}

TEST(Checker, ConjunctsKeepParentheses) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"schema.tenet", std::string(kExampleSchema)},
      {"t.tenet",
       "tenant t { role g; permit read on document when (resource.locked && resource.owner == "
       "\"a\") "
       "&& (resource.locked || resource.locked) && resource.locked; }"}};
  const checker::CheckResult result = check_files(files);
  ASSERT_NE(result.policy_set, nullptr);
  const model::PolicySet& set = *result.policy_set;
  std::vector<std::string_view> quoted;
  const model::Tenant& tenant = set.tenants.at(0);
  for (const model::ExprId c : model::conjuncts(tenant, tenant.rules.at(0).when)) {
    quoted.push_back(model::source_text(set, tenant, c));
  }
  EXPECT_EQ(quoted, (std::vector<std::string_view>{"(resource.locked && resource.owner == \"a\")",
                                                   "(resource.locked || resource.locked)",
                                                   "resource.locked"}));
}

// Templates are included depth first, left to right, once each (base is
// reached twice); a later layer replaces a feature / plan / lifecycle in the
// place where it was first declared (so `plans` keeps a stable order), and
// of two sibling templates the later one wins. Two default ids on one line
// (line 3: a transition and a plan) get the column added to the later one.
TEST(Checker, LayersAndOverrides) {
  const std::vector<std::pair<std::string, std::string>> files{
      {"schema.tenet", std::string(kExampleSchema)},
      {"t.tenet", R"(template base { role guest; plan p1 { } plan p2 { } feature f on; }
template left extends base { role l extends guest; transition guest -> l; feature f off; }
template right extends base { role r extends guest; transition guest -> r; plan p1 { for r; } }
tenant t extends left, right { plan p2 { for l; } plan p3 { } }
)"}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files), std::vector<std::string>{});
  ASSERT_NE(result.policy_set, nullptr);
  EXPECT_EQ(model::dump_tenant(*result.policy_set, result.policy_set->tenants.at(0)),
            R"(tenant t
  role guest is guest
  role l extends guest is guest,l
  role r extends guest is guest,r
  transition t.tenet:2: guest -> l
  transition t.tenet:3: guest -> r
  feature f off
  feature order: f
  plan p1 (t.tenet:3:76) for r
  plan p2 (t.tenet:4) for l
  plan p3 (t.tenet:4:51)
)");
}

// The example of the language contract (its section 9), verbatim: clean.
TEST(Checker, LanguageExampleIsClean) {
  const std::vector<std::pair<std::string, std::string>> files{{"example.tenet", R"(schema {
  principal { kyc: "none" | "pending" | "verified"; account_age_days: int; company_verified?: bool; }
  resource document { owner: string; locked: bool; }
  resource subscription { overdue_days: int; }
  actions read, write on document;
}

template retail {
  role guest;
  role basic extends guest;
  role advanced extends basic;
  role company extends advanced;

  transition guest -> basic        when principal.kyc == "verified";
  transition basic -> advanced     when principal.account_age_days >= 30;
  transition advanced -> company   when principal has company_verified && principal.company_verified;

  lifecycle subscription {
    states signing, signed, suspended, unsigned;
    initial signing;
    signing -> signed;
    signed -> suspended            when resource.overdue_days > 30;
    suspended -> signed            when resource.overdue_days == 0;
    signed, suspended -> unsigned;
  }

  @id("owner-reads") permit read on document when resource.owner == principal.id;
  @id("locked")      forbid write on document when resource.locked;
}

tenant acme extends retail {
  feature trading on  for advanced;
  feature beta_ui off;
  plan starter { for basic; }
  plan pro     { for advanced; requires feature trading; }
  permit write on document for basic when resource.owner == principal.id;
}
)"}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files), std::vector<std::string>{});
  ASSERT_NE(result.policy_set, nullptr);
  const model::Tenant& acme = result.policy_set->tenants.at(0);
  EXPECT_EQ(acme.rules.at(2).id, "example.tenet:36");  // the `actions` line moved it down one
  EXPECT_EQ(acme.plans.at(1).required_features, std::vector<model::Index>{0});
}

}  // namespace
}  // namespace tenet
