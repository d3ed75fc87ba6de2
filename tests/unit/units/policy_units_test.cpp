// engine/units (tenet::units): a policy directory as the platform part plus
// one unit per partner. Load with a broken partner, reload of single unit
// files (shared compiled tenants, a broken one refused alone), platform
// changes refused whole, removal, put with its scope checks, the revision
// on decision lines, and feature switches carried over a put.
#include "engine/units/policy_units.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using units::Outcome;

constexpr std::string_view kSchema = R"(schema {
  principal { level: int; }
  resource document { owner: string; locked: bool; }
  actions read, write on document;
}
)";

constexpr std::string_view kTemplate = R"(template base {
  role guest;
  role basic extends guest;
  feature beta off;
  @id("owner-reads") permit read on document when resource.owner == principal.id;
}
)";

constexpr std::string_view kUnitA = R"(tenant a extends base {
  @id("locked") forbid read on document when resource.locked;
}
)";

constexpr std::string_view kUnitB = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 3;
}
)";

// b comparing its int attribute with a string: a type error in b's unit.
constexpr std::string_view kUnitBBroken = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level == "high";
}
)";

constexpr std::string_view kUnitC = R"(tenant c extends base {
  @id("c-writes") permit write on document for basic when resource.owner == principal.id;
}
)";

// A policy directory in a temp dir: schema, template, partners a, b, c.
class PolicyDir {
 public:
  PolicyDir() {
    write("schema.tenet", kSchema);
    write("templates/base.tenet", kTemplate);
    write("tenants/a.tenet", kUnitA);
    write("tenants/b.tenet", kUnitB);
    write("tenants/c.tenet", kUnitC);
  }

  void write(const std::string& relative, std::string_view text) const {
    const fs::path path = dir_.path() / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    ASSERT_TRUE(out.good()) << path;
  }
  void remove(const std::string& relative) const { fs::remove(dir_.path() / relative); }
  [[nodiscard]] const fs::path& path() const { return dir_.path(); }

 private:
  test_support::TempDir dir_{"tenet-units"};
};

const units::UnitReport* report_of(const units::Report& report, std::string_view tenant) {
  const auto found = std::find_if(report.units.begin(), report.units.end(),
                                  [&](const units::UnitReport& u) { return u.tenant == tenant; });
  return found == report.units.end() ? nullptr : &*found;
}

std::string rendered(const std::vector<Diagnostic>& diagnostics, const SourceSet& sources) {
  std::string text;
  for (const Diagnostic& d : diagnostics) text += render(d, sources);
  return text;
}

std::string platform_text(const units::Report& report) {
  return report.sources ? rendered(report.platform_diagnostics, *report.sources) : "";
}

const compile::Tenant* compiled_tenant(const units::Version& version, std::string_view name) {
  const model::Index at = version.compiled()->find_tenant(name);
  return at == model::kNone ? nullptr : &version.compiled()->tenant(at);
}

// A check on `tenant`: user u1 reads (or `action`s) her own unlocked document.
std::string check_line(std::string_view tenant, std::string_view action = "read", int level = 1) {
  return R"({"op":"check","tenant":")" + std::string(tenant) +
         R"(","principal":{"id":"u1","role":"basic","attrs":{"level":)" + std::to_string(level) +
         R"(}},"action":")" + std::string(action) +
         R"(","resource":{"type":"document","id":"d1","tenant":")" + std::string(tenant) +
         R"(","attrs":{"owner":"u1","locked":false}}})";
}

