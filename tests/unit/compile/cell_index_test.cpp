// Check's rule cells indexed by value (engine/compile/cell_index.hpp): which
// sides get an index, and that a check through an index answers exactly as
// the walk over every candidate — the walk explain makes — with the same
// reasons in the same order, the same errors and messages.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/request_parser.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

// Rules on `read` keyed by resource.project (strings, a list, behind a
// `has` guard and an enabled() test), on `write` keyed by an int and an
// enum, a few keyed by another attribute, a few with no key, and one whose
// key is not its first test that can be in error (so it is not keyed).
constexpr std::string_view kPolicy = R"(schema {
  principal { department: string; clearance: int; level?: int; }
  resource document {
    project?: string;
    owner: string;
    rank: int;
    classification: "public" | "internal" | "secret";
  }
  context { mfa: bool; }
  actions read, write on document;
}
tenant one {
  role member;
  role lead extends member;
  feature audit on;
  @id("p0") permit read on document when resource has project && resource.project == "p0";
  @id("p1") permit read on document when resource.project == "p1" && principal.department == "d1";
  @id("f1") forbid read on document when resource has project && resource.project == "p1" && principal.clearance < 2;
  @id("p2") permit read on document when "p2" == resource.project;
  @id("p3") permit read on document when resource.project in ["p3", "p4", "p3"];
  @id("owner") permit read on document when resource.owner == principal.id;
  @id("p4") permit read on document for lead when enabled(audit) && resource.project == "p4";
  @id("dept") permit read on document when principal.department == "d9";
  @id("late") permit read on document when principal.clearance > 3 && resource.project == "p5";
  @id("p5") permit read on document when resource.project == "p5" unless context.mfa;
  @id("lvl") forbid read on document when resource has project && resource.project == "p6" && principal.level > 1;
  @id("w1") permit write on document when resource.rank == 1;
  @id("w2") permit write on document when resource.rank == 2 || principal.clearance > 4;
  @id("w3") permit write on document when resource.rank in [3, 1];
  @id("w4") permit write on document when resource.rank == 4;
  @id("w5") permit write on document when resource.classification == "secret";
  @id("w6") permit write on document when resource.classification == "public";
  @id("w7") permit write on document when resource.rank == 7;
  @id("w8") permit write on document when resource.rank == 8;
}
)";

class CellIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policies_ = test_support::compile_source("t.tenet", kPolicy);
    ASSERT_TRUE(policies_);
  }

  // The decision of `line` with and without explain (the walk over every
  // candidate), as "allow|reasons|errors"; both must agree.
  std::string decide(const std::string& request) {
    std::string answers[2];
    for (const bool explain : {false, true}) {
      const std::string line = R"({"op":"check","tenant":"one","action":)" + request +
                               (explain ? R"(,"explain":true})" : "}");
      const json::ParsedRequest& parsed = parser_.parse(*policies_, line);
      EXPECT_TRUE(parsed.ok()) << line;
      if (!parsed.ok()) return {};
      Decision decision;
      eval::check(*policies_, std::get<CheckRequest>(parsed.request), decision);
      std::string text = decision.allow ? "allow" : "deny";
      for (const std::string_view reason : decision.reasons) text += " " + std::string(reason);
      for (const auto& error : decision.errors)
        text += " [" + std::string(error.rule) + ": " + std::string(error.message) + "]";
      answers[explain ? 1 : 0] = text;
    }
    EXPECT_EQ(answers[0], answers[1]) << "indexed and walked checks differ for " << request;
    return answers[0];
  }

  static std::string read(std::string_view role, std::string_view principal_attrs,
                          std::string_view resource_attrs, bool mfa = false) {
    return R"("read","principal":{"id":"u1","role":")" + std::string(role) + R"(","attrs":{)" +
           std::string(principal_attrs) +
           R"(}},"resource":{"type":"document","id":"d","tenant":"one","attrs":{)" +
           std::string(resource_attrs) + R"(}},"context":{"mfa":)" + (mfa ? "true" : "false") + "}";
  }
  static std::string write(std::string_view resource_attrs) {
    return R"("write","principal":{"id":"u1","role":"member","attrs":{"department":"d0","clearance":0}},"resource":{"type":"document","id":"d","tenant":"one","attrs":{)" +
           std::string(resource_attrs) + R"(}},"context":{"mfa":false})";
  }

  std::shared_ptr<const CompiledPolicySet> policies_;
  json::RequestParser parser_;
};

constexpr std::string_view kStaff = R"("department":"d1","clearance":3)";

