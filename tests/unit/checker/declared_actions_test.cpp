// Declared actions (docs/LANGUAGE.md §3 "Actions"): what the checker
// accepts and refuses in `actions A, B on T, U;` lines and in the rules that
// name actions, and what a rule then applies to: only the (action, type)
// pairs the tenant declares (the schema's, its templates' and its own).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/model/action_slots.hpp"
#include "grammar/parser.hpp"
#include "tests/support/allocation_counter.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

using Files = std::vector<std::pair<std::string, std::string>>;
using Lines = std::vector<std::string>;

using test_support::check_files;

// `t.tenet:3:5: undeclared-action: action 'x' ...` for each diagnostic.
Lines describe(const checker::CheckResult& result, const Files& files) {
  SourceSet sources;
  for (const auto& [path, text] : files) (void)sources.add(path, text);
  Lines out;
  for (const Diagnostic& d : result.diagnostics) {
    out.push_back(sources.file(d.span.file).path + ":" + std::to_string(d.span.line) + ":" +
                  std::to_string(d.span.column) + ": " + std::string(code_name(d.code)) + ": " +
                  d.message);
  }
  return out;
}

// `read` on both types, `approve` on invoice only.
constexpr std::string_view kSchema = R"(schema {
  principal { level: int; }
  resource document { owner: string; }
  resource invoice { owner: string; amount: int; }
  actions read on document, invoice;
  actions approve on invoice;
}
)";

Lines check_tenant(const std::string& text) {
  const Files files{{"schema.tenet", std::string(kSchema)}, {"t.tenet", text}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(result.policy_set == nullptr, has_errors(result.diagnostics));
  return describe(result, files);
}

std::string check_line(std::string_view tenant, std::string_view role, std::string_view action,
                       std::string_view type, std::string_view owner = "u1") {
  return R"({"op":"check","tenant":")" + std::string(tenant) +
         R"(","principal":{"id":"u1","role":")" + std::string(role) +
         R"(","attrs":{"level":3}},"action":")" + std::string(action) +
         R"(","resource":{"type":")" + std::string(type) + R"(","id":"r1","tenant":")" +
         std::string(tenant) + R"(","attrs":{"owner":")" + std::string(owner) +
         R"(","amount":10}}})";
}

bool allows(const std::string& response) {
  return response.find(R"("decision":"allow")") != std::string::npos;
}

// ------------------------------------------------------------------ checker

TEST(DeclaredActions, AnActionDeclaredOnlyForAnotherTypeIsAnError) {
  // approve is declared for invoice: a rule on document alone cannot name it.
  EXPECT_EQ(check_tenant("tenant acme { role clerk; permit approve on document; }"),
            (Lines{"t.tenet:1:34: undeclared-action: action 'approve' is not declared for "
                   "resource type 'document' in tenant 'acme'"}));
  // On invoice (or on both types, or on `*`), it is fine.
  EXPECT_EQ(check_tenant("tenant acme { role clerk; permit approve on invoice; permit approve on "
                         "document, invoice; permit approve on *; }"),
            Lines{});
}

TEST(DeclaredActions, AMisspeltActionGetsASuggestion) {
  EXPECT_EQ(check_tenant("tenant acme {\n  role clerk;\n  permit raed on document;\n"
                         "  forbid read, aprove on document, invoice;\n"
                         "  permit wrte on *;\n}"),
            (Lines{"t.tenet:3:10: undeclared-action: action 'raed' is not declared for resource "
                   "type 'document' (did you mean 'read'?) in tenant 'acme'",
                   "t.tenet:4:16: undeclared-action: action 'aprove' is not declared for "
                   "resource types 'document', 'invoice' (did you mean 'approve'?) in tenant "
                   "'acme'",
                   "t.tenet:5:10: undeclared-action: action 'wrte' is not declared for any "
                   "resource type in tenant 'acme'"}));
}

