// The runtime reads only the compiled form (issue 12, item 7): the
// request-validation tables compiled into a set (engine/compile/
// request_tables.hpp) and the attribute lookups by name on
// CompiledPolicySet agree with the checked schema; a request parser re-bound
// to another set validates against that set's tables; feature switches live
// on a board beside the immutable set.
#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/request_parser.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

std::shared_ptr<const CompiledPolicySet> example_policies() {
  static const std::shared_ptr<const CompiledPolicySet> policies =
      Engine::compile_directory(std::string(TENET_SOURCE_DIR) + "/tests/testdata/protocol_example")
          .policies;
  return policies;
}

TEST(CompiledForm, AttributeLookupsByNameAgreeWithTheSchema) {
  const std::shared_ptr<const CompiledPolicySet> policies = example_policies();
  ASSERT_TRUE(policies);
  const model::PolicySet& model = policies->model();
  const model::Schema& schema = model.schema;

  ASSERT_EQ(policies->principal_slot_count(), schema.principal.size());
  ASSERT_EQ(policies->context_slot_count(), schema.context.size());
  ASSERT_EQ(policies->resource_slot_count(), schema.resource_slots.size());
  for (const model::Attribute& a : schema.principal)
    EXPECT_EQ(policies->principal_slot(model.name(a.name)), a.slot) << model.name(a.name);
  for (const model::Attribute& a : schema.context)
    EXPECT_EQ(policies->context_slot(model.name(a.name)), a.slot) << model.name(a.name);
  for (std::size_t t = 0; t < schema.resources.size(); ++t) {
    for (const model::Attribute& a : schema.resources[t].attributes) {
      const std::string_view name = model.name(a.name);
      EXPECT_EQ(policies->resource_slot(static_cast<Index>(t), name), a.slot) << name;
      EXPECT_EQ(policies->resource_slot(name), a.slot) << name;
    }
  }

  const Index document = policies->find_resource_type("document");
  const Index subscription = policies->find_resource_type("subscription");
  ASSERT_NE(document, kNone);
  ASSERT_NE(subscription, kNone);
  // Not declared: kNone, also for an attribute another type declares.
  EXPECT_EQ(policies->principal_slot("nickname"), kNone);
  EXPECT_EQ(policies->principal_slot("mfa"), kNone);  // a context attribute
  EXPECT_EQ(policies->context_slot("kyc"), kNone);
  EXPECT_EQ(policies->resource_slot(document, "overdue_days"), kNone);
  EXPECT_NE(policies->resource_slot(subscription, "overdue_days"), kNone);
  EXPECT_EQ(policies->resource_slot("nope"), kNone);
  EXPECT_EQ(policies->resource_slot(kNone, "owner"), kNone);

  // Enum members: the index is the Value::member of that member.
  EXPECT_EQ(policies->principal_enum_member("kyc", "none"), 0U);
  EXPECT_EQ(policies->principal_enum_member("kyc", "verified"), 2U);
  EXPECT_EQ(policies->principal_enum_member("kyc", "verifed"), kNone);
  EXPECT_EQ(policies->principal_enum_member("account_age_days", "none"), kNone);  // not an enum
  EXPECT_EQ(policies->context_enum_member("mfa", "true"), kNone);
  EXPECT_EQ(policies->resource_enum_member(document, "owner", "u1"), kNone);
}

TEST(CompiledForm, ValidationMessagesAreCompiledIn) {
  const compile::RequestTables& tables = example_policies()->request_tables();
  const compile::RequestAttribute* kyc = tables.principal.find("kyc");
  ASSERT_NE(kyc, nullptr);
  EXPECT_EQ(kyc->path, "principal.attrs.kyc");
  EXPECT_EQ(kyc->expected,
            R"(principal.attrs.kyc: expected one of "none" | "pending" | "verified", got )");
  const compile::RequestAttribute* mfa = tables.context.find("mfa");
  ASSERT_NE(mfa, nullptr);
  EXPECT_EQ(mfa->expected, "context.mfa: expected bool, got ");
  const compile::RequestAttribute* owner =
      tables.resources.at(example_policies()->find_resource_type("document")).find("owner");
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->expected, "resource.attrs.owner: expected string, got ");
  EXPECT_EQ(tables.principal.find("tags")->expected,
            "principal.attrs.tags: expected set<string>, got ");
}

