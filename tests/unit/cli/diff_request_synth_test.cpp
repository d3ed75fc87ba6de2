// cli/request_synth: the requests `tenet diff` synthesizes when it is given
// none. They must be valid requests, deduplicated, the same for both sets,
// carry the boundary values of the constants the conditions compare, and
// exercise every rule's condition both ways (matched in one request, not
// matched in another), on the shipped policies.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "cli/request_synth.hpp"
#include "engine/engine.hpp"
#include "tests/support/compile_source.hpp"

namespace tenet {
namespace {

using cli::RequestSynthesizer;
using nlohmann::json;

std::vector<std::string> synthesize(const CompiledPolicySet& a, const CompiledPolicySet& b) {
  const RequestSynthesizer synthesizer(a, b);
  std::vector<std::string> lines;
  for (const std::string& tenant : synthesizer.tenants()) synthesizer.synthesize(tenant, lines);
  return lines;
}

constexpr const char* kPolicy = R"(
schema {
  principal { age: int; tier: "free" | "paid" | "gold"; vip?: bool; tags: set<string>; }
  resource doc { owner: string; locked: bool; }
  context { mfa: bool; }
  actions read, write on doc;
}
tenant acme {
  role user;
  role admin extends user;
  @id("adults") permit read on doc when principal.age >= 18;
  @id("owners") permit write on doc when resource.owner == principal.id && !resource.locked;
  @id("vips") permit read on doc for admin when principal has vip && principal.vip;
  @id("paid") forbid write on doc when principal.tier in ["free"] unless context.mfa;
  @id("tagged") permit write on doc when principal.tags contains "staff";
}
)";

TEST(DiffRequestSynth, BoundaryValuesOwnerLinksAndOptionalAttributes) {
  const auto policies = test_support::compile_source("p.tenet", kPolicy);
  ASSERT_TRUE(policies);
  const std::vector<std::string> lines = synthesize(*policies, *policies);
  ASSERT_FALSE(lines.empty());

  std::set<std::int64_t> ages;
  std::set<std::string> tiers;
  bool owner_equal = false;
  bool owner_different = false;
  bool vip_absent = false;
  bool vip_true = false;
  bool staff = false;
  std::set<std::string> check_cells;  // role/action
  for (const std::string& line : lines) {
    const json request = json::parse(line);
    const json& attrs = request["principal"]["attrs"];
    ages.insert(attrs["age"].get<std::int64_t>());
    tiers.insert(attrs["tier"].get<std::string>());
    if (!attrs.contains("vip")) vip_absent = true;
    if (attrs.contains("vip") && attrs["vip"] == true) vip_true = true;
    if (std::find(attrs["tags"].begin(), attrs["tags"].end(), "staff") != attrs["tags"].end())
      staff = true;
    if (request["op"] != "check") continue;
    check_cells.insert(request["principal"]["role"].get<std::string>() + "/" +
                       request["action"].get<std::string>());
    const json& resource = request["resource"];
    if (resource["attrs"]["owner"] == request["principal"]["id"]) {
      owner_equal = true;
    } else {
      owner_different = true;
    }
  }
  EXPECT_TRUE(ages.count(17) && ages.count(18) && ages.count(19)) << "c-1, c, c+1 of >= 18";
  EXPECT_EQ(tiers, (std::set<std::string>{"free", "paid", "gold"}));
  EXPECT_TRUE(owner_equal && owner_different);
  EXPECT_TRUE(vip_absent && vip_true);
  EXPECT_TRUE(staff);
  EXPECT_EQ(check_cells,
            (std::set<std::string>{"user/read", "user/write", "admin/read", "admin/write"}));

  // No duplicates; the same lines for the same sets, in the same order.
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), lines.size());
  EXPECT_EQ(synthesize(*policies, *policies), lines);
}

TEST(DiffRequestSynth, TheUnionOfBothSetsConstantsAndPartners) {
  const auto before = test_support::compile_source("p.tenet", kPolicy);
  std::string changed = kPolicy;
  changed.replace(changed.find(">= 18"), 5, ">= 21");
  changed += "tenant beta { role user; permit read on doc; }\n";
  const auto after = test_support::compile_source("p.tenet", changed);
  ASSERT_TRUE(before && after);
  const RequestSynthesizer synthesizer(*before, *after);
  EXPECT_EQ(synthesizer.tenants(), (std::vector<std::string>{"acme", "beta"}));
  std::set<std::int64_t> ages;
  for (const std::string& line : synthesize(*before, *after))
    ages.insert(json::parse(line)["principal"]["attrs"]["age"].get<std::int64_t>());
  for (const std::int64_t age : {17, 18, 19, 20, 21, 22}) EXPECT_TRUE(ages.count(age)) << age;
  // Both orders give the same partners (the requests are a union).
  EXPECT_EQ(RequestSynthesizer(*after, *before).tenants(), synthesizer.tenants());
}

// Every rule of the shipped policies is matched by some synthesized request
// and not matched by another (the explain trace says which).
TEST(DiffRequestSynth, EveryShippedRuleIsExercisedBothWays) {
  const PolicyLoad load = compile_policy_directory(TENET_SOURCE_DIR "/policies");
  ASSERT_TRUE(load.policies);
  const Engine engine(load.policies);
  std::map<std::string, std::set<std::string>> outcomes;  // rule → outcomes seen
  std::size_t answered = 0;
  for (std::string line : synthesize(*load.policies, *load.policies)) {
    line.insert(1, "\"explain\":true,");
    const json response = json::parse(engine.handle_json(line));
    ASSERT_FALSE(response.contains("error")) << line << "\n" << response.dump();
    ++answered;
    for (const json& entry : response.value("trace", json::array())) {
      if (entry["kind"] == "permit" || entry["kind"] == "forbid")
        outcomes[entry["rule"].get<std::string>()].insert(entry["outcome"].get<std::string>());
    }
  }
  EXPECT_GT(answered, 1000U);
  ASSERT_FALSE(outcomes.empty());
  for (const auto& [rule, seen] : outcomes) {
    EXPECT_TRUE(seen.count("matched")) << rule << " never matched";
    EXPECT_TRUE(seen.count("not_matched")) << rule << " always matched";
  }
}

}  // namespace
}  // namespace tenet