TEST_F(CellIndexTest, ManyRulesTestingOneAttributeGetAnIndexOnIt) {
  const compile::Tenant& tenant = policies_->tenant(policies_->find_tenant("one"));
  // read's permits for member and for lead, and write's permits, the same
  // rules for both roles — one candidate list and one index (the compiler
  // shares identical lists): three sides; read's forbids (two rules) are
  // too few. write's rules test two subjects (rank, classification):
  // classes. read's test six (project, department, clearance, level, mfa,
  // enabled(audit)), too many for eight or nine rules: buckets of
  // resource.project.
  const Index write = policies_->find_action(policies_->find_tenant("one"), "write");
  const Index document = policies_->find_resource_type("document");
  const compile::RuleCell& member = tenant.cell(write, document, tenant.role_index.find("member"));
  const compile::RuleCell& lead = tenant.cell(write, document, tenant.role_index.find("lead"));
  EXPECT_EQ(member.permits.begin, lead.permits.begin);
  EXPECT_EQ(member.permits.count, 8U);
  ASSERT_EQ(tenant.cell_indexes.sides.size(), 3U);
  int by_classes = 0;
  for (const compile::CellSideIndex& side : tenant.cell_indexes.sides) {
    if (side.by_classes) {
      ++by_classes;
      EXPECT_EQ(side.subjects_count, 2U);
    } else {
      EXPECT_EQ(tenant.nodes[side.subject].op, compile::Op::ResourceAttr);
    }
  }
  EXPECT_EQ(by_classes, 1);
}

TEST_F(CellIndexTest, KeyedRulesHoldOnlyForTheirConstants) {
  const std::string doc = R"("owner":"u2","rank":0,"classification":"public",)";
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p0")")), "allow one:p0");
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p1")")), "allow one:p1");
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p2")")), "allow one:p2");
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p3")")), "allow one:p3");
  // p4: the list rule for every role, the enabled() one for leads only.
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p4")")), "allow one:p3");
  EXPECT_EQ(decide(read("lead", kStaff, doc + R"("project":"p4")")), "allow one:p3 one:p4");
  // p5 is the key of "p5", not of "late" (its first test, clearance, can be
  // in error), which is walked as unkeyed: both hold, in declaration order.
  EXPECT_EQ(decide(read("member", R"("department":"d1","clearance":4)", doc + R"("project":"p5")")),
            "allow one:late one:p5");
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p5")", true)), "deny no_permit");
  // No rule names p9: only the unkeyed rules can hold.
  EXPECT_EQ(decide(read("member", kStaff, doc + R"("project":"p9")")), "deny no_permit");
  EXPECT_EQ(decide(read("member", R"("department":"d9","clearance":0)",
                        R"("owner":"u1","rank":0,"classification":"public","project":"p9")")),
            "allow one:owner one:dept");
}

TEST_F(CellIndexTest, ForbidsAndUnkeyedRulesMergeInDeclarationOrder) {
  const std::string doc = R"("owner":"u1","rank":0,"classification":"public","project":"p1")";
  EXPECT_EQ(decide(read("member", R"("department":"d1","clearance":1)", doc)), "deny one:f1");
  EXPECT_EQ(decide(read("member", R"("department":"d9","clearance":2)", doc)),
            "allow one:owner one:dept");
  EXPECT_EQ(decide(read("member", R"("department":"d1","clearance":2)", doc)),
            "allow one:p1 one:owner");
}

TEST_F(CellIndexTest, AMissingSubjectWalksEveryRuleAndReportsTheirErrors) {
  // No project: the guarded rules are false, the unguarded ones in error,
  // each with its message, in declaration order.
  EXPECT_EQ(decide(read("member", kStaff, R"("owner":"u2","rank":0,"classification":"public")")),
            "deny no_permit [one:p1: resource.attrs.project is missing]"
            " [one:p2: resource.attrs.project is missing]"
            " [one:p3: resource.attrs.project is missing]"
            " [one:p5: resource.attrs.project is missing]");
  // A forbid in error denies (fail closed).
  const std::string doc = R"("owner":"u2","rank":0,"classification":"public","project":"p6")";
  EXPECT_EQ(decide(read("member", kStaff, doc)),
            "deny one:lvl [one:lvl: principal.attrs.level is missing]");
}

TEST_F(CellIndexTest, IntegerAndEnumKeys) {
  EXPECT_EQ(decide(write(R"("owner":"u2","rank":1,"classification":"internal")")),
            "allow one:w1 one:w3");
  EXPECT_EQ(decide(write(R"("owner":"u2","rank":3,"classification":"internal")")), "allow one:w3");
  EXPECT_EQ(decide(write(R"("owner":"u2","rank":2,"classification":"internal")")), "allow one:w2");
  EXPECT_EQ(decide(write(R"("owner":"u2","rank":9,"classification":"secret")")), "allow one:w5");
  EXPECT_EQ(decide(write(R"("owner":"u2","rank":9,"classification":"internal")")),
            "deny no_permit");
}