// `permit read, approve on document, invoice` with approve declared for
// invoice only compiles, and applies to read on both types and to approve on
// invoice: approve on document is not a pair the tenant declares.
TEST(DeclaredActions, ARuleAppliesOnlyToTheDeclaredPairsItNames) {
  const std::string text = std::string(kSchema) + R"(tenant acme {
  role clerk;
  role boss;
  @id("clerks") permit read, approve on document, invoice for clerk;
  @id("boss-all") permit * on document for boss;
}
)";
  const auto policies = test_support::compile_source("acme.tenet", text);
  ASSERT_TRUE(policies);
  const Index acme = policies->find_tenant("acme");
  EXPECT_EQ(compile::dump_tree(*policies, acme), R"(tenant acme
roles
  clerk is clerk
  boss is boss
check
  read on document
    permit acme:clerks for clerk
    permit acme:boss-all for boss
  read on invoice
    permit acme:clerks for clerk
  approve on invoice
    permit acme:clerks for clerk
transitions
features
plans
lifecycles
)");

  // The compiled form: approve has a slot, declared for invoice only.
  const Index approve = policies->find_action(acme, "approve");
  const Index document = policies->find_resource_type("document");
  const Index invoice = policies->find_resource_type("invoice");
  ASSERT_NE(approve, kNone);
  const compile::Tenant& tenant = policies->tenant(acme);
  EXPECT_TRUE(tenant.declares(approve, invoice));
  EXPECT_FALSE(tenant.declares(approve, document));
  EXPECT_EQ(policies->find_action(acme, "delete"), kNone);

  // The evaluator, with a request built in code.
  const std::vector<Value> principal(policies->principal_slot_count());
  const std::vector<Value> context(policies->context_slot_count());
  const std::vector<Value> resource(policies->resource_slot_count());
  const auto decide = [&](std::string_view role, std::string_view action, Index type) {
    eval::CheckRequest request;
    request.tenant_name = "acme";
    request.tenant = acme;
    request.principal.id = "u1";
    request.principal.role_name = role;
    request.principal.role = policies->find_role(acme, role);
    request.principal.attributes = principal;
    request.context = context;
    request.action_name = action;
    request.action = policies->find_action(acme, action);
    request.resource.type = type;
    request.resource.id = "r1";
    request.resource.tenant = "acme";
    request.resource.attributes = resource;
    Decision decision;
    eval::check(*policies, request, decision);
    return decision;
  };
  EXPECT_TRUE(decide("clerk", "approve", invoice).allow);
  EXPECT_TRUE(decide("clerk", "read", document).allow);
  EXPECT_TRUE(decide("clerk", "read", invoice).allow);
  for (const std::string_view role : {"clerk", "boss"}) {
    const Decision undeclared = decide(role, "approve", document);
    EXPECT_FALSE(undeclared.allow) << role;
    EXPECT_EQ(undeclared.error_code, "invalid_request") << role;
    EXPECT_EQ(undeclared.error_message,
              "the action is not declared for this resource type in this tenant");
  }
  // `*` on document is read only: approve is not an action of document.
  EXPECT_TRUE(decide("boss", "read", document).allow);
  const Decision boss_invoice = decide("boss", "approve", invoice);
  EXPECT_FALSE(boss_invoice.allow);
  EXPECT_TRUE(boss_invoice.error_code.empty());

  // The same over JSON, where the message names the action, type and tenant.
  const Engine engine(policies);
  EXPECT_TRUE(allows(engine.handle_json(check_line("acme", "clerk", "approve", "invoice"))));
  const std::string denied = engine.handle_json(check_line("acme", "boss", "approve", "document"));
  EXPECT_FALSE(allows(denied));
  EXPECT_NE(denied.find(R"("code":"invalid_request")"), std::string::npos) << denied;
  EXPECT_NE(denied.find("action 'approve' is not declared for resource type 'document' in "
                        "tenant 'acme'"),
            std::string::npos)
      << denied;
}

