// The evaluator on small policy sets written inline: every operation, every
// built-in reason, fail-closed errors, unmet texts, explain traces, runtime
// feature switches, and zero heap allocation on a warm Decision.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "grammar/parser.hpp"
#include "tests/support/allocation_counter.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

constexpr std::string_view kPolicy = R"(schema {
  principal {
    kyc: "none" | "pending" | "verified";
    account_age_days: int;
    company_verified?: bool;
    tags: set<string>;
  }
  resource document { owner: string; locked: bool; classification: "public" | "internal" | "secret"; }
  resource subscription { overdue_days: int; }
  context { mfa: bool; }
  actions read, write, delete, archive on document, subscription;
}
tenant acme {
  actions share on document;
  role guest;
  role basic extends guest;
  role advanced extends basic;
  role company extends advanced;
  @id("kyc") transition guest -> basic when principal.kyc == "verified" && principal.account_age_days >= 1;
  @id("company") transition advanced -> company when principal has company_verified && principal.company_verified;
  @id("age") transition basic -> advanced when principal.account_age_days >= 30;
  @id("tagged") transition basic -> advanced when "early" in principal.tags;
  feature trading on for advanced;
  feature beta_ui off;
  feature vip on when enabled(trading) && principal.account_age_days > 100;
  @id("plan-starter") plan starter { for basic; }
  @id("plan-pro") plan pro { for advanced, company; when principal.account_age_days >= 60 && principal.kyc == "verified"; requires feature trading, beta_ui; }
  lifecycle subscription {
    states signing, signed, suspended, unsigned;
    initial signing;
    signing -> signed by basic;
    signed -> suspended when resource.overdue_days > 30;
    signed, suspended -> unsigned by advanced when resource.overdue_days == 0;
  }
  @id("owner-reads") permit read on document when resource.owner == principal.id;
  @id("staff-reads") permit read on document for advanced;
  @id("locked") forbid write, delete on document when resource.locked;
  @id("secret-mfa") forbid * on document when resource.classification == "secret" unless context.mfa;
  @id("write-own") permit write on document for basic when resource.owner == principal.id;
  @id("any-company") permit * on * for company;
  @id("public-share") permit share on document when resource.classification in ["public", "internal"];
}
tenant globex {
  role guest;
  @id("all") permit read on document;
}
)";

std::shared_ptr<const CompiledPolicySet> compile_source(std::string_view text) {
  return test_support::compile_source("t.tenet", text);
}

std::vector<std::string> strings(const std::vector<std::string_view>& views) {
  return {views.begin(), views.end()};
}

