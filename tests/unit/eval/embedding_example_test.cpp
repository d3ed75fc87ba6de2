// The example of docs/EMBEDDING.md, compiled and run against the shipped
// policies/ so that the documentation cannot drift from the API. Keep the
// two in step: a change here belongs in the document too.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace {

// ---- from here to the end of the file: the docs/EMBEDDING.md example

tenet::Value text(std::string_view s) {
  tenet::Value v;
  v.kind = tenet::ValueKind::String;  // also right for enum attributes: compared by text
  v.string = s;
  return v;
}

TEST(EmbeddingExample, LoadAskReloadSwitch) {
  const std::string directory = std::string(TENET_SOURCE_DIR) + "/policies";

  // 1. Load: parse, check and compile every *.tenet file below the directory.
  tenet::Engine::LoadResult loaded = tenet::Engine::load(directory);
  ASSERT_TRUE(loaded.io_errors.empty());
  ASSERT_TRUE(loaded.engine) << "policy errors: " << loaded.diagnostics.size();
  tenet::Engine& engine = *loaded.engine;

  // 2. JSON in, JSON out: one docs/PROTOCOL.md line, one response line.
  const std::string response = engine.handle_json(
      R"({"id":2,"op":"transition","tenant":"northwind",)"
      R"("principal":{"id":"u2","role":"basic","attrs":{"kyc":"pending","account_age_days":12,"country":"FR","tags":[]}},)"
      R"("to":"advanced"})");
  EXPECT_EQ(response,
            R"({"id":2,"decision":"deny","reasons":["northwind:upgrade-advanced"],)"
            R"("unmet":["principal.account_age_days >= 30","principal.kyc == \"verified\""]})");

  // 3. Typed calls: pin the current set, resolve names to indices, decide.
  const tenet::Snapshot pinned = engine.pin();
  const tenet::Index document = pinned->find_resource_type("document");

  // Attribute spans are indexed by slot: look the slots up by name on the
  // set (kNone when not declared), and size the spans by its slot counts.
  const tenet::Index owner = pinned->resource_slot(document, "owner");
  const tenet::Index classification = pinned->resource_slot(document, "classification");
  std::vector<tenet::Value> resource_attrs(pinned->resource_slot_count());
  resource_attrs[owner] = text("u1");
  resource_attrs[classification] = text("internal");

  tenet::CheckRequest check;
  check.tenant = pinned->find_tenant("northwind");
  check.resource.tenant = "northwind";  // must equal the request's tenant, or: cross_tenant
  check.principal.id = "u1";
  check.principal.role = pinned->find_role(check.tenant, "basic");
  check.action = pinned->find_action(check.tenant, "read");  // the tenant's own action table
  check.resource.type = document;
  check.resource.id = "d1";
  check.resource.attributes = resource_attrs;  // a view: resource_attrs must outlive the call

  tenet::Decision decision;  // reuse one per thread: no allocation once warm
  pinned.check(check, decision);
  EXPECT_TRUE(decision.allow);
  ASSERT_EQ(decision.reasons.size(), 1U);
  EXPECT_EQ(decision.reasons[0], "northwind:owner-reads");  // a view into the pinned set

  // A missing attribute is an outcome, not an exception: the forbid that
  // reads resource.classification is in error, so the request is denied.
  resource_attrs[classification] = tenet::Value{};
  pinned.check(check, decision);
  EXPECT_FALSE(decision.allow);
  ASSERT_EQ(decision.errors.size(), 1U);
  EXPECT_EQ(decision.errors[0].rule, "northwind:secret-needs-mfa");
  EXPECT_EQ(decision.errors[0].message, "resource.attrs.classification is missing");

  // Principal attributes work the same way; an undeclared role is kNone and
  // the engine answers unknown_role.
  std::vector<tenet::Value> principal_attrs(pinned->principal_slot_count());
  principal_attrs[pinned->principal_slot("kyc")] = text("verified");
  tenet::TransitionRequest upgrade;
  upgrade.tenant = pinned->find_tenant("northwind");
  upgrade.principal.id = "u3";
  upgrade.principal.role = pinned->find_role(upgrade.tenant, "guest");
  upgrade.principal.attributes = principal_attrs;
  upgrade.to = pinned->find_role(upgrade.tenant, "basic");
  pinned.transition(upgrade, decision);
  EXPECT_TRUE(decision.allow);
  ASSERT_EQ(decision.reasons.size(), 1U);
  EXPECT_EQ(decision.reasons[0], "northwind:kyc-verified");

  // 4. Runtime feature switches (what `set_feature` of the server does).
  tenet::FeaturesRequest who;
  who.tenant = pinned->find_tenant("lumen");
  who.principal.role = pinned->find_role(who.tenant, "guest");
  pinned.features(who, decision);
  EXPECT_EQ(decision.names, (std::vector<std::string_view>{"statements", "beta_ui"}));

  EXPECT_TRUE(engine.set_feature("lumen", "beta_ui", tenet::FeatureSwitch::Off));
  EXPECT_FALSE(engine.set_feature("lumen", "no_such_feature", tenet::FeatureSwitch::On));
  // The switch is on the board beside the compiled set, which every
  // snapshot of that same set reads, so they see it at once.
  pinned.features(who, decision);
  EXPECT_EQ(decision.names, (std::vector<std::string_view>{"statements"}));

  // 5. Hot reload: compile anew, then swap. Calls already running finish on
  // the set they started with; `pinned` keeps the old set alive.
  tenet::Engine::CompileResult next = tenet::Engine::compile_directory(directory);
  ASSERT_TRUE(next.policies);
  engine.replace(next.policies);
  EXPECT_EQ(engine.snapshot(), next.policies);
  EXPECT_NE(engine.snapshot(), pinned.shared());

  const tenet::Snapshot fresh = engine.pin();
  tenet::FeaturesRequest again;  // indices come from the set they are used with
  again.tenant = fresh->find_tenant("lumen");
  again.principal.role = fresh->find_role(again.tenant, "guest");
  fresh.features(again, decision);
  EXPECT_EQ(decision.names, (std::vector<std::string_view>{"statements"}));  // switch carried over

  EXPECT_TRUE(engine.set_feature("lumen", "beta_ui", tenet::FeatureSwitch::Default));
  fresh.features(again, decision);
  EXPECT_EQ(decision.names, (std::vector<std::string_view>{"statements", "beta_ui"}));
}

}  // namespace