json answer(const units::Version& version, std::string_view line) {
  tenet::json::LineHandler handler;
  std::string out;
  handler.handle(*version.compiled(), line, out);
  json parsed = json::parse(out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << out;
  return parsed;
}

units::Report load(const PolicyDir& dir) { return units::load(dir.path(), {}); }

units::Report reload(const units::Version& current, const PolicyDir& dir,
                     bool allow_removal = false) {
  return units::reload(current, dir.path(), {}, allow_removal);
}

// ---- 1. load

TEST(PolicyUnitsLoad, EveryUnitAtRevisionOne) {
  const PolicyDir dir;
  const units::Report report = load(dir);
  ASSERT_TRUE(report.version) << report.message << platform_text(report);
  EXPECT_FALSE(report.refused);
  EXPECT_EQ(report.broken_units(), 0U);
  EXPECT_EQ(report.policy_file_count, 5U);
  ASSERT_EQ(report.version->units().size(), 3U);
  for (const std::string_view name : {"a", "b", "c"}) {
    const units::Unit* unit = report.version->find(name);
    ASSERT_NE(unit, nullptr) << name;
    EXPECT_EQ(unit->revision, 1U) << name;
    EXPECT_TRUE(unit->served) << name;
    EXPECT_FALSE(unit->shares_file) << name;
    EXPECT_EQ(unit->path, "tenants/" + std::string(name) + ".tenet");
    EXPECT_EQ(unit->hash, units::content_hash(unit->text()));
    ASSERT_NE(report_of(report, name), nullptr);
    EXPECT_EQ(report_of(report, name)->outcome, Outcome::Added);
    EXPECT_EQ(compiled_tenant(*report.version, name)->revision, 1U);
  }
  EXPECT_EQ(report.version->platform().hashes.size(), 2U);
  EXPECT_EQ(report.version->platform().hashes.count("schema.tenet"), 1U);
  EXPECT_EQ(report.version->platform().hashes.count("templates/base.tenet"), 1U);
}

TEST(PolicyUnitsLoad, BrokenUnitIsNotServedAndOthersAre) {
  const PolicyDir dir;
  dir.write("tenants/b.tenet", kUnitBBroken);
  const units::Report report = load(dir);
  ASSERT_TRUE(report.version) << report.message << platform_text(report);
  EXPECT_EQ(report.broken_units(), 1U);

  const units::UnitReport* b = report_of(report, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->outcome, Outcome::Refused);
  ASSERT_FALSE(b->diagnostics.empty());
  EXPECT_TRUE(has_errors(b->diagnostics));
  EXPECT_EQ(b->sources->file(b->diagnostics.front().span.file).path, "tenants/b.tenet");
  EXPECT_EQ(report_of(report, "a")->outcome, Outcome::Added);
  EXPECT_EQ(report_of(report, "c")->outcome, Outcome::Added);

  const units::Unit* unit_b = report.version->find("b");
  ASSERT_NE(unit_b, nullptr);
  EXPECT_FALSE(unit_b->served);
  EXPECT_NE(unit_b->problems.find("tenants/b.tenet:2:"), std::string::npos) << unit_b->problems;
  const compile::Tenant* compiled_b = compiled_tenant(*report.version, "b");
  ASSERT_NE(compiled_b, nullptr);
  EXPECT_TRUE(compiled_b->unavailable);
  EXPECT_FALSE(compiled_tenant(*report.version, "a")->unavailable);
  EXPECT_FALSE(compiled_tenant(*report.version, "c")->unavailable);

  // Through the evaluator directly: b denies tenant_unavailable with the error.
  const compile::CompiledPolicySet& set = *report.version->compiled();
  eval::CheckRequest request;
  request.tenant = set.find_tenant("b");
  request.principal.role = 0;
  request.action_name = "write";
  eval::Decision decision;
  eval::check(set, request, decision);
  EXPECT_FALSE(decision.allow);
  ASSERT_EQ(decision.reasons.size(), 1U);
  EXPECT_EQ(decision.reasons.front(), "tenant_unavailable");
  ASSERT_EQ(decision.errors.size(), 1U);
  EXPECT_NE(decision.errors.front().message.find("tenants/b.tenet:2:"), std::string::npos)
      << decision.errors.front().message;

  // Through the line handler: the same, and a and c serve.
  const json denied = answer(*report.version, check_line("b", "write", 5));
  EXPECT_EQ(denied["decision"], "deny") << denied;
  EXPECT_EQ(denied["reasons"], json::parse(R"(["tenant_unavailable"])")) << denied;
  ASSERT_TRUE(denied["errors"].is_array()) << denied;
  const std::string message = denied["errors"][0]["message"];
  EXPECT_NE(message.find("'b'"), std::string::npos) << message;
  EXPECT_NE(message.find("tenants/b.tenet:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("string"), std::string::npos) << message;  // names the type clash

  EXPECT_EQ(answer(*report.version, check_line("a"))["decision"], "allow");
  EXPECT_EQ(answer(*report.version, check_line("c", "write"))["decision"], "allow");
  EXPECT_EQ(answer(*report.version, check_line("c", "write"))["reasons"],
            json::parse(R"(["c:c-writes"])"));
}

TEST(PolicyUnitsLoad, PlatformErrorServesNothing) {
  const PolicyDir dir;
  // The template compares an int with a string.
  dir.write("templates/base.tenet", R"(template base {
  role guest;
  role basic extends guest;
  feature beta off;
  @id("owner-reads") permit read on document when principal.level == "x";
}
)");
  const units::Report report = load(dir);
  EXPECT_FALSE(report.version);
  EXPECT_TRUE(has_errors(report.platform_diagnostics));
  EXPECT_NE(platform_text(report).find("templates/base.tenet:5:"), std::string::npos)
      << platform_text(report);
}

TEST(PolicyUnitsLoad, SchemaSyntaxErrorServesNothing) {
  const PolicyDir dir;
  dir.write("schema.tenet", "schema { principal { level: int } ");
  const units::Report report = load(dir);
  EXPECT_FALSE(report.version);
  EXPECT_TRUE(has_errors(report.platform_diagnostics));
}

// A syntax error inside b's block is b's: b alone is not served.
TEST(PolicyUnitsLoad, SyntaxErrorInsideUnitIsThatUnits) {
  const PolicyDir dir;
  dir.write("tenants/b.tenet", R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > ;
}
)");
  const units::Report report = load(dir);
  ASSERT_TRUE(report.version) << report.message << platform_text(report);
  const units::UnitReport* b = report_of(report, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->outcome, Outcome::Refused);
  EXPECT_TRUE(has_errors(b->diagnostics));
  EXPECT_TRUE(compiled_tenant(*report.version, "b")->unavailable);
  EXPECT_EQ(answer(*report.version, check_line("a"))["decision"], "allow");
  EXPECT_EQ(answer(*report.version, check_line("b"))["reasons"],
            json::parse(R"(["tenant_unavailable"])"));
}

// A tenant declared in two unit files is not served from either.
TEST(PolicyUnitsLoad, TenantInTwoFilesIsRefused) {
  const PolicyDir dir;
  dir.write("tenants/b2.tenet", kUnitB);
  const units::Report report = load(dir);
  ASSERT_TRUE(report.version) << report.message << platform_text(report);
  const units::UnitReport* b = report_of(report, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->outcome, Outcome::Refused);
  EXPECT_TRUE(compiled_tenant(*report.version, "b")->unavailable);
  EXPECT_EQ(answer(*report.version, check_line("a"))["decision"], "allow");
}

TEST(PolicyUnitsLoad, KnownRevisionsContinue) {
  const PolicyDir dir;
  units::UnitOptions options;
  options.known["a"] = {7, units::content_hash(kUnitA)};  // same text: same revision
  options.known["b"] = {4, "another text"};               // another text: the next one
  const units::Report report = units::load(dir.path(), options);
  ASSERT_TRUE(report.version);
  EXPECT_EQ(report.version->find("a")->revision, 7U);
  EXPECT_EQ(report.version->find("b")->revision, 5U);
  EXPECT_EQ(report.version->find("c")->revision, 1U);
}

// ---- 2. reload per unit

TEST(PolicyUnitsReload, OnlyChangedUnitsRecompileAndABrokenOneIsRefusedAlone) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  const units::Version& v1 = *first.version;

  dir.write("tenants/a.tenet", R"(tenant a extends base {
  @id("locked") forbid read on document when resource.locked;
  @id("a-writes") permit write on document for basic;
}
)");
  dir.write("tenants/b.tenet", kUnitBBroken);
  const units::Report second = reload(v1, dir);
  ASSERT_TRUE(second.version) << second.message;
  EXPECT_FALSE(second.refused);
  EXPECT_FALSE(second.platform_changed);
  const units::Version& v2 = *second.version;

  const units::UnitReport* a = report_of(second, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->outcome, Outcome::Applied);
  EXPECT_EQ(a->revision, 2U);
  EXPECT_EQ(v2.find("a")->revision, 2U);
  EXPECT_EQ(compiled_tenant(v2, "a")->revision, 2U);
  EXPECT_EQ(answer(v2, check_line("a", "write"))["decision"], "allow");
  EXPECT_EQ(answer(v1, check_line("a", "write"))["decision"], "deny");

  const units::UnitReport* b = report_of(second, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->outcome, Outcome::Refused);
  EXPECT_EQ(b->revision, 1U);
  EXPECT_TRUE(has_errors(b->diagnostics));
  EXPECT_EQ(v2.find("b")->revision, 1U);
  EXPECT_EQ(v2.find("b")->hash, units::content_hash(kUnitB));
  // b keeps serving its old rules: the very compiled tenant of v1.
  EXPECT_EQ(compiled_tenant(v2, "b"), compiled_tenant(v1, "b"));
  const json b_answer = answer(v2, check_line("b", "write", 5));
  EXPECT_EQ(b_answer["decision"], "allow") << b_answer;
  EXPECT_EQ(b_answer["reasons"], json::parse(R"(["b:senior-writes"])"));

  // c did not change: not reported, and the same compiled tenant (shared).
  const units::UnitReport* c = report_of(second, "c");
  EXPECT_TRUE(c == nullptr || c->outcome == Outcome::Unchanged);
  EXPECT_EQ(compiled_tenant(v2, "c"), compiled_tenant(v1, "c"));
  EXPECT_EQ(v2.find("c"), v1.find("c"));
  EXPECT_EQ(&v2.platform(), &v1.platform());

  // Fixing b applies it, at revision 2.
  dir.write("tenants/b.tenet", R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 8;
}
)");
  const units::Report third = reload(v2, dir);
  ASSERT_TRUE(third.version);
  const units::UnitReport* fixed = report_of(third, "b");
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->outcome, Outcome::Applied);
  EXPECT_EQ(fixed->revision, 2U);
  EXPECT_EQ(third.version->find("b")->revision, 2U);
  EXPECT_EQ(answer(*third.version, check_line("b", "write", 5))["decision"], "deny");
  EXPECT_EQ(answer(*third.version, check_line("b", "write", 9))["decision"], "allow");
  EXPECT_EQ(compiled_tenant(*third.version, "a"), compiled_tenant(v2, "a"));
}

