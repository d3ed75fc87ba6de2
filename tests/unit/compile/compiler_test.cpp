// The compiler: `tenet tree`'s dump of a small tenant (golden string), the
// candidate index (a declared action no rule names gets the `*` rules only;
// an undeclared one has no slot and no rules), and `tenet tree`'s exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>

#include "cli/tree_command.hpp"
#include "engine/engine.hpp"
#include "grammar/parser.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

constexpr std::string_view kPolicy = R"(schema {
  principal { kyc: "none" | "verified"; age: int; vip?: bool; }
  resource document { owner: string; locked: bool; }
  resource subscription { overdue: int; }
  context { mfa: bool; }
  actions read, write on document, subscription;
  actions share on document;
}
tenant shop {
  role guest;
  role basic extends guest;
  role staff extends basic;
  @id("kyc") transition guest -> basic when principal.kyc == "verified"
    && principal.age >= 18;
  transition basic -> staff;
  feature beta off for staff;
  feature dark on when enabled(beta) || principal has vip;
  @id("p-pro") plan pro { for basic; when principal.age > 20; requires feature beta; }
  lifecycle subscription {
    states open, closed;
    initial open;
    open -> closed by staff when resource.overdue > 3;
    closed -> open;
  }
  @id("reads") permit read on document when resource.owner == principal.id;
  @id("locked") forbid write, read on document when resource.locked unless context.mfa;
  @id("staff-all") permit * on * for staff;
}
tenant other { role guest; actions archive on subscription; @id("x") permit archive on subscription; }
)";

std::shared_ptr<const CompiledPolicySet> compile_source(std::string_view text) {
  return test_support::compile_source("shop.tenet", text);
}

constexpr std::string_view kShopTree = R"(tenant shop
roles
  guest is guest
  basic is guest basic
  staff is guest basic staff
check
  read on document
    forbid shop:locked for * when resource.locked unless context.mfa
    permit shop:reads for * when resource.owner == principal.id
    permit shop:staff-all for staff
  read on subscription
    permit shop:staff-all for staff
  write on document
    forbid shop:locked for * when resource.locked unless context.mfa
    permit shop:staff-all for staff
  write on subscription
    permit shop:staff-all for staff
  share on document
    permit shop:staff-all for staff
transitions
  guest -> basic: shop:kyc when principal.kyc == "verified" && principal.age >= 18
  basic -> staff: shop:shop.tenet:15
features
  beta off (switch on) for staff
  dark on (switch default) for * when enabled(beta) || principal has vip
plans
  pro: shop:p-pro for basic staff requires feature beta when principal.age > 20
lifecycles
  subscription initial open
    open -> closed: shop:shop.tenet:22 by staff when resource.overdue > 3
    closed -> open: shop:shop.tenet:23 by *
)";

TEST(Compiler, TreeDumpOfOneTenant) {
  const auto policies = compile_source(kPolicy);
  ASSERT_TRUE(policies);
  const Index shop = policies->find_tenant("shop");
  policies->set_feature_switch(shop, policies->find_feature(shop, "beta"), FeatureSwitch::On);
  EXPECT_EQ(compile::dump_tree(*policies, shop), kShopTree);
  EXPECT_EQ(compile::dump_tree(*policies, kNone), "");
}

TEST(Compiler, LookupsAndCandidateIndex) {
  const auto policies = compile_source(kPolicy);
  ASSERT_TRUE(policies);
  const Index shop = policies->find_tenant("shop");
  const Index other = policies->find_tenant("other");
  ASSERT_NE(shop, kNone);
  EXPECT_EQ(policies->tenant_count(), 2U);
  EXPECT_EQ(policies->tenant_name(other), "other");
  EXPECT_EQ(policies->find_tenant("nope"), kNone);
  EXPECT_EQ(policies->find_role(shop, "staff"), 2U);
  EXPECT_EQ(policies->find_role(other, "staff"), kNone);
  EXPECT_EQ(policies->find_role(kNone, "staff"), kNone);
  EXPECT_EQ(policies->find_action(shop, "delete"), kNone);  // nothing declares it
  const Index subscription = policies->find_resource_type("subscription");
  EXPECT_TRUE(policies->has_lifecycle(shop, subscription));
  EXPECT_FALSE(policies->has_lifecycle(other, subscription));
  EXPECT_EQ(policies->find_state(shop, subscription, "closed"), 1U);
  EXPECT_EQ(policies->find_state(shop, subscription, "gone"), kNone);
  EXPECT_EQ(policies->find_plan(shop, "pro"), 0U);
  EXPECT_EQ(policies->find_feature(shop, "dark"), 1U);

  // `archive` is declared only by `other`: shop has no slot for it (slot 0,
  // an undeclared action, whose cells are empty even for the `*` rule).
  EXPECT_NE(policies->find_action(other, "archive"), kNone);
  EXPECT_EQ(policies->find_action(shop, "archive"), kNone);
  const compile::Tenant& t = policies->tenant(shop);
  const Index document = policies->find_resource_type("document");
  for (const Index type : {document, subscription}) {
    for (const Index role : {0U, 2U}) {
      const compile::RuleCell& undeclared = t.cell(0, type, role);
      EXPECT_EQ(undeclared.forbids.count + undeclared.permits.count, 0U) << type << ' ' << role;
      EXPECT_FALSE(t.declares(0, type));
    }
  }
  // `share` is declared (for document only) and no rule names it: its
  // candidates are the `*`-action rules.
  const Index share = policies->find_action(shop, "share");
  ASSERT_NE(share, kNone);
  EXPECT_TRUE(t.declares(share, document));
  EXPECT_FALSE(t.declares(share, subscription));
  const compile::RuleCell& guest_cell = t.cell(share, document, 0);
  EXPECT_EQ(guest_cell.forbids.count + guest_cell.permits.count, 0U);
  const compile::RuleCell& staff_cell = t.cell(share, document, 2);
  ASSERT_EQ(staff_cell.permits.count, 1U);
  EXPECT_EQ(t.rules[t.candidates[staff_cell.permits.begin].rule].id, "shop:staff-all");
  const compile::RuleCell& not_declared = t.cell(share, subscription, 2);
  EXPECT_EQ(not_declared.forbids.count + not_declared.permits.count, 0U);
}