// A request built in code may carry a value of a kind the schema does not
// give (an int for resource.project, a string for resource.rank): the side
// by classes then walks every candidate, the side by buckets finds no
// bucket for it, and both answer as the walk does.
TEST_F(CellIndexTest, AValueOfTheWrongKindAnswersAsTheWalk) {
  for (const std::string& request :
       {read("member", R"("department":"d9","clearance":0)",
             R"("owner":"u1","rank":0,"classification":"public","project":"p0")"),
        write(R"("owner":"u2","rank":1,"classification":"secret")")}) {
    const std::string line = R"({"op":"check","tenant":"one","action":)" + request + "}";
    const json::ParsedRequest& parsed = parser_.parse(*policies_, line);
    ASSERT_TRUE(parsed.ok()) << line;
    CheckRequest changed = std::get<CheckRequest>(parsed.request);
    std::vector<Value> attributes(changed.resource.attributes.begin(),
                                  changed.resource.attributes.end());
    for (const std::string_view name : {"project", "rank"}) {
      Value& value = attributes[policies_->resource_slot(name)];
      value = Value{};
      value.kind = name == "project" ? ValueKind::Int : ValueKind::String;
      value.string = "p0";
      value.integer = 1;
    }
    changed.resource.attributes = attributes;
    std::string answers[2];
    for (const bool explain : {false, true}) {
      changed.explain = explain;
      Decision decision;
      eval::check(*policies_, changed, decision);
      std::string& text = answers[explain ? 1 : 0];
      text = decision.allow ? "allow" : "deny";
      for (const std::string_view reason : decision.reasons) text += " " + std::string(reason);
      for (const auto& error : decision.errors) text += " [" + std::string(error.rule) + "]";
    }
    EXPECT_EQ(answers[0], answers[1]) << request;
    // No project or rank rule holds on a value of the wrong kind; the
    // others still do.
    EXPECT_EQ(answers[0],
              request.rfind("\"read\"", 0) == 0 ? "allow one:owner one:dept" : "allow one:w5")
        << request;
  }
}

// More candidates than a class index takes (kMaxClassCandidates): the side
// is indexed by buckets of resource.project's constants.
TEST(CellIndexBuckets, AThousandRulesOnOneProjectEachAreLookedUpByTheirConstant) {
  constexpr int kRules = 1100;
  std::string policy = R"(schema {
  principal { department: string; }
  resource document { project?: string; owner: string; }
  actions read on document;
}
tenant one {
  role member;
  @id("owner") permit read on document when resource.owner == principal.id;
)";
  for (int i = 0; i < kRules; ++i) {
    const std::string p = "\"p" + std::to_string(i) + "\"";
    const std::string d = "\"d" + std::to_string(i % 7) + "\"";
    if (i % 100 == 0) {
      policy += "  @id(\"f" + std::to_string(i) +
                "\") forbid read on document when resource.project == " + p +
                " && principal.department == " + d + ";\n";
    } else {
      policy += "  @id(\"r" + std::to_string(i) +
                "\") permit read on document when resource.project in [" + p +
                ", \"shared\"] && principal.department == " + d + ";\n";
    }
  }
  policy += "}\n";
  const auto policies = test_support::compile_source("t.tenet", policy);
  ASSERT_TRUE(policies);
  const compile::Tenant& tenant = policies->tenant(policies->find_tenant("one"));
  // The eleven forbids by classes, the permits by buckets.
  ASSERT_EQ(tenant.cell_indexes.sides.size(), 2U);
  EXPECT_NE(tenant.cell_indexes.sides[0].by_classes, tenant.cell_indexes.sides[1].by_classes);

  json::RequestParser parser;
  const auto decide = [&](std::string_view department, std::string_view project_attr,
                          bool explain) {
    const std::string line =
        R"({"op":"check","tenant":"one","action":"read","principal":{"id":"u1","role":"member","attrs":{"department":")" +
        std::string(department) +
        R"("}},"resource":{"type":"document","id":"d","tenant":"one","attrs":{"owner":"u1")" +
        std::string(project_attr) + "}}" + (explain ? R"(,"explain":true})" : "}");
    const json::ParsedRequest& parsed = parser.parse(*policies, line);
    EXPECT_TRUE(parsed.ok()) << line;
    Decision decision;
    eval::check(*policies, std::get<CheckRequest>(parsed.request), decision);
    std::string text = decision.allow ? "allow" : "deny";
    for (const std::string_view reason : decision.reasons) text += " " + std::string(reason);
    for (const auto& error : decision.errors)
      text += " [" + std::string(error.rule) + ": " + std::string(error.message) + "]";
    return text;
  };
  const auto both = [&](std::string_view department, std::string_view project_attr) {
    const std::string indexed = decide(department, project_attr, false);
    EXPECT_EQ(indexed, decide(department, project_attr, true)) << project_attr;
    return indexed;
  };
  EXPECT_EQ(both("d3", R"(,"project":"p17")"), "allow one:owner one:r17");
  EXPECT_EQ(both("d0", R"(,"project":"p17")"), "allow one:owner");
  EXPECT_EQ(both("d2", R"(,"project":"p100")"), "deny one:f100");
  EXPECT_EQ(both("d2", R"(,"project":"nowhere")"), "allow one:owner");
  // Every rule lists "shared": the rules of its department hold, in order.
  const std::string shared = both("d6", R"(,"project":"shared")");
  EXPECT_EQ(shared.rfind("allow one:owner one:r6 one:r13 one:r20 ", 0), 0U) << shared;
  // No project: every keyed rule is in error, walked in declaration order.
  const std::string missing = both("d1", "");
  EXPECT_EQ(missing.rfind("deny one:f0 one:f100", 0), 0U) << missing.substr(0, 200);
}

}  // namespace
}  // namespace tenet