TEST(PolicyUnitsReload, NothingChangedMakesNoVersion) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  const units::Report again = reload(*first.version, dir);
  EXPECT_FALSE(again.version);
  EXPECT_FALSE(again.refused);
  EXPECT_EQ(again.broken_units(), 0U);
}

TEST(PolicyUnitsReload, OnlyRefusedUnitsMakeNoVersion) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.write("tenants/b.tenet", kUnitBBroken);
  const units::Report second = reload(*first.version, dir);
  EXPECT_FALSE(second.version);
  EXPECT_EQ(second.broken_units(), 1U);
  EXPECT_EQ(report_of(second, "b")->outcome, Outcome::Refused);
}

TEST(PolicyUnitsReload, UnitBrokenAtLoadIsAppliedWhenFixed) {
  const PolicyDir dir;
  dir.write("tenants/b.tenet", kUnitBBroken);
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  ASSERT_TRUE(compiled_tenant(*first.version, "b")->unavailable);
  dir.write("tenants/b.tenet", kUnitB);
  const units::Report second = reload(*first.version, dir);
  ASSERT_TRUE(second.version);
  EXPECT_EQ(report_of(second, "b")->outcome, Outcome::Applied);
  EXPECT_EQ(second.version->find("b")->revision, 2U);
  EXPECT_TRUE(second.version->find("b")->served);
  EXPECT_FALSE(compiled_tenant(*second.version, "b")->unavailable);
  EXPECT_EQ(answer(*second.version, check_line("b", "write", 5))["decision"], "allow");
}