Value text(std::string_view s) {
  Value v;
  v.kind = ValueKind::String;
  v.string = s;
  return v;
}
Value integer(std::int64_t i) {
  Value v;
  v.kind = ValueKind::Int;
  v.integer = i;
  return v;
}
Value boolean(bool b) {
  Value v;
  v.kind = ValueKind::Bool;
  v.boolean = b;
  return v;
}

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policies_ = compile_source(kPolicy);
    ASSERT_TRUE(policies_);
    const model::Schema& schema = policies_->model().schema;
    principal_.resize(schema.principal.size());
    resource_.resize(schema.resource_slots.size());
    context_.resize(schema.context.size());
    acme_ = policies_->find_tenant("acme");
  }

  const model::PolicySet& model() const { return policies_->model(); }

  // Sets a principal attribute; enums get their member index from the schema.
  void principal(std::string_view name, Value v) {
    const model::Attribute* a = model().schema.find_principal(*model().names.find(name));
    ASSERT_NE(a, nullptr) << name;
    principal_[a->slot] = resolve(*a, v);
  }
  void resource(std::string_view name, Value v) {
    const model::Symbol symbol = *model().names.find(name);
    for (const model::ResourceType& type : model().schema.resources) {
      if (const model::Attribute* a = type.find(symbol)) {
        resource_[a->slot] = resolve(*a, v);
        return;
      }
    }
    FAIL() << name;
  }
  void context(std::string_view name, Value v) {
    const model::Attribute* a = model().schema.find_context(*model().names.find(name));
    ASSERT_NE(a, nullptr) << name;
    context_[a->slot] = v;
  }
  Value resolve(const model::Attribute& a, Value v) const {
    if (a.type.kind != model::AttributeKind::Enum || v.kind != ValueKind::String) return v;
    const auto& members = model().schema.enums[a.type.enum_index].members;
    v.kind = ValueKind::Enum;
    for (Index m = 0; m < members.size(); ++m) {
      if (model().name(members[m]) == v.string) v.member = m;
    }
    return v;
  }

  void base(RequestBase& r, std::string_view tenant, std::string_view role) const {
    r.tenant_name = tenant;
    r.tenant = policies_->find_tenant(tenant);
    r.principal.id = "u1";
    r.principal.role_name = role;
    r.principal.role = policies_->find_role(r.tenant, role);
    r.principal.attributes = principal_;
    r.context = context_;
  }

  CheckRequest check_request(std::string_view role, std::string_view action,
                             std::string_view type = "document", std::string_view tenant = "acme",
                             std::string_view resource_tenant = "acme") const {
    CheckRequest r;
    base(r, tenant, role);
    r.action_name = action;
    r.action = policies_->find_action(r.tenant, action);
    r.resource.type_name = type;
    r.resource.type = policies_->find_resource_type(type);
    r.resource.id = "d1";
    r.resource.tenant = resource_tenant;
    r.resource.attributes = resource_;
    return r;
  }

  TransitionRequest transition_request(std::string_view role, std::string_view to) const {
    TransitionRequest r;
    base(r, "acme", role);
    r.to_name = to;
    r.to = policies_->find_role(r.tenant, to);
    return r;
  }

  SubscribeRequest subscribe_request(std::string_view role, std::string_view plan) const {
    SubscribeRequest r;
    base(r, "acme", role);
    r.plan_name = plan;
    r.plan = policies_->find_plan(r.tenant, plan);
    return r;
  }

  LifecycleRequest lifecycle_request(std::string_view role, std::string_view state,
                                     std::string_view to) const {
    LifecycleRequest r;
    base(r, "acme", role);
    r.resource.type_name = "subscription";
    r.resource.type = policies_->find_resource_type("subscription");
    r.resource.id = "s1";
    r.resource.tenant = "acme";
    r.resource.state_name = state;
    r.resource.state = policies_->find_state(r.tenant, r.resource.type, state);
    r.resource.attributes = resource_;
    r.to_name = to;
    r.to = policies_->find_state(r.tenant, r.resource.type, to);
    return r;
  }

  RequestBase base_request(std::string_view role) const {
    RequestBase r;
    base(r, "acme", role);
    return r;
  }

  // A document the principal owns, unlocked, public; MFA passed.
  void typical_document() {
    resource("owner", text("u1"));
    resource("locked", boolean(false));
    resource("classification", text("public"));
    context("mfa", boolean(true));
  }

  std::shared_ptr<const CompiledPolicySet> policies_;
  Index acme_ = kNone;
  std::vector<Value> principal_, resource_, context_;
  Decision d_;
};

using Reasons = std::vector<std::string>;

// ------------------------------------------------------------------ check