// Two sets with the same slot counts but different declarations, and one
// with more slots: one parser, re-bound on every parse, validates each line
// against the set it is given.
constexpr std::string_view kEnumKyc = R"(schema {
  principal { kyc: "no" | "yes"; }
  resource doc { }
  actions read on doc;
}
tenant t {
  role r;
  permit read on doc when principal.kyc == "yes";
}
)";
constexpr std::string_view kIntKyc = R"(schema {
  principal { kyc: int; }
  resource doc { }
  actions read on doc;
}
tenant t {
  role r;
  permit read on doc when principal.kyc > 1;
}
)";
constexpr std::string_view kTwoAttributes = R"(schema {
  principal { level: int; kyc: bool; }
  resource doc { }
  actions read on doc;
}
tenant t {
  role r;
  permit read on doc when principal.kyc;
}
)";

std::string check_line(std::string_view kyc) {
  return std::string(
             R"({"op":"check","tenant":"t","principal":{"id":"u","role":"r","attrs":{"kyc":)") +
         std::string(kyc) +
         R"(}},"action":"read","resource":{"type":"doc","id":"d","tenant":"t"}})";
}

TEST(CompiledForm, ReboundParserValidatesAgainstEachSet) {
  const auto as_enum = test_support::compile_source("enum.tenet", kEnumKyc);
  const auto as_int = test_support::compile_source("int.tenet", kIntKyc);
  const auto wider = test_support::compile_source("wide.tenet", kTwoAttributes);
  ASSERT_TRUE(as_enum && as_int && wider);
  ASSERT_EQ(as_enum->principal_slot_count(), as_int->principal_slot_count());

  json::RequestParser parser;
  for (int round = 0; round < 2; ++round) {
    const json::ParsedRequest& e = parser.parse(*as_enum, check_line(R"("yes")"));
    ASSERT_TRUE(e.ok()) << e.error_message;
    EXPECT_TRUE(std::get<eval::CheckRequest>(e.request).invalid.empty())
        << std::get<eval::CheckRequest>(e.request).invalid;
    ASSERT_EQ(std::get<eval::CheckRequest>(e.request).principal.attributes.size(), 1U);
    EXPECT_EQ(std::get<eval::CheckRequest>(e.request).principal.attributes[0].kind,
              ValueKind::Enum);
    EXPECT_EQ(std::get<eval::CheckRequest>(e.request).principal.attributes[0].member, 1U);

    const json::ParsedRequest& i = parser.parse(*as_int, check_line(R"("yes")"));
    ASSERT_TRUE(i.ok()) << i.error_message;
    EXPECT_EQ(std::get<eval::CheckRequest>(i.request).invalid,
              "principal.attrs.kyc: expected int, got string");

    const json::ParsedRequest& w = parser.parse(*wider, check_line("true"));
    ASSERT_TRUE(w.ok()) << w.error_message;
    EXPECT_TRUE(std::get<eval::CheckRequest>(w.request).invalid.empty())
        << std::get<eval::CheckRequest>(w.request).invalid;
    ASSERT_EQ(std::get<eval::CheckRequest>(w.request).principal.attributes.size(), 2U);
    const Index kyc = wider->principal_slot("kyc");
    ASSERT_NE(kyc, kNone);
    EXPECT_EQ(std::get<eval::CheckRequest>(w.request).principal.attributes[kyc].kind,
              ValueKind::Bool);
    EXPECT_EQ(std::get<eval::CheckRequest>(w.request).principal.attributes[1 - kyc].kind,
              ValueKind::Absent);
  }
}