TEST(PolicyUnitsReload, NewUnitFileIsAdded) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.write("tenants/d.tenet", "tenant d extends base { }\n");
  const units::Report second = reload(*first.version, dir);
  ASSERT_TRUE(second.version);
  EXPECT_EQ(report_of(second, "d")->outcome, Outcome::Added);
  EXPECT_EQ(second.version->find("d")->revision, 1U);
  EXPECT_EQ(answer(*second.version, check_line("d"))["decision"], "allow");
  EXPECT_EQ(compiled_tenant(*second.version, "a"), compiled_tenant(*first.version, "a"));
}

// A second file declaring an existing tenant is refused; the first one serves on.
TEST(PolicyUnitsReload, TenantDeclaredInASecondFileIsRefused) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.write("tenants/b2.tenet", R"(tenant b extends base { permit write on document; }
)");
  const units::Report second = reload(*first.version, dir);
  const units::UnitReport* b = report_of(second, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->outcome, Outcome::Refused);
  EXPECT_NE(b->message.find("more than one file"), std::string::npos) << b->message;
  const units::Version& serving = second.version ? *second.version : *first.version;
  EXPECT_EQ(compiled_tenant(serving, "b"), compiled_tenant(*first.version, "b"));
  EXPECT_EQ(serving.find("b")->path, "tenants/b.tenet");
}

// ---- 3. platform changes

TEST(PolicyUnitsReload, PlatformChangeThatBreaksAPartnerIsRefusedWhole) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  // Dropping role basic breaks c (`for basic`); a and b do not name it.
  dir.write("templates/base.tenet", R"(template base {
  role guest;
  feature beta off;
  @id("owner-reads") permit read on document when resource.owner == principal.id;
}
)");
  dir.write("tenants/a.tenet", "tenant a extends base { }\n");
  const units::Report second = reload(*first.version, dir);
  EXPECT_TRUE(second.refused);
  EXPECT_TRUE(second.platform_changed);
  EXPECT_FALSE(second.version);
  EXPECT_NE(second.message.find("partner(s) c"), std::string::npos) << second.message;
  EXPECT_EQ(second.message.find("partner(s) a"), std::string::npos) << second.message;
  ASSERT_NE(report_of(second, "c"), nullptr);
  EXPECT_EQ(report_of(second, "c")->outcome, Outcome::Refused);
}

TEST(PolicyUnitsReload, HarmlessPlatformChangeRecompilesEveryPartner) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  const units::Version& v1 = *first.version;
  dir.write("templates/base.tenet", std::string(kTemplate) + "// a comment\n");
  const units::Report second = reload(v1, dir);
  ASSERT_TRUE(second.version) << second.message;
  EXPECT_FALSE(second.refused);
  EXPECT_TRUE(second.platform_changed);
  const units::Version& v2 = *second.version;
  EXPECT_EQ(v2.platform().revision, v1.platform().revision + 1);
  for (const std::string_view name : {"a", "b", "c"}) {
    EXPECT_NE(compiled_tenant(v2, name), compiled_tenant(v1, name)) << name;  // recompiled
    EXPECT_EQ(v2.find(name)->revision, 1U) << name;                           // same text
    EXPECT_EQ(compiled_tenant(v2, name)->revision, 1U) << name;
    const units::UnitReport* unit = report_of(second, name);
    EXPECT_TRUE(unit == nullptr || unit->outcome == Outcome::Unchanged) << name;
  }
  EXPECT_EQ(answer(v2, check_line("a"))["decision"], "allow");
}

// A platform change on a version where b is already broken: b stays
// unavailable and does not block the change.
TEST(PolicyUnitsReload, PlatformChangeWithAnAlreadyBrokenUnitApplies) {
  const PolicyDir dir;
  dir.write("tenants/b.tenet", kUnitBBroken);
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.write("templates/base.tenet", std::string(kTemplate) + "// a comment\n");
  const units::Report second = reload(*first.version, dir);
  ASSERT_TRUE(second.version) << second.message;
  EXPECT_TRUE(compiled_tenant(*second.version, "b")->unavailable);
  EXPECT_FALSE(compiled_tenant(*second.version, "a")->unavailable);
}

// ---- 4. removal

TEST(PolicyUnitsReload, RemovingAUnitFileNeedsAllowRemoval) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.remove("tenants/c.tenet");

  const units::Report refused = reload(*first.version, dir, false);
  EXPECT_FALSE(refused.version);
  const units::UnitReport* kept = report_of(refused, "c");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->outcome, Outcome::Refused);
  EXPECT_NE(kept->message.find("allow_removal"), std::string::npos) << kept->message;

  const units::Report removed = reload(*first.version, dir, true);
  ASSERT_TRUE(removed.version);
  const units::UnitReport* gone = report_of(removed, "c");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->outcome, Outcome::Removed);
  EXPECT_EQ(removed.version->find("c"), nullptr);
  EXPECT_EQ(removed.version->compiled()->find_tenant("c"), model::kNone);
  EXPECT_EQ(removed.version->units().size(), 2U);
  EXPECT_EQ(answer(*removed.version, check_line("c"))["reasons"],
            json::parse(R"(["unknown_tenant"])"));
  EXPECT_EQ(compiled_tenant(*removed.version, "a"), compiled_tenant(*first.version, "a"));
  EXPECT_EQ(answer(*removed.version, check_line("a"))["decision"], "allow");
}

// ---- 5. put