// One `actions` line declares its actions × its types: 400 × 300 is over
// the 100,000 pairs a tenant may declare. Refused with one error, without
// building anything per pair beyond the limit (nor a rule table for `*`):
// a hostile line of 4,000 × 3,000 (12 million pairs, 40 KB) costs the same.
TEST(DeclaredActions, MoreThanTheLimitOfDeclaredPairsIsRefusedFast) {
  for (const auto& [actions, types] : {std::pair{400, 300}, std::pair{4000, 3000}}) {
    std::string text = "schema {\n  principal { level: int; }\n";
    for (int t = 0; t < types; ++t) text += "  resource t" + std::to_string(t) + " { }\n";
    text += "  actions ";
    for (int a = 0; a < actions; ++a) text += (a == 0 ? "a" : ", a") + std::to_string(a);
    text += " on ";
    for (int t = 0; t < types; ++t) text += (t == 0 ? "t" : ", t") + std::to_string(t);
    text += ";\n}\ntenant acme {\n  role r;\n  permit * on *;\n  permit a7 on t9;\n}\n";
    const std::string shape = std::to_string(actions) + " x " + std::to_string(types);

    auto sources = std::make_shared<SourceSet>();
    const FileId id = sources->add("policy.tenet", text);
    const grammar::ParseResult parsed = grammar::parse_file(*sources, id, false);
    ASSERT_TRUE(parsed.diagnostics.empty()) << shape;
    const std::uint64_t before = test_support::thread_allocations();
    const checker::CheckResult result = checker::check_policy_set(sources, {parsed.file});
    const std::uint64_t made = test_support::thread_allocations() - before;

    EXPECT_FALSE(result.policy_set) << shape;
    Lines errors;
    for (const Diagnostic& d : result.diagnostics) {
      if (d.severity == Severity::Error) errors.push_back(d.message);
    }
    EXPECT_EQ(errors, Lines{"more than 100000 (action, resource type) pairs are declared, more "
                            "than the limit of 100000"})
        << shape;
    ASSERT_FALSE(result.diagnostics.empty()) << shape;
    EXPECT_EQ(result.diagnostics[0].code, DiagCode::PolicyTooLarge) << shape;
    EXPECT_EQ(result.diagnostics[0].span.line, static_cast<unsigned>(types + 3)) << shape;
    // Work about the limit's size (some 500,000 allocations), not the
    // line's product: a structural bound (time is the benchmarks' job).
    RecordProperty("allocations_" + std::to_string(actions), std::to_string(made));
    EXPECT_LT(made, 2'000'000U) << shape;
  }
}

// The schema's pairs and a tenant's own add up: the tenant that goes over
// the limit is the one refused, named in the message.
TEST(DeclaredActions, ATenantsOwnActionsCountWithTheSchemas) {
  std::string text = "schema {\n  resource t0 { }\n  resource t1 { }\n  actions ";
  for (int a = 0; a < 50'000; ++a) text += (a == 0 ? "a" : ", a") + std::to_string(a);
  text += " on t0, t1;\n}\n";  // exactly 100,000 pairs
  text += "tenant small { role r; permit a1 on t0; }\n";
  text += "tenant big { actions extra on t0; role r; permit a1 on t0; }\n";
  const Files files{{"policy.tenet", text}};
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files),
            (Lines{"policy.tenet:7:14: policy-too-large: more than 100000 (action, resource type) "
                   "pairs are declared in tenant 'big', more than the limit of 100000"}));
  // Only big's unit is broken: small, at the limit, could be served.
  ASSERT_EQ(result.units.size(), 2U);
  EXPECT_EQ(result.units[0].tenant, "small");
  EXPECT_TRUE(result.units[0].ok());
  EXPECT_EQ(result.units[1].tenant, "big");
  EXPECT_FALSE(result.units[1].ok());
}