TEST_F(EvaluatorTest, CheckPermitsTheOwner) {
  typical_document();
  check(*policies_, check_request("basic", "read"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:owner-reads"}));
  EXPECT_TRUE(d_.errors.empty());
  EXPECT_TRUE(d_.trace.empty());
}

TEST_F(EvaluatorTest, CheckCollectsEveryPermitInDeclarationOrder) {
  typical_document();
  check(*policies_, check_request("company", "read"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons),
            (Reasons{"acme:owner-reads", "acme:staff-reads", "acme:any-company"}));
}

TEST_F(EvaluatorTest, CheckNoPermit) {
  typical_document();
  resource("owner", text("someone-else"));
  check(*policies_, check_request("basic", "read"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_permit"}));
}

TEST_F(EvaluatorTest, ForbidOverridesPermitAndCollectsAllForbids) {
  typical_document();
  resource("locked", boolean(true));
  resource("classification", text("secret"));
  context("mfa", boolean(false));
  check(*policies_, check_request("company", "write"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:locked", "acme:secret-mfa"}));

  // `unless` lifts the second forbid.
  context("mfa", boolean(true));
  check(*policies_, check_request("company", "write"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:locked"}));
}

TEST_F(EvaluatorTest, RoleInheritanceInFor) {
  typical_document();
  resource("owner", text("someone-else"));
  // staff-reads is `for advanced`: company inherits from advanced, basic does not.
  check(*policies_, check_request("advanced", "read"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:staff-reads"}));
  check(*policies_, check_request("company", "read"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:staff-reads", "acme:any-company"}));
  check(*policies_, check_request("basic", "read"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_permit"}));
  // write-own is `for basic`: advanced inherits it.
  resource("owner", text("u1"));
  check(*policies_, check_request("advanced", "write"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:write-own"}));
  check(*policies_, check_request("guest", "write"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_permit"}));
}

TEST_F(EvaluatorTest, StarActionsAndTypesApplyToActionsNoRuleNames) {
  typical_document();
  resource("classification", text("secret"));
  context("mfa", boolean(false));
  // `archive` is declared but named by no rule: only `*` rules apply.
  CheckRequest request = check_request("company", "archive");
  EXPECT_NE(request.action, kNone);
  check(*policies_, request, d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:secret-mfa"}));
  context("mfa", boolean(true));
  check(*policies_, request, d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:any-company"}));
  // `*` types: a subscription.
  check(*policies_, check_request("company", "archive", "subscription"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:any-company"}));
  check(*policies_, check_request("basic", "archive", "subscription"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_permit"}));
  // `*` means the declared actions only: an action nothing declares (or
  // declared for another type) is an invalid request, not a decision of
  // the `*` rules, even for company.
  for (const auto& [action, type] :
       {std::pair<std::string_view, std::string_view>{"fly", "document"},
        {"share", "subscription"}}) {
    const CheckRequest undeclared = check_request("company", action, type);
    check(*policies_, undeclared, d_);
    EXPECT_FALSE(d_.allow) << action << " on " << type;
    EXPECT_TRUE(d_.reasons.empty()) << action << " on " << type;
    EXPECT_EQ(d_.error_code, "invalid_request") << action << " on " << type;
    EXPECT_EQ(d_.error_message, "the action is not declared for this resource type in this tenant");
  }
}

TEST_F(EvaluatorTest, ActionNamedOnlyByAnotherTenant) {
  typical_document();
  // `read` is declared by the schema; globex has its own rule on it, and
  // `share` is acme's own (declared in its body): actions are looked up in
  // the tenant's own table, so globex has no slot for it (each tenant
  // compiles on its own, docs/UNITS.md) and a request naming it there is
  // invalid, not denied by globex's rules.
  EXPECT_NE(policies_->find_action(acme_, "share"), kNone);
  CheckRequest request = check_request("guest", "share", "document", "globex", "globex");
  EXPECT_EQ(request.action, kNone);
  check(*policies_, request, d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_TRUE(d_.reasons.empty());
  EXPECT_EQ(d_.error_code, "invalid_request");
  EXPECT_EQ(d_.error_message, "the action is not declared for this resource type in this tenant");
  check(*policies_, check_request("guest", "read", "document", "globex", "globex"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"globex:all"}));
  EXPECT_TRUE(d_.error_code.empty());
}

TEST_F(EvaluatorTest, InListOverEnum) {
  typical_document();
  resource("classification", text("internal"));
  check(*policies_, check_request("guest", "share"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:public-share"}));
  resource("classification", text("secret"));
  context("mfa", boolean(true));
  check(*policies_, check_request("guest", "share"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_permit"}));
}

TEST_F(EvaluatorTest, IsolationReasonsInOrder) {
  typical_document();
  check(*policies_, check_request("basic", "read", "document", "nope", "nope"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_tenant"}));
  // cross_tenant before unknown_role and unknown_resource_type.
  check(*policies_, check_request("nobody", "read", "widget", "acme", "globex"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"cross_tenant"}));
  check(*policies_, check_request("nobody", "read", "widget"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_role"}));
  check(*policies_, check_request("basic", "read", "widget"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_resource_type"}));
  // Roles are per tenant: `basic` is not a globex role.
  check(*policies_, check_request("basic", "read", "document", "globex", "globex"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_role"}));
  EXPECT_FALSE(d_.allow);
}

TEST_F(EvaluatorTest, CrossTenantDeniesEvenWithAPermitForEverything) {
  typical_document();
  check(*policies_, check_request("company", "read", "document", "acme", "globex"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"cross_tenant"}));
}

TEST_F(EvaluatorTest, InvalidRequestAfterIsolation) {
  typical_document();
  CheckRequest request = check_request("basic", "read");
  request.invalid = "principal.attrs.account_age_days: expected int, got string";
  check(*policies_, request, d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(d_.error_code, "invalid_request");
  EXPECT_EQ(d_.error_message, "principal.attrs.account_age_days: expected int, got string");
  EXPECT_TRUE(d_.reasons.empty());
  // Isolation still comes first.
  request.resource.tenant = "globex";
  check(*policies_, request, d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"cross_tenant"}));
  EXPECT_TRUE(d_.error_code.empty());
}

TEST_F(EvaluatorTest, ForbidInErrorDeniesAndIsReported) {
  typical_document();
  resource("locked", Value{});  // absent
  check(*policies_, check_request("company", "write"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:locked"}));
  ASSERT_EQ(d_.errors.size(), 1U);
  EXPECT_EQ(d_.errors[0].rule, "acme:locked");
  EXPECT_EQ(d_.errors[0].message, "resource.attrs.locked is missing");
}

TEST_F(EvaluatorTest, PermitInErrorDoesNotGrant) {
  typical_document();
  resource("owner", Value{});
  check(*policies_, check_request("basic", "read"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_permit"}));
  ASSERT_EQ(d_.errors.size(), 1U);
  EXPECT_EQ(d_.errors[0].rule, "acme:owner-reads");
  EXPECT_EQ(d_.errors[0].message, "resource.attrs.owner is missing");
  // Another permit still grants; the error is reported anyway.
  check(*policies_, check_request("advanced", "read"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:staff-reads"}));
  EXPECT_EQ(d_.errors.size(), 1U);
}

TEST_F(EvaluatorTest, UnlessInErrorIsAnError) {
  typical_document();
  resource("classification", text("secret"));
  context("mfa", Value{});
  check(*policies_, check_request("company", "read"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:secret-mfa"}));
  ASSERT_EQ(d_.errors.size(), 1U);
  EXPECT_EQ(d_.errors[0].message, "context.mfa is missing");
  // A false `when` never reads `unless`.
  resource("classification", text("public"));
  check(*policies_, check_request("company", "read"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_TRUE(d_.errors.empty());
}

TEST_F(EvaluatorTest, ExplainTracesEveryCandidate) {
  typical_document();
  resource("owner", Value{});
  CheckRequest request = check_request("advanced", "read");
  request.explain = true;
  check(*policies_, request, d_);
  ASSERT_EQ(d_.trace.size(), 3U);
  EXPECT_EQ(d_.trace[0].rule, "acme:secret-mfa");
  EXPECT_EQ(d_.trace[0].kind, "forbid");
  EXPECT_EQ(d_.trace[0].outcome, eval::TraceOutcome::NotMatched);
  EXPECT_EQ(d_.trace[0].location, "t.tenet:38:21");  // two `actions` lines above
  EXPECT_EQ(d_.trace[1].rule, "acme:owner-reads");
  EXPECT_EQ(d_.trace[1].kind, "permit");
  EXPECT_EQ(d_.trace[1].outcome, eval::TraceOutcome::Error);
  EXPECT_EQ(d_.trace[1].location, "t.tenet:35:22");
  EXPECT_EQ(d_.trace[2].rule, "acme:staff-reads");
  EXPECT_EQ(d_.trace[2].outcome, eval::TraceOutcome::Matched);
}

// ------------------------------------------------------------- transition

TEST_F(EvaluatorTest, TransitionAllowed) {
  principal("kyc", text("verified"));
  principal("account_age_days", integer(3));
  transition(*policies_, transition_request("guest", "basic"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:kyc"}));
  EXPECT_TRUE(d_.unmet.empty());
}

TEST_F(EvaluatorTest, TransitionDeniedListsUnmetConjunctsAsSourceText) {
  principal("kyc", text("pending"));
  principal("account_age_days", integer(0));
  transition(*policies_, transition_request("guest", "basic"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:kyc"}));
  EXPECT_EQ(strings(d_.unmet),
            (Reasons{"principal.kyc == \"verified\"", "principal.account_age_days >= 1"}));
  // Only the false conjuncts.
  principal("account_age_days", integer(5));
  transition(*policies_, transition_request("guest", "basic"), d_);
  EXPECT_EQ(strings(d_.unmet), (Reasons{"principal.kyc == \"verified\""}));
}

TEST_F(EvaluatorTest, TransitionShortCircuitGuard) {
  // `principal has company_verified && principal.company_verified`: no error
  // when absent, the conjuncts on their own are false and in error.
  transition(*policies_, transition_request("advanced", "company"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_TRUE(d_.errors.empty());
  EXPECT_EQ(strings(d_.unmet),
            (Reasons{"principal has company_verified", "principal.company_verified"}));
  principal("company_verified", boolean(true));
  transition(*policies_, transition_request("advanced", "company"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:company"}));
}

TEST_F(EvaluatorTest, TransitionSeveralCandidates) {
  principal("account_age_days", integer(3));
  std::vector<std::string_view> tags{"early"};
  Value set;
  set.kind = ValueKind::SetOfString;
  set.strings = tags;
  principal("tags", set);
  transition(*policies_, transition_request("basic", "advanced"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:tagged"}));
  tags[0] = "late";
  transition(*policies_, transition_request("basic", "advanced"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:age", "acme:tagged"}));
  EXPECT_EQ(strings(d_.unmet),
            (Reasons{"principal.account_age_days >= 30", "\"early\" in principal.tags"}));
}

TEST_F(EvaluatorTest, TransitionErrorsAndReasons) {
  // account_age_days absent: the candidate is in error, listed in errors and unmet.
  principal("kyc", text("verified"));
  transition(*policies_, transition_request("guest", "basic"), d_);
  EXPECT_FALSE(d_.allow);
  ASSERT_EQ(d_.errors.size(), 1U);
  EXPECT_EQ(d_.errors[0].rule, "acme:kyc");
  EXPECT_EQ(d_.errors[0].message, "principal.attrs.account_age_days is missing");
  EXPECT_EQ(strings(d_.unmet), (Reasons{"principal.account_age_days >= 1"}));
}

TEST_F(EvaluatorTest, NoTransition) {
  transition(*policies_, transition_request("guest", "company"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_transition"}));
  transition(*policies_, transition_request("guest", "emperor"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_transition"}));
  transition(*policies_, transition_request("nobody", "basic"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_role"}));
  TransitionRequest request = transition_request("guest", "basic");
  request.tenant = kNone;
  transition(*policies_, request, d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_tenant"}));
  request = transition_request("guest", "basic");
  request.invalid = "bad";
  transition(*policies_, request, d_);
  EXPECT_EQ(d_.error_code, "invalid_request");
}

TEST_F(EvaluatorTest, TransitionTrace) {
  principal("account_age_days", integer(40));
  TransitionRequest request = transition_request("basic", "advanced");
  request.explain = true;
  transition(*policies_, request, d_);
  ASSERT_EQ(d_.trace.size(), 2U);
  EXPECT_EQ(d_.trace[0].kind, "transition");
  EXPECT_EQ(d_.trace[0].outcome, eval::TraceOutcome::Matched);
  EXPECT_EQ(d_.trace[1].outcome, eval::TraceOutcome::Error);  // tags absent
  EXPECT_EQ(d_.trace[1].location, "t.tenet:22:17");
}

// --------------------------------------------------------------- features

TEST_F(EvaluatorTest, FeaturesAndRuntimeSwitches) {
  principal("account_age_days", integer(200));
  features(*policies_, base_request("advanced"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.names), (Reasons{"trading", "vip"}));
  features(*policies_, base_request("basic"), d_);
  EXPECT_TRUE(d_.names.empty());  // vip needs trading, which is for advanced

  const Index beta = policies_->find_feature(acme_, "beta_ui");
  const Index trading = policies_->find_feature(acme_, "trading");
  policies_->set_feature_switch(acme_, beta, FeatureSwitch::On);
  policies_->set_feature_switch(acme_, trading, FeatureSwitch::Off);
  EXPECT_EQ(policies_->feature_switch(acme_, beta), FeatureSwitch::On);
  features(*policies_, base_request("advanced"), d_);
  EXPECT_EQ(strings(d_.names), (Reasons{"beta_ui"}));
  policies_->set_feature_switch(acme_, trading, FeatureSwitch::Default);
  features(*policies_, base_request("advanced"), d_);
  EXPECT_EQ(strings(d_.names), (Reasons{"trading", "beta_ui", "vip"}));
}

TEST_F(EvaluatorTest, FeatureInErrorIsOff) {
  // vip reads account_age_days: absent → not enabled, never an error.
  features(*policies_, base_request("company"), d_);
  EXPECT_EQ(strings(d_.names), (Reasons{"trading"}));
  EXPECT_TRUE(d_.errors.empty());
}

TEST_F(EvaluatorTest, FeaturesIsolation) {
  features(*policies_, base_request("nobody"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_role"}));
  EXPECT_TRUE(d_.names.empty());
}

// ------------------------------------------------------- plans / subscribe

TEST_F(EvaluatorTest, PlansInDeclarationOrder) {
  principal("account_age_days", integer(90));
  principal("kyc", text("verified"));
  plans(*policies_, base_request("advanced"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.names), (Reasons{"starter"}));  // pro requires beta_ui (off)
  policies_->set_feature_switch(acme_, policies_->find_feature(acme_, "beta_ui"),
                                FeatureSwitch::On);
  plans(*policies_, base_request("advanced"), d_);
  EXPECT_EQ(strings(d_.names), (Reasons{"starter", "pro"}));
  plans(*policies_, base_request("guest"), d_);
  EXPECT_TRUE(d_.names.empty());
  EXPECT_TRUE(d_.allow);
}

TEST_F(EvaluatorTest, SubscribeAllowAndDenyWithUnmet) {
  principal("account_age_days", integer(10));
  principal("kyc", text("verified"));
  subscribe(*policies_, subscribe_request("basic", "starter"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:plan-starter"}));

  subscribe(*policies_, subscribe_request("basic", "pro"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:plan-pro"}));
  EXPECT_EQ(strings(d_.unmet),
            (Reasons{"for advanced, company", "requires feature trading",
                     "requires feature beta_ui", "principal.account_age_days >= 60"}));

  subscribe(*policies_, subscribe_request("advanced", "pro"), d_);
  EXPECT_EQ(strings(d_.unmet),
            (Reasons{"requires feature beta_ui", "principal.account_age_days >= 60"}));

  subscribe(*policies_, subscribe_request("basic", "gold"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"unknown_plan"}));
  EXPECT_TRUE(d_.unmet.empty());
}

// -------------------------------------------------------------- lifecycle

TEST_F(EvaluatorTest, LifecycleByAndWhen) {
  resource("overdue_days", integer(40));
  lifecycle(*policies_, lifecycle_request("basic", "signing", "signed"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:t.tenet:31"}));
  lifecycle(*policies_, lifecycle_request("guest", "signing", "signed"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:t.tenet:31"}));
  EXPECT_EQ(strings(d_.unmet), (Reasons{"by basic"}));

  lifecycle(*policies_, lifecycle_request("guest", "signed", "suspended"), d_);
  EXPECT_TRUE(d_.allow);
  lifecycle(*policies_, lifecycle_request("guest", "suspended", "unsigned"), d_);
  EXPECT_FALSE(d_.allow);
  EXPECT_EQ(strings(d_.unmet), (Reasons{"by advanced", "resource.overdue_days == 0"}));
  resource("overdue_days", integer(0));
  lifecycle(*policies_, lifecycle_request("advanced", "suspended", "unsigned"), d_);
  EXPECT_TRUE(d_.allow);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"acme:t.tenet:33"}));
}

TEST_F(EvaluatorTest, LifecycleNoTransitionAndInvalid) {
  resource("overdue_days", integer(0));
  lifecycle(*policies_, lifecycle_request("basic", "signing", "unsigned"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_transition"}));
  lifecycle(*policies_, lifecycle_request("basic", "signing", "flying"), d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"no_transition"}));

  lifecycle(*policies_, lifecycle_request("basic", "floating", "signed"), d_);
  EXPECT_EQ(d_.error_code, "invalid_request");
  EXPECT_EQ(d_.error_message, "resource.state must be one of signing, signed, suspended, unsigned");
  lifecycle(*policies_, lifecycle_request("basic", "", "signed"), d_);
  EXPECT_EQ(d_.error_message, "resource.state is missing");

  LifecycleRequest request = lifecycle_request("basic", "signing", "signed");
  request.resource.type = policies_->find_resource_type("document");
  lifecycle(*policies_, request, d_);
  EXPECT_EQ(d_.error_code, "invalid_request");
  EXPECT_EQ(d_.error_message, "resource type 'document' has no lifecycle in this tenant");

  request = lifecycle_request("basic", "signing", "signed");
  request.resource.tenant = "globex";
  lifecycle(*policies_, request, d_);
  EXPECT_EQ(strings(d_.reasons), (Reasons{"cross_tenant"}));
}

// ----------------------------------------------------------------- engine

TEST_F(EvaluatorTest, EngineReplaceCarriesSwitches) {
  Engine engine(policies_);
  EXPECT_TRUE(engine.set_feature("acme", "beta_ui", FeatureSwitch::On));
  EXPECT_FALSE(engine.set_feature("acme", "nope", FeatureSwitch::On));
  EXPECT_FALSE(engine.set_feature("nope", "beta_ui", FeatureSwitch::On));
  std::shared_ptr<const CompiledPolicySet> next = compile_source(kPolicy);
  engine.replace(next);
  EXPECT_EQ(engine.snapshot(), next);
  const Snapshot pinned = engine.pin();
  EXPECT_EQ(pinned->feature_switch(acme_, pinned->find_feature(acme_, "beta_ui")),
            FeatureSwitch::On);
  principal("account_age_days", integer(1));
  FeaturesRequest request = base_request("guest");
  pinned.features(request, d_);
  EXPECT_EQ(strings(d_.names), (Reasons{"beta_ui"}));
}

// A set compared with a list literal: equal as sets (order and repeats aside).
TEST(EvaluatorSets, SetEqualsListLiteral) {
  const auto policies = compile_source(R"(schema {
  principal { tags: set<string>; }
  resource doc { }
  actions read, write, share on doc;
}
tenant t {
  role r;
  @id("empty") permit read on doc when principal.tags == [];
  @id("ab") permit write on doc when principal.tags == ["a", "b"];
  @id("not-ab") permit share on doc when principal.tags != ["b", "a"];
})");
  ASSERT_TRUE(policies);
  std::vector<std::string_view> tags;
  std::vector<Value> attributes(1);
  attributes[0].kind = ValueKind::SetOfString;
  CheckRequest request;
  request.tenant = policies->find_tenant("t");
  request.principal.role = 0;
  request.principal.attributes = attributes;
  request.resource.type = policies->find_resource_type("doc");
  request.resource.tenant = "t";
  Decision d;
  const auto allowed = [&](std::string_view action) {
    attributes[0].strings = tags;
    request.action = policies->find_action(request.tenant, action);
    check(*policies, request, d);
    return d.allow;
  };
  EXPECT_TRUE(allowed("read"));
  EXPECT_FALSE(allowed("write"));
  EXPECT_TRUE(allowed("share"));
  tags = {"b", "a", "a"};
  EXPECT_FALSE(allowed("read"));
  EXPECT_TRUE(allowed("write"));
  EXPECT_FALSE(allowed("share"));
  tags = {"a", "c"};
  EXPECT_FALSE(allowed("write"));
}

// ------------------------------------------------------------- allocation

TEST_F(EvaluatorTest, WarmDecisionsDoNotAllocate) {
  typical_document();
  principal("kyc", text("pending"));
  principal("account_age_days", integer(10));
  CheckRequest allow = check_request("company", "read");
  allow.explain = true;
  CheckRequest forbid = check_request("company", "write");
  forbid.resource.attributes = {};  // every attribute absent: forbids in error
  const TransitionRequest transition_deny = transition_request("guest", "basic");
  const SubscribeRequest subscribe_deny = subscribe_request("basic", "pro");
  const LifecycleRequest lifecycle_deny = lifecycle_request("guest", "signing", "signed");
  const RequestBase list = base_request("advanced");

  const auto run = [&] {
    check(*policies_, allow, d_);
    check(*policies_, forbid, d_);
    transition(*policies_, transition_deny, d_);
    subscribe(*policies_, subscribe_deny, d_);
    lifecycle(*policies_, lifecycle_deny, d_);
    plans(*policies_, list, d_);
    features(*policies_, list, d_);
  };
  run();  // warm the Decision's vectors
  const std::uint64_t before = test_support::thread_allocations();
  for (int i = 0; i < 100; ++i) run();
  EXPECT_EQ(test_support::thread_allocations() - before, 0u);

  // The counter works.
  std::vector<int> grows(16);
  EXPECT_GT(test_support::thread_allocations() - before, 0u);
}

}  // namespace
}  // namespace tenet