units::PutReport put(const units::Version& current, std::string tenant, std::string_view source,
                     bool dry_run = false) {
  units::PutRequest request;
  request.tenant = std::move(tenant);
  request.source = std::string(source);
  request.dry_run = dry_run;
  return units::put(current, request, {});
}

void expect_refused(const units::PutReport& report, std::string_view code,
                    std::string_view message_part) {
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.version);
  EXPECT_EQ(report.error_code, code);
  EXPECT_NE(report.message.find(message_part), std::string::npos) << report.message;
}

TEST(PolicyUnitsPut, OutOfScopeUnitsAreRefused) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const units::Version& v = *loaded.version;

  expect_refused(put(v, "a", "tenant b extends base { }\n"), "invalid_policy",
                 "may declare only tenant 'a'");
  expect_refused(put(v, "a", std::string(kUnitA) + "tenant b extends base { }\n"), "invalid_policy",
                 "may declare only tenant 'a'");
  expect_refused(put(v, "a", std::string(kUnitA) + "schema { principal { x: int; } }\n"),
                 "invalid_policy", "schema block");
  expect_refused(put(v, "a", std::string(kUnitA) + "template t { role guest; }\n"),
                 "invalid_policy", "template");
  expect_refused(put(v, "a", "// nothing here\n"), "invalid_policy", "does not declare tenant 'a'");
  expect_refused(put(v, "", kUnitA), "invalid_policy", "may declare only tenant ''");
  expect_refused(put(v, "a", R"(tenant a extends base {
  @id("x") permit write on document when principal.level == "high";
}
)"),
                 "invalid_policy", "does not compile");

  units::PutRequest big;
  big.tenant = "a";
  big.source = std::string(kUnitA) + std::string(200, ' ');
  big.max_bytes = 100;
  const units::PutReport too_large = units::put(v, big, {});
  expect_refused(too_large, "too_large", "more than the limit of 100");

  // None of it touched the version.
  EXPECT_EQ(v.find("a")->revision, 1U);
  EXPECT_EQ(v.find("a")->hash, units::content_hash(kUnitA));
}

TEST(PolicyUnitsPut, TypeErrorIsRefusedWithDiagnostics) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const units::PutReport report = put(*loaded.version, "b", kUnitBBroken);
  expect_refused(report, "invalid_policy", "does not compile");
  ASSERT_TRUE(has_errors(report.diagnostics));
  const std::string text = rendered(report.diagnostics, *report.sources);
  EXPECT_NE(text.find("tenants/b.tenet:2:"), std::string::npos) << text;
}

TEST(PolicyUnitsPut, ValidUnitReplacesOnlyThatPartner) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const units::Version& v1 = *loaded.version;
  // "locked" changes, "a-writes" is new; nothing removed.
  constexpr std::string_view kNewA = R"(tenant a extends base {
  @id("locked") forbid read, write on document when resource.locked;
  @id("a-writes") permit write on document for basic;
}
)";
  const units::PutReport report = put(v1, "a", kNewA);
  ASSERT_TRUE(report.ok) << report.message
                         << (report.sources ? rendered(report.diagnostics, *report.sources) : "");
  ASSERT_TRUE(report.version);
  EXPECT_EQ(report.path, "tenants/a.tenet");
  EXPECT_EQ(report.revision, 2U);
  EXPECT_EQ(report.added, std::vector<std::string>{"a:a-writes"});
  EXPECT_EQ(report.changed, std::vector<std::string>{"a:locked"});
  EXPECT_TRUE(report.removed.empty());

  const units::Version& v2 = *report.version;
  EXPECT_EQ(v2.find("a")->revision, 2U);
  EXPECT_EQ(v2.find("a")->hash, units::content_hash(kNewA));
  EXPECT_EQ(v2.find("a")->text(), kNewA);
  EXPECT_EQ(compiled_tenant(v2, "a")->revision, 2U);
  EXPECT_EQ(answer(v2, check_line("a", "write"))["decision"], "allow");
  EXPECT_EQ(answer(v1, check_line("a", "write"))["decision"], "deny");
  EXPECT_EQ(compiled_tenant(v2, "b"), compiled_tenant(v1, "b"));
  EXPECT_EQ(compiled_tenant(v2, "c"), compiled_tenant(v1, "c"));
  EXPECT_EQ(v1.find("a")->revision, 1U);  // the old version is untouched

  // Taking a rule out reports it removed.
  const units::PutReport back = put(v2, "a", "tenant a extends base { }\n");
  ASSERT_TRUE(back.ok) << back.message;
  EXPECT_EQ(back.revision, 3U);
  std::vector<std::string> removed = back.removed;
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{"a:a-writes", "a:locked"}));
  EXPECT_TRUE(back.added.empty());
}