// @sensitive (LANGUAGE.md section 3): the compiled set answers, per entity
// and resource type, which attributes a log must leave out.
constexpr std::string_view kSensitive = R"(schema {
  principal { national_id: string @sensitive; kyc: bool; birth_year?: int @sensitive; }
  context { ip: string @sensitive; mfa: bool; }
  resource customer { owner: string; iban: string @column("iban_text") @sensitive; }
  resource document { owner: string; iban: string; }
  resource vault { secret: string @sensitive; iban: string @sensitive; }
  actions read on customer;
}
tenant t {
  role r;
  permit read on customer when resource.iban == principal.national_id;
}
)";

TEST(CompiledForm, SensitiveAttributesByEntityAndType) {
  using model::Entity;
  const auto policies = test_support::compile_source("sensitive.tenet", kSensitive);
  ASSERT_TRUE(policies);
  const Index customer = policies->find_resource_type("customer");
  const Index document = policies->find_resource_type("document");
  const Index vault = policies->find_resource_type("vault");
  ASSERT_NE(customer, kNone);
  ASSERT_NE(document, kNone);
  ASSERT_NE(vault, kNone);

  // The model carries the flag per declared attribute.
  const model::Schema& schema = policies->model().schema;
  ASSERT_EQ(schema.principal.size(), 3U);
  EXPECT_TRUE(schema.principal[0].sensitive);
  EXPECT_FALSE(schema.principal[1].sensitive);
  EXPECT_TRUE(schema.principal[2].sensitive);
  EXPECT_TRUE(schema.resources.at(customer).attributes.at(1).sensitive);
  EXPECT_FALSE(schema.resources.at(document).attributes.at(1).sensitive);

  EXPECT_TRUE(policies->has_sensitive_attributes());
  EXPECT_TRUE(policies->is_sensitive(Entity::Principal, kNone, "national_id"));
  EXPECT_TRUE(policies->is_sensitive(Entity::Principal, customer, "birth_year"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Principal, kNone, "kyc"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Principal, kNone, "ip"));  // a context attribute
  EXPECT_FALSE(policies->is_sensitive(Entity::Principal, kNone, "national_i"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Principal, kNone, ""));
  EXPECT_TRUE(policies->is_sensitive(Entity::Context, kNone, "ip"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Context, kNone, "mfa"));

  // Per resource type: `iban` is sensitive on customer and vault, not on document.
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, customer, "iban"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Resource, customer, "owner"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Resource, document, "iban"));
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, vault, "secret"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Resource, customer, "secret"));
  // Type unknown: sensitive on any type counts, so nothing that may be one is logged.
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, kNone, "iban"));
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, kNone, "secret"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Resource, kNone, "owner"));
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, Index{99}, "secret"));

  // By type name.
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, "customer", "iban"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Resource, "document", "iban"));
  EXPECT_TRUE(policies->is_sensitive(Entity::Resource, "no-such-type", "iban"));
  EXPECT_TRUE(policies->is_sensitive(Entity::Principal, "document", "national_id"));

  // The lists, in declaration order; any-type names once each.
  const auto names = [](std::span<const std::string_view> list) {
    return std::vector<std::string_view>(list.begin(), list.end());
  };
  using Names = std::vector<std::string_view>;
  EXPECT_EQ(names(policies->sensitive_attributes(Entity::Principal)),
            (Names{"national_id", "birth_year"}));
  EXPECT_EQ(names(policies->sensitive_attributes(Entity::Context)), (Names{"ip"}));
  EXPECT_EQ(names(policies->sensitive_attributes(Entity::Resource, customer)), (Names{"iban"}));
  EXPECT_EQ(names(policies->sensitive_attributes(Entity::Resource, document)), Names{});
  EXPECT_EQ(names(policies->sensitive_attributes(Entity::Resource, vault)),
            (Names{"secret", "iban"}));
  EXPECT_EQ(names(policies->sensitive_attributes(Entity::Resource)), (Names{"iban", "secret"}));
  EXPECT_TRUE(policies->request_tables().principal.find("national_id")->sensitive);
  EXPECT_FALSE(policies->request_tables().principal.find("kyc")->sensitive);
}