// Role names are matched inline in the tenant when there are at most
// kInlineRoles of at most 15 bytes, else through the tenant's hash table:
// both give the same answers, prefixes and near misses included.
TEST(Compiler, RoleLookupInlineAndHashed) {
  std::string text = "schema { principal { } }\n";
  text += "tenant few { role guest; role basic_customer_a extends guest; }\n";  // 16 bytes: hashed
  text += "tenant fit { role guest; role basic_customer extends guest; }\n";    // 14 bytes: inline
  text += "tenant many { role r0;";
  for (int r = 1; r <= 8; ++r)
    text += " role r" + std::to_string(r) + " extends r0;";  // 9 roles: hashed
  text += " }\n";
  const auto policies = compile_source(text);
  ASSERT_TRUE(policies);
  const Index few = policies->find_tenant("few");
  const Index fit = policies->find_tenant("fit");
  const Index many = policies->find_tenant("many");
  EXPECT_FALSE(policies->tenant(few).roles_inline);
  EXPECT_TRUE(policies->tenant(fit).roles_inline);
  EXPECT_FALSE(policies->tenant(many).roles_inline);
  EXPECT_EQ(policies->find_role(few, "basic_customer_a"), 1U);
  EXPECT_EQ(policies->find_role(few, "basic_customer"), kNone);
  EXPECT_EQ(policies->find_role(fit, "basic_customer"), 1U);
  EXPECT_EQ(policies->find_role(fit, "guest"), 0U);
  EXPECT_EQ(policies->find_role(fit, "basic_custome"), kNone);
  EXPECT_EQ(policies->find_role(fit, "basic_customex"), kNone);  // same length, last byte differs
  EXPECT_EQ(policies->find_role(fit, "Guest"), kNone);
  EXPECT_EQ(policies->find_role(fit, "basic_customer_a"), kNone);
  EXPECT_EQ(policies->find_role(fit, ""), kNone);
  EXPECT_EQ(policies->find_role(fit, std::string_view("guest\0", 6)), kNone);
  for (int r = 0; r <= 8; ++r)
    EXPECT_EQ(policies->find_role(many, "r" + std::to_string(r)), static_cast<Index>(r));
  EXPECT_EQ(policies->find_role(many, "r9"), kNone);
}

TEST(Compiler, NodesStayTriviallyCopyableAndSmall) {
  static_assert(std::is_trivially_copyable_v<compile::Node>);
  EXPECT_LE(sizeof(compile::Node), 48U);
}

class TreeCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tenet-tree-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(dir_ / "shop.tenet") << text; }

  int run(const std::string& tenant) {
    out_.str("");
    err_.str("");
    return cli::run_tree({dir_, tenant, {}}, out_, err_);
  }

  std::filesystem::path dir_;
  std::ostringstream out_, err_;
};

TEST_F(TreeCommand, PrintsTheTenant) {
  write(std::string(kPolicy));
  EXPECT_EQ(run("other"), 0);
  EXPECT_EQ(out_.str().substr(0, 18), "tenant other\nroles");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(TreeCommand, UnknownTenantIsExit2) {
  write(std::string(kPolicy));
  EXPECT_EQ(run("nope"), 2);
  EXPECT_NE(err_.str().find("no tenant 'nope'"), std::string::npos);
}

TEST_F(TreeCommand, PolicyErrorsAreExit1) {
  write("tenant a { role guest; permit read on widget; }");
  EXPECT_EQ(run("a"), 1);
  EXPECT_NE(err_.str().find("error"), std::string::npos);
}

TEST_F(TreeCommand, MissingDirectoryIsExit2) {
  std::filesystem::remove_all(dir_);
  EXPECT_EQ(run("a"), 2);
}

}  // namespace
}  // namespace tenet