// A partner's own actions (an `actions` line in its body) are its unit's
// alone: served for it once put, undeclared for every other partner, whose
// unit cannot name them (docs/LANGUAGE.md §3, "Actions").
TEST(PolicyUnitsPut, APartnersOwnActionsAreItsUnitsAlone) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const units::Version& v1 = *loaded.version;
  const json before = answer(v1, check_line("a", "export"));
  EXPECT_EQ(before["decision"], "deny");
  EXPECT_EQ(before["error"]["code"], "invalid_request") << before;

  const units::PutReport report = put(v1, "a", R"(tenant a extends base {
  actions export on document;
  @id("a-exports") permit export on document for basic;
}
)");
  ASSERT_TRUE(report.ok) << report.message
                         << (report.sources ? rendered(report.diagnostics, *report.sources) : "");
  const units::Version& v2 = *report.version;
  EXPECT_EQ(answer(v2, check_line("a", "export"))["reasons"], json::parse(R"(["a:a-exports"])"));
  const json elsewhere = answer(v2, check_line("b", "export"));
  EXPECT_EQ(elsewhere["decision"], "deny");
  EXPECT_EQ(elsewhere["error"]["code"], "invalid_request") << elsewhere;
  EXPECT_EQ(elsewhere["error"]["message"],
            "action 'export' is not declared for resource type 'document' in tenant 'b'");

  const units::PutReport naming = put(v2, "b", R"(tenant b extends base {
  @id("b-exports") permit export on document;
}
)");
  expect_refused(naming, "invalid_policy", "does not compile");
  ASSERT_TRUE(naming.sources);
  const std::string text = rendered(naming.diagnostics, *naming.sources);
  EXPECT_NE(text.find("tenants/b.tenet:2:27: error: action 'export' is not declared for resource "
                      "type 'document' in tenant 'b'"),
            std::string::npos)
      << text;
}

TEST(PolicyUnitsPut, DryRunMakesNoVersion) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const units::PutReport report =
      put(*loaded.version, "a", "tenant a extends base { permit write on document; }\n", true);
  EXPECT_TRUE(report.ok) << report.message;
  EXPECT_FALSE(report.version);
  EXPECT_EQ(report.revision, 2U);
  EXPECT_EQ(report.added.size(), 1U);
  EXPECT_EQ(report.removed, std::vector<std::string>{"a:locked"});
  EXPECT_EQ(loaded.version->find("a")->revision, 1U);
}

TEST(PolicyUnitsPut, NewTenantGetsItsOwnFile) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const units::PutReport report =
      put(*loaded.version, "new-co", "tenant \"new-co\" extends base { }\n");
  ASSERT_TRUE(report.ok) << report.message
                         << (report.sources ? rendered(report.diagnostics, *report.sources) : "");
  EXPECT_EQ(report.path, units::new_unit_path("new-co"));
  EXPECT_EQ(report.path, "tenants/new-co.tenet");
  EXPECT_EQ(report.revision, 1U);
  ASSERT_TRUE(report.version);
  EXPECT_EQ(report.version->units().size(), 4U);
  EXPECT_EQ(report.version->find("new-co")->path, "tenants/new-co.tenet");
  EXPECT_EQ(answer(*report.version, check_line("new-co"))["decision"], "allow");
  EXPECT_EQ(compiled_tenant(*report.version, "a"), compiled_tenant(*loaded.version, "a"));
  EXPECT_EQ(answer(*report.version, check_line("a"))["decision"], "allow");
}

TEST(PolicyUnitsPut, TenantSharingItsFileIsRefused) {
  const PolicyDir dir;
  dir.write("tenants/pair.tenet", "tenant d extends base { }\ntenant e extends base { }\n");
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version) << loaded.message;
  ASSERT_NE(loaded.version->find("d"), nullptr);
  EXPECT_TRUE(loaded.version->find("d")->shares_file);
  expect_refused(put(*loaded.version, "d", "tenant d extends base { }\n"), "invalid_policy",
                 "beside other declarations");
}

TEST(PolicyUnitsPut, NewUnitPathIsSafe) {
  EXPECT_EQ(units::new_unit_path("acme"), "tenants/acme.tenet");
  EXPECT_EQ(units::new_unit_path("a/../b c"), "tenants/a_.._b_c.tenet");
  EXPECT_EQ(units::new_unit_path(".hidden"), "tenants/_.hidden.tenet");
  EXPECT_EQ(units::new_unit_path("x_test"), "tenants/x_test_.tenet");
}

// ---- 6. the revision on decision lines

TEST(PolicyUnitsRevision, DecisionLinesCarryTheServingRevision) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const json first = answer(*loaded.version, check_line("a"));
  EXPECT_EQ(first["revision"], 1) << first;
  const units::PutReport report = put(*loaded.version, "a", "tenant a extends base { }\n");
  ASSERT_TRUE(report.ok);
  const json second = answer(*report.version, check_line("a"));
  EXPECT_EQ(second["revision"], 2) << second;
  EXPECT_EQ(answer(*report.version, check_line("b"))["revision"], 1);
  // No tenant answered: no revision.
  EXPECT_FALSE(answer(*report.version, check_line("zzz")).contains("revision"));
}

// ---- 7. feature switches