TEST(CompiledForm, NoSensitiveAttributesAnswersFalseEverywhere) {
  using model::Entity;
  const std::shared_ptr<const CompiledPolicySet> policies = example_policies();
  ASSERT_TRUE(policies);
  EXPECT_FALSE(policies->has_sensitive_attributes());
  EXPECT_TRUE(policies->sensitive_attributes(Entity::Principal).empty());
  EXPECT_TRUE(policies->sensitive_attributes(Entity::Context).empty());
  EXPECT_TRUE(policies->sensitive_attributes(Entity::Resource).empty());
  EXPECT_FALSE(policies->is_sensitive(Entity::Principal, kNone, "kyc"));
  EXPECT_FALSE(policies->is_sensitive(Entity::Resource, "document", "owner"));
}

// A sensitive attribute is only kept out of logs: decisions read it as any other.
TEST(CompiledForm, SensitiveAttributesStillDecide) {
  const auto policies = test_support::compile_source("sensitive.tenet", kSensitive);
  ASSERT_TRUE(policies);
  Engine engine(policies);
  const auto line = [](std::string_view iban) {
    return std::string(
               R"({"op":"check","tenant":"t","principal":{"id":"u","role":"r","attrs":)"
               R"({"national_id":"X1","kyc":true}},"action":"read","resource":{"type":"customer",)"
               R"("id":"c","tenant":"t","attrs":{"owner":"u","iban":")") +
           std::string(iban) + R"("}}})";
  };
  EXPECT_NE(engine.handle_json(line("X1")).find(R"("decision":"allow")"), std::string::npos)
      << engine.handle_json(line("X1"));
  EXPECT_NE(engine.handle_json(line("X2")).find(R"("decision":"deny")"), std::string::npos)
      << engine.handle_json(line("X2"));
}

TEST(CompiledForm, SwitchesLiveOnABoardBesideTheSet) {
  const auto first =
      Engine::compile_directory(std::string(TENET_SOURCE_DIR) + "/tests/testdata/protocol_example");
  const auto second =
      Engine::compile_directory(std::string(TENET_SOURCE_DIR) + "/tests/testdata/protocol_example");
  ASSERT_TRUE(first.policies && second.policies);
  Engine engine(first.policies);
  const Index acme = first.policies->find_tenant("acme");
  const Index beta = first.policies->find_feature(acme, "beta_ui");
  ASSERT_NE(beta, kNone);
  // One board per tenant, one switch per declared feature.
  const compile::Tenant& tenant = first.policies->tenant(acme);
  ASSERT_TRUE(tenant.switches);
  EXPECT_EQ(tenant.switches->size(), tenant.features.size());
  EXPECT_NE(tenant.switches.get(), second.policies->tenant(acme).switches.get());
  ASSERT_TRUE(engine.set_feature("acme", "beta_ui", FeatureSwitch::On));
  EXPECT_EQ(tenant.switches->get(beta), FeatureSwitch::On);
  EXPECT_EQ(first.policies->feature_switch(acme, beta), FeatureSwitch::On);

  // replace() carries the switch over onto the new set's board; a switch
  // set afterwards changes that board only, not the old set's.
  engine.replace(second.policies);
  const Index acme2 = second.policies->find_tenant("acme");
  const Index beta2 = second.policies->find_feature(acme2, "beta_ui");
  EXPECT_EQ(second.policies->feature_switch(acme2, beta2), FeatureSwitch::On);
  ASSERT_TRUE(engine.set_feature("acme", "beta_ui", FeatureSwitch::Off));
  EXPECT_EQ(second.policies->feature_switch(acme2, beta2), FeatureSwitch::Off);
  EXPECT_EQ(first.policies->feature_switch(acme, beta), FeatureSwitch::On);

  // Decisions read the board: the features op follows it.
  FeaturesRequest who;
  who.tenant = acme2;
  who.principal.role = second.policies->find_role(acme2, "guest");
  Decision decision;
  eval::features(*second.policies, who, decision);
  for (const std::string_view name : decision.names) EXPECT_NE(name, "beta_ui");
  ASSERT_TRUE(engine.set_feature("acme", "beta_ui", FeatureSwitch::On));
  eval::features(*second.policies, who, decision);
  bool listed = false;
  for (const std::string_view name : decision.names) listed = listed || name == "beta_ui";
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace tenet