// A template's `actions` line is inherited by every tenant (and template)
// that extends it; a tenant that does not extend it cannot name them.
TEST(DeclaredActions, ATemplatesActionsAreInheritedByTheTenantsThatExtendIt) {
  const std::string text = std::string(kSchema) + R"(template retail {
  actions export on document;
  role clerk;
  @id("own-export") permit export on document when resource.owner == principal.id;
}
template premium extends retail {
  actions archive on document, invoice;
}
tenant acme extends premium {
  @id("clerk-archive") permit archive, export on invoice, document for clerk;
}
tenant globex {
  role clerk;
  @id("reads") permit read on document;
}
)";
  const auto policies = test_support::compile_source("retail.tenet", text);
  ASSERT_TRUE(policies);
  const Index acme = policies->find_tenant("acme");
  const Index globex = policies->find_tenant("globex");
  EXPECT_NE(policies->find_action(acme, "export"), kNone);
  EXPECT_NE(policies->find_action(acme, "archive"), kNone);
  EXPECT_EQ(policies->find_action(globex, "export"), kNone);
  EXPECT_EQ(policies->find_action(globex, "archive"), kNone);
  const compile::Tenant& tenant = policies->tenant(acme);
  const Index invoice = policies->find_resource_type("invoice");
  EXPECT_FALSE(tenant.declares(policies->find_action(acme, "export"), invoice));
  EXPECT_TRUE(tenant.declares(policies->find_action(acme, "archive"), invoice));

  // The model lists what the templates add to the schema, per type.
  const std::string dump = model::dump_tenant(policies->model(), policies->model().tenants.at(0));
  EXPECT_NE(dump.find("  actions on document: export archive\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("  actions on invoice: archive\n"), std::string::npos) << dump;

  const Engine engine(policies);
  const std::string own = engine.handle_json(check_line("acme", "clerk", "export", "document"));
  EXPECT_TRUE(allows(own));
  EXPECT_NE(own.find(R"("reasons":["acme:own-export","acme:clerk-archive"])"), std::string::npos)
      << own;
  EXPECT_TRUE(allows(engine.handle_json(check_line("acme", "clerk", "archive", "invoice"))));
  const std::string elsewhere =
      engine.handle_json(check_line("globex", "clerk", "export", "document"));
  EXPECT_NE(elsewhere.find(R"("code":"invalid_request")"), std::string::npos) << elsewhere;
  EXPECT_NE(elsewhere.find("action 'export' is not declared for resource type 'document' in "
                           "tenant 'globex'"),
            std::string::npos)
      << elsewhere;
  EXPECT_TRUE(allows(engine.handle_json(check_line("globex", "clerk", "read", "document"))));

  // A rule of a tenant that does not extend the template cannot name them.
  EXPECT_EQ(check_tenant("template retail { actions export on document; }\n"
                         "tenant globex { role clerk; permit export on document; }"),
            (Lines{"t.tenet:2:36: undeclared-action: action 'export' is not declared for "
                   "resource type 'document' in tenant 'globex'"}));
}

// Templates are checked on their own (docs/LANGUAGE.md §12): an action only
// the extending tenant declares is undeclared in the template's rule.
TEST(DeclaredActions, ATemplateCannotNameAnActionOnlyItsTenantsDeclare) {
  EXPECT_EQ(check_tenant("template base { role clerk; permit export on document; }\n"
                         "tenant acme extends base { actions export on document; }"),
            (Lines{"t.tenet:1:36: undeclared-action: action 'export' is not declared for "
                   "resource type 'document' in template 'base'"}));
}

TEST(DeclaredActions, LinesMayComeBeforeTheirTypesAndInOtherFiles) {
  const Files files{
      {"a.tenet", "schema { actions read, write on document; actions share on document; }\n"},
      {"b.tenet",
       "schema { principal { level: int; } resource document { owner: string; } }\n"
       "tenant acme { role r; permit read, write, share on document; }\n"},
  };
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(describe(result, files), Lines{});
  ASSERT_TRUE(result.policy_set);
  ASSERT_TRUE(result.policy_set->schema.actions);
  std::vector<std::string_view> names;
  for (const model::Symbol action : result.policy_set->schema.actions->by_type().at(0))
    names.push_back(result.policy_set->name(action));
  EXPECT_EQ(names, (std::vector<std::string_view>{"read", "write", "share"}));
}

TEST(DeclaredActions, DeclarationProblems) {
  const Files files{
      {"schema.tenet", std::string(kSchema) +
                           "schema {\n  actions read, audit on document, invoise;\n"
                           "  actions audit on document;\n}\n"},
      {"t.tenet",
       "template base { actions sign on invoice; }\n"
       "tenant acme extends base {\n  actions sign, audit on invoice;\n  role r;\n}\n"},
  };
  const checker::CheckResult result = check_files(files);
  EXPECT_EQ(
      describe(result, files),
      (Lines{
          "schema.tenet:9:11: duplicate-declaration: action 'read' is already declared for "
          "resource type 'document' at schema.tenet:5:11",
          "schema.tenet:9:36: unknown-resource-type: unknown resource type 'invoise' (did you "
          "mean 'invoice'?)",
          "schema.tenet:10:11: duplicate-declaration: action 'audit' is already declared for "
          "resource type 'document' at schema.tenet:9:17",
          "t.tenet:3:11: duplicate-declaration: action 'sign' is already declared for resource "
          "type 'invoice' in tenant 'acme' at t.tenet:1:25",
      }));
  EXPECT_FALSE(result.policy_set);
}

// A partner that declares no action of its own shares the schema's table,
// in the checker's model and in the compiled set: checking and compiling
// many partners costs the schema's actions once. (The first version copied
// them per partner: 1,000 one-line tenants over 99,900 declared pairs took
// 38 s and 428 MB in `tenet check`; now a few milliseconds.)
TEST(DeclaredActions, PartnersWithoutActionsOfTheirOwnShareTheSchemasTable) {
  constexpr int kTypes = 300;
  constexpr int kActions = 333;  // 99,900 pairs, under the limit
  constexpr int kTenants = 200;
  std::string text = "schema {\n";
  for (int t = 0; t < kTypes; ++t) text += "  resource t" + std::to_string(t) + " { }\n";
  text += "  actions ";
  for (int a = 0; a < kActions; ++a) text += (a == 0 ? "a" : ", a") + std::to_string(a);
  text += " on ";
  for (int t = 0; t < kTypes; ++t) text += (t == 0 ? "t" : ", t") + std::to_string(t);
  text += ";\n}\n";
  for (int i = 0; i < kTenants; ++i)
    text += "tenant x" + std::to_string(i) + " { role r; permit a1 on t1; }\n";
  text += "tenant own { role r; actions extra on t2; permit extra on t2; }\n";

  auto sources = std::make_shared<SourceSet>();
  const FileId id = sources->add("policy.tenet", text);
  const grammar::ParseResult parsed = grammar::parse_file(*sources, id, false);
  ASSERT_TRUE(parsed.diagnostics.empty());
  const std::uint64_t before = test_support::thread_allocations();
  const checker::CheckResult result = checker::check_policy_set(sources, {parsed.file});
  const std::uint64_t made = test_support::thread_allocations() - before;
  ASSERT_TRUE(result.policy_set);
  const model::PolicySet& set = *result.policy_set;
  ASSERT_EQ(set.tenants.size(), static_cast<std::size_t>(kTenants + 1));
  for (int i = 0; i < kTenants; ++i) EXPECT_EQ(set.tenants[i].actions, set.schema.actions);
  EXPECT_NE(set.tenants[kTenants].actions, set.schema.actions);  // `own` has one more
  // The schema's table once (some 300,000 allocations) and a few per
  // partner; a copy per partner would be over 200 × 100,000.
  RecordProperty("allocations", std::to_string(made));
  EXPECT_LT(made, 2'000'000U);

  const auto compiled = compile::compile(result.policy_set);
  ASSERT_TRUE(compiled);
  const compile::Tenant& first = compiled->tenant(0);
  for (Index t = 1; t < kTenants; ++t) EXPECT_EQ(compiled->tenant(t).actions, first.actions);
  const Index own = compiled->find_tenant("own");
  EXPECT_NE(compiled->tenant(own).actions, first.actions);
  EXPECT_NE(compiled->find_action(own, "extra"), kNone);
  EXPECT_EQ(compiled->find_action(0, "extra"), kNone);
  EXPECT_NE(compiled->find_action(0, "a332"), kNone);
}

}  // namespace
}  // namespace tenet