TEST(PolicyUnitsFeatures, SwitchesCarryOverAPutAndSharedTenantsKeepTheirBoard) {
  const PolicyDir dir;
  const units::Report loaded = load(dir);
  ASSERT_TRUE(loaded.version);
  const compile::CompiledPolicySet& old_set = *loaded.version->compiled();
  const model::Index a = old_set.find_tenant("a");
  const model::Index c = old_set.find_tenant("c");
  old_set.set_feature_switch(a, old_set.find_feature(a, "beta"), FeatureSwitch::On);
  old_set.set_feature_switch(c, old_set.find_feature(c, "beta"), FeatureSwitch::On);

  const units::PutReport report = put(*loaded.version, "a", "tenant a extends base { }\n");
  ASSERT_TRUE(report.ok);
  const compile::CompiledPolicySet& new_set = *report.version->compiled();
  const model::Index new_a = new_set.find_tenant("a");
  const model::Index new_c = new_set.find_tenant("c");
  // The recompiled a starts from its defaults; c is the same tenant, same board.
  EXPECT_EQ(new_set.feature_switch(new_a, new_set.find_feature(new_a, "beta")),
            FeatureSwitch::Default);
  EXPECT_EQ(new_set.feature_switch(new_c, new_set.find_feature(new_c, "beta")), FeatureSwitch::On);

  carry_feature_switches(old_set, new_set);
  EXPECT_EQ(new_set.feature_switch(new_a, new_set.find_feature(new_a, "beta")), FeatureSwitch::On);
  EXPECT_EQ(new_set.feature_switch(new_c, new_set.find_feature(new_c, "beta")), FeatureSwitch::On);
  const json features = answer(
      *report.version, R"({"op":"features","tenant":"a","principal":{"id":"u","role":"basic"}})");
  EXPECT_EQ(features["features"], json::parse(R"(["beta"])")) << features;

  // c's board is shared: switching it off in the new set shows in the old.
  new_set.set_feature_switch(new_c, new_set.find_feature(new_c, "beta"), FeatureSwitch::Off);
  EXPECT_EQ(old_set.feature_switch(c, old_set.find_feature(c, "beta")), FeatureSwitch::Off);
  // a's is not: the new board is its own.
  new_set.set_feature_switch(new_a, new_set.find_feature(new_a, "beta"), FeatureSwitch::Off);
  EXPECT_EQ(old_set.feature_switch(a, old_set.find_feature(a, "beta")), FeatureSwitch::On);
}

// ---- syntax errors in a unit file, renames

// Unclosed: the parser drops the whole declaration of b.
constexpr std::string_view kUnitBUnclosed = R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > 3;
)";

TEST(PolicyUnitsReload, SyntaxErrorInsideUnitIsRefusedAlone) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.write("tenants/b.tenet", R"(tenant b extends base {
  @id("senior-writes") permit write on document when principal.level > ;
}
)");
  dir.write("tenants/a.tenet", "tenant a extends base { permit write on document; }\n");
  const units::Report second = reload(*first.version, dir);
  ASSERT_TRUE(second.version);
  EXPECT_EQ(report_of(second, "a")->outcome, Outcome::Applied);
  const units::UnitReport* b = report_of(second, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->outcome, Outcome::Refused);
  const std::string text = rendered(b->diagnostics, *b->sources);
  EXPECT_NE(text.find("tenants/b.tenet:2:"), std::string::npos) << text;
  EXPECT_EQ(compiled_tenant(*second.version, "b"), compiled_tenant(*first.version, "b"));
}

// A syntax error that hides b's declaration from the parser is b's error,
// not a removal of b, even when removals are allowed (fixed in
// UnitReload::apply: b used to be removed).
TEST(PolicyUnitsReload, SyntaxErrorThatHidesTheTenantIsRefusedNotRemoved) {
  for (const bool allow_removal : {false, true}) {
    const PolicyDir dir;
    const units::Report first = load(dir);
    ASSERT_TRUE(first.version);
    dir.write("tenants/b.tenet", kUnitBUnclosed);
    const units::Report second = reload(*first.version, dir, allow_removal);
    EXPECT_FALSE(second.version) << allow_removal;
    const units::UnitReport* b = report_of(second, "b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->outcome, Outcome::Refused) << allow_removal;
    EXPECT_EQ(b->revision, 1U);
    ASSERT_TRUE(has_errors(b->diagnostics)) << b->message;
    const std::string text = rendered(b->diagnostics, *b->sources);
    EXPECT_NE(text.find("tenants/b.tenet:"), std::string::npos) << text;
    EXPECT_NE(text.find("'}'"), std::string::npos) << text;
  }
}

// At load there is no earlier b to attribute such an error to: the file
// declares nothing, so it counts as the platform part's and nothing loads.
TEST(PolicyUnitsLoad, SyntaxErrorThatHidesTheTenantFailsTheLoad) {
  const PolicyDir dir;
  dir.write("tenants/b.tenet", kUnitBUnclosed);
  const units::Report report = load(dir);
  EXPECT_FALSE(report.version);
  EXPECT_NE(platform_text(report).find("tenants/b.tenet:"), std::string::npos)
      << platform_text(report);
}

// b.tenet now declares bb: without allow_removal the reload is refused
// whole (b would be dropped) and nothing changes; with it, bb is added and
// b removed, and reloading the same directory again changes nothing.
TEST(PolicyUnitsReload, RenamedTenantNeedsAllowRemoval) {
  const PolicyDir dir;
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  dir.write("tenants/b.tenet", "tenant bb extends base { }\n");
  const units::Report refused = reload(*first.version, dir);
  EXPECT_TRUE(refused.refused);
  EXPECT_FALSE(refused.version);
  EXPECT_EQ(refused.removed_tenants, std::vector<std::string>{"b"});

  const units::Report removed = reload(*first.version, dir, true);
  ASSERT_TRUE(removed.version);
  EXPECT_EQ(report_of(removed, "b")->outcome, Outcome::Removed);
  EXPECT_EQ(report_of(removed, "bb")->outcome, Outcome::Added);
  EXPECT_EQ(removed.version->find("b"), nullptr);
  EXPECT_EQ(removed.version->find("bb")->revision, 1U);

  const units::Report again = reload(*removed.version, dir);
  EXPECT_FALSE(again.version);
  EXPECT_EQ(report_of(again, "bb"), nullptr);
}

// b declared in two files is unavailable; removing either file serves b
// from the other (removing the second one used to leave b unavailable
// until b.tenet itself changed).
TEST(PolicyUnitsReload, RemovingADuplicateDeclarationServesTheTenant) {
  for (const std::string victim : {"tenants/b2.tenet", "tenants/b.tenet"}) {
    const PolicyDir dir;
    dir.write("tenants/b2.tenet", kUnitB);
    const units::Report first = load(dir);
    ASSERT_TRUE(first.version);
    ASSERT_TRUE(compiled_tenant(*first.version, "b")->unavailable);
    dir.remove(victim);
    const units::Report second = reload(*first.version, dir);
    ASSERT_TRUE(second.version) << victim;
    const units::UnitReport* b = report_of(second, "b");
    ASSERT_NE(b, nullptr) << victim;
    EXPECT_EQ(b->outcome, Outcome::Applied) << victim;
    EXPECT_FALSE(compiled_tenant(*second.version, "b")->unavailable) << victim;
    EXPECT_NE(second.version->find("b")->path, victim);
    EXPECT_EQ(answer(*second.version, check_line("b", "write", 5))["decision"], "allow") << victim;
    EXPECT_EQ(compiled_tenant(*second.version, "a"), compiled_tenant(*first.version, "a"));
  }
}

// A unit broken at load stays refused at each reload while its file is
// broken, and no version is made for it.
TEST(PolicyUnitsReload, UnitBrokenAtLoadStaysRefused) {
  const PolicyDir dir;
  dir.write("tenants/b.tenet", kUnitBBroken);
  const units::Report first = load(dir);
  ASSERT_TRUE(first.version);
  const units::Report second = reload(*first.version, dir);
  EXPECT_FALSE(second.version);
  const units::UnitReport* b = report_of(second, "b");
  EXPECT_TRUE(b == nullptr || b->outcome == Outcome::Refused);
}

// ---- texts in memory (a replica of the fleet's store, docs/FLEET.md)

std::vector<units::PolicyText> store_texts(std::string_view unit_b) {
  return {{"tenants/b.tenet", std::string(unit_b)},
          {"schema.tenet", std::string(kSchema)},
          {"templates/base.tenet", std::string(kTemplate)},
          {"tenants/a.tenet", std::string(kUnitA)}};
}

TEST(PolicyUnitsTexts, LoadAndReloadFromTextsTakeTheStoresRevisions) {
  units::UnitOptions options;
  options.assigned["a"] = {7, units::content_hash(kUnitA)};
  options.assigned["b"] = {3, units::content_hash(kUnitB)};
  options.platform_revision = 5;
  const units::Report loaded = units::load_texts(store_texts(kUnitB), options);
  ASSERT_TRUE(loaded.version) << loaded.message;
  EXPECT_EQ(loaded.version->platform().revision, 5U);
  EXPECT_EQ(loaded.version->find("a")->revision, 7U);
  EXPECT_EQ(loaded.version->find("b")->revision, 3U);
  EXPECT_EQ(loaded.version->find("b")->path, "tenants/b.tenet");

  // b jumps from 3 to the store's 9 (the replica missed 4 to 8); a stays
  // the same compiled tenant.
  units::UnitOptions next = options;
  next.assigned["b"] = {9, units::content_hash(kUnitC)};
  const std::string b_now = std::string(kUnitC).replace(0, 8, "tenant b");
  next.assigned["b"].hash = units::content_hash(b_now);
  const units::Report reloaded =
      units::reload_texts(*loaded.version, store_texts(b_now), next, true);
  ASSERT_TRUE(reloaded.version) << reloaded.message;
  EXPECT_FALSE(reloaded.platform_changed);
  EXPECT_EQ(reloaded.version->find("b")->revision, 9U);
  EXPECT_EQ(reloaded.version->compiled()->tenants()[0],
            loaded.version->compiled()->tenants()[0]);  // a, untouched
}

TEST(PolicyUnitsTexts, ABrokenUnitInTextsIsRefusedAloneAndNoTextsIsRefused) {
  const units::Report loaded = units::load_texts(store_texts(kUnitB), {});
  ASSERT_TRUE(loaded.version);
  const units::Report reloaded =
      units::reload_texts(*loaded.version, store_texts(kUnitBBroken), {}, true);
  EXPECT_FALSE(reloaded.version);
  ASSERT_EQ(reloaded.units.size(), 1U);
  EXPECT_EQ(reloaded.units[0].tenant, "b");
  EXPECT_EQ(reloaded.units[0].outcome, Outcome::Refused);

  const units::Report none = units::reload_texts(*loaded.version, {}, {}, true);
  EXPECT_TRUE(none.refused);
  EXPECT_FALSE(none.version);
  EXPECT_EQ(units::load_texts({}, {}).message, "no policy files");
}

TEST(PolicyUnitsTexts, PlatformHashFollowsThePlatformFilesOnly) {
  const units::Report one = units::load_texts(store_texts(kUnitB), {});
  const units::Report other = units::load_texts(store_texts(kUnitBBroken), {});
  ASSERT_TRUE(one.version);
  ASSERT_TRUE(other.version);
  EXPECT_EQ(units::platform_hash(one.version->platform()),
            units::platform_hash(other.version->platform()));
  std::vector<units::PolicyText> texts = store_texts(kUnitB);
  texts[2].text += "\n// a comment changes the template file\n";
  const units::Report changed = units::load_texts(texts, {});
  ASSERT_TRUE(changed.version);
  EXPECT_NE(units::platform_hash(one.version->platform()),
            units::platform_hash(changed.version->platform()));
}

}  // namespace
}  // namespace tenet
