// `tenet explain` and `tenet replay` through the real binary: hand-written
// decision-log records (docs/DECISION_LOG.md) replayed against a policy
// directory and a hand-made .tenet-history: the same decision, a wrong
// logged decision (DIFFERENT, exit 1), an old revision taken from the
// history, withheld @sensitive attributes and a revision that is not kept
// (not reproducible), unreadable lines, time and tenant filters, --json.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/decision_replay.hpp"
#include "engine/units/policy_units.hpp"
#include "tests/support/command_output.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using CliRun = tenet::test_support::CommandRun;

// `redirect`: what to do with stderr ("2>&1" to read it with stdout).
CliRun run(const std::string& arguments, const std::string& redirect = "2>/dev/null") {
  const std::string command = std::string(TENET_BINARY) + " " + arguments + " " + redirect;
  return tenet::test_support::run_command(command);
}

std::vector<std::string> lines(const std::string& text) {
  return tenet::test_support::lines_of(text);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const fs::path kExample = fs::path(TENET_SOURCE_DIR) / "tests/testdata/protocol_example";

// Revision 2 of acme, kept in the history: it let everyone write documents.
std::string old_acme_source() {
  std::string source = read_file(kExample / "acme.tenet");
  const std::size_t end = source.rfind('}');
  source.insert(end, "  @id(\"everyone-writes\") permit write on document;\n");
  return source;
}

const std::string kReader =
    R"("principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified"}},"action":"read")";
const std::string kWriter = R"("principal":{"id":"u1","role":"basic"},"action":"write")";
const std::string kOwnDocument =
    R"("resource":{"type":"document","id":"d1","tenant":"acme","attrs":{"owner":"u1","locked":false}})";
const std::string kOthersDocument =
    R"("resource":{"type":"document","id":"d2","tenant":"acme","attrs":{"owner":"u2","locked":false}})";

std::string record(const std::string& id, const std::string& time, int revision,
                   const std::string& body) {
  return R"({"decision_id":")" + id + R"(","time":")" + time +
         R"(","replica":7,"tenant":"acme","revision":)" + std::to_string(revision) +
         R"(,"platform_revision":1,)" + body + R"(,"latency_ns":900})";
}

class ReplayCli : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(policies());
    for (const char* name : {"acme.tenet", "retail.tenet", "schema.tenet"})
      fs::copy_file(kExample / name, policies() / name);
    // A history as `tenet serve` writes it: acme's revision 2 (another
    // text), so the file on disk now loads as revision 3.
    const fs::path history = policies() / ".tenet-history" / "acme";
    fs::create_directories(history);
    const std::string old_source = old_acme_source();
    std::ofstream(history / "2.json") << json{{"revision", 2},
                                              {"time", "2026-12-01T10:00:00Z"},
                                              {"actor", "test"},
                                              {"hash", tenet::units::content_hash(old_source)},
                                              {"source", old_source}}
                                             .dump()
                                      << '\n';

    const std::vector<std::string> records = {
        // A: allow, as the current revision decides it.
        record("A", "2026-12-07T08:00:00.000Z", 3,
               R"("op":"check",)" + kReader + "," + kOwnDocument +
                   R"(,"decision":"allow","reasons":["acme:owner-reads"])"),
        // B: a deny, as the current revision decides it.
        record("B", "2026-12-07T08:00:01.500Z", 3,
               R"("op":"check",)" + kWriter + "," + kOwnDocument +
                   R"(,"decision":"deny","reasons":["no_permit"])"),
        // C: a wrong logged decision: the replay denies.
        record("C", "2026-12-07T08:00:02.000Z", 3,
               R"("op":"check",)" + kReader + "," + kOthersDocument +
                   R"(,"decision":"allow","reasons":["acme:owner-reads"])"),
        // D: revision 2 allowed writing; only its source in the history says so.
        record("D", "2026-12-07T08:00:03.000Z", 2,
               R"("op":"check",)" + kWriter + "," + kOwnDocument +
                   R"(,"decision":"allow","reasons":["acme:everyone-writes"])"),
        "this line is not a record",
        // E: kyc withheld: the replay reads it as absent and denies.
        record(
            "E", "2026-12-07T08:00:04.000Z", 3,
            R"("op":"transition","principal":{"id":"u2","role":"guest","attrs":{}},"to":"basic",)"
            R"("decision":"allow","reasons":["acme:retail.tenet:12"],"withheld":["principal.attrs.kyc"])"),
        // F: revision 1 is not kept.
        record("F", "2026-12-07T08:00:05.000Z", 1,
               R"("op":"check",)" + kReader + "," + kOwnDocument +
                   R"(,"decision":"allow","reasons":["acme:owner-reads"])"),
        // G: a listing.
        record(
            "G", "2026-12-07T08:00:06.000Z", 3,
            R"("op":"plans","principal":{"id":"u","role":"basic"},"decision":"allow","plans":["starter"])"),
    };
    std::ofstream out(log());
    for (const std::string& line : records) out << line << '\n';
    out << R"({"decision_id":"H","time":"2026-12-07T08:00)";  // cut by kill -9
  }

  [[nodiscard]] fs::path policies() const { return dir_.path() / "policies"; }
  [[nodiscard]] fs::path log() const { return dir_.path() / "decisions.log"; }
  [[nodiscard]] std::string source() const { return " --policies '" + policies().string() + "'"; }
  [[nodiscard]] CliRun explain(const std::string& id, const std::string& extra = "") const {
    return run("explain --log '" + log().string() + "' --id " + id + source() + extra);
  }

  tenet::test_support::TempDir dir_{"tenet-replay"};
};

TEST_F(ReplayCli, ExplainSameDecisionShowsTheTrace) {
  const CliRun result = explain("A");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("decision A"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("logged    allow (reasons acme:owner-reads)"), std::string::npos);
  EXPECT_NE(result.output.find("permit      matched      acme:owner-reads  retail.tenet:8:22"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("same decision as logged"), std::string::npos);
  EXPECT_EQ(result.output.find("DIFFERENT"), std::string::npos);
}

TEST_F(ReplayCli, ExplainDeniedDecisionIsTheSame) {
  const CliRun result = explain("B");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("  decision  deny"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("forbid      not_matched  acme:locked"), std::string::npos)
      << result.output;
}

TEST_F(ReplayCli, ExplainWrongLoggedDecisionSaysDifferentAndExitsOne) {
  const CliRun result = explain("C");
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_NE(result.output.find("DIFFERENT from the log: logged allow, replay deny (reasons "
                               "no_permit)"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("same decision as logged"), std::string::npos);
}

TEST_F(ReplayCli, ExplainOldRevisionComesFromTheHistory) {
  const CliRun result = explain("D");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("replayed against " + (policies() / ".tenet-history").string()),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("permit      matched      acme:everyone-writes"), std::string::npos)
      << result.output;
  // The same request at the current revision is denied: the history was used.
  const CliRun json_run = explain("D", " --json");
  const std::vector<std::string> out = lines(json_run.output);
  ASSERT_EQ(out.size(), 2U) << json_run.output;
  const json response = json::parse(out[0]);
  EXPECT_EQ(response["reasons"], json::array({"acme:everyone-writes"}));
  EXPECT_TRUE(response.contains("trace"));
  const json summary = json::parse(out[1]);
  EXPECT_EQ(summary["logged"], "allow");
  EXPECT_EQ(summary["replayed"], "allow");
  EXPECT_EQ(summary["same"], true);
}

TEST_F(ReplayCli, ExplainNeverWritesIntoThePolicyDirectory) {
  const auto listing = [this] {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(policies()))
      names.push_back(entry.path().string() + ":" +
                      std::to_string(fs::is_regular_file(entry) ? fs::file_size(entry) : 0));
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> before = listing();
  ASSERT_EQ(explain("D").status, 0);
  EXPECT_EQ(listing(), before);
}

TEST_F(ReplayCli, ExplainWithheldAttributesIsNotReproducible) {
  const CliRun result = explain("E");
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("not reproducible: the request carried @sensitive attributes the "
                               "log does not keep (principal.attrs.kyc)"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("DIFFERENT"), std::string::npos);
}

TEST_F(ReplayCli, ExplainRevisionNotKeptIsNotReproducible) {
  const CliRun result = explain("F");
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("not reproducible: revision 1 of tenant 'acme' is not in " +
                               (policies() / ".tenet-history").string()),
            std::string::npos)
      << result.output;
}

TEST_F(ReplayCli, ExplainListingComparesThePlans) {
  EXPECT_EQ(explain("G").status, 0);
  // The same record claiming another plan list differs.
  std::ofstream(log(), std::ios::app)
      << '\n'
      << record(
             "G2", "2026-12-07T08:00:07.000Z", 3,
             R"("op":"plans","principal":{"id":"u","role":"basic"},"decision":"allow","plans":["pro"])")
      << '\n';
  const CliRun result = explain("G2");
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_NE(result.output.find(R"(plans: logged ["pro"], replay ["starter"])"), std::string::npos)
      << result.output;
}

TEST_F(ReplayCli, ExplainUnknownIdAndMissingPolicies) {
  const CliRun unknown = run("explain --log '" + log().string() + "' --id NOPE" + source(), "2>&1");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("no record with decision_id NOPE"), std::string::npos)
      << unknown.output;
  const CliRun no_source = run("explain --log '" + log().string() + "' --id A", "2>&1");
  EXPECT_EQ(no_source.status, 2);
  EXPECT_NE(no_source.output.find("--policies DIR"), std::string::npos) << no_source.output;
}

TEST_F(ReplayCli, ExplainWarnsWhenThePlatformPartChanged) {
  std::ofstream(log(), std::ios::app)
      << '\n'
      << record("P", "2026-12-07T08:00:08.000Z", 3,
                R"("platform_hash":"0000","op":"check",)" + kReader + "," + kOwnDocument +
                    R"(,"decision":"allow","reasons":["acme:owner-reads"])")
      << '\n';
  const CliRun result = explain("P");
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("WARNING: the platform part changed since this decision"),
            std::string::npos)
      << result.output;
  // A record whose hash is the platform part's own: no warning.
  EXPECT_EQ(explain("A").output.find("WARNING"), std::string::npos);
}

TEST_F(ReplayCli, ReplayCountsEveryRecordAndExitsOneOnADifference) {
  const CliRun result = run("replay --log '" + log().string() + "'" + source(), "2>&1");
  EXPECT_EQ(result.status, 1) << result.output;
  EXPECT_NE(result.output.find("C 2026-12-07T08:00:02.000Z acme revision 3: DIFFERENT from the "
                               "log: logged allow, replay deny"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("E 2026-12-07T08:00:04.000Z acme revision 3: not reproducible"),
            std::string::npos);
  // The bad line is warned about; the cut last line is not.
  EXPECT_NE(result.output.find(":5: skipped: not JSON"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find(":9: skipped"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(
                "7 records: 4 same, 1 different, 2 not reproducible, 2 skipped (unreadable)"),
            std::string::npos)
      << result.output;
}

TEST_F(ReplayCli, ReplayJsonLinesAndSummary) {
  const CliRun result = run("replay --json --log '" + log().string() + "'" + source());
  EXPECT_EQ(result.status, 1);
  const std::vector<std::string> out = lines(result.output);
  ASSERT_EQ(out.size(), 8U) << result.output;  // 7 records, then the summary
  EXPECT_EQ(
      json::parse(out.back()),
      (json{
          {"records", 7}, {"same", 4}, {"different", 1}, {"not_reproducible", 2}, {"skipped", 2}}));
  const json c = json::parse(out[2]);
  EXPECT_EQ(c["decision_id"], "C");
  EXPECT_EQ(c["verdict"], "different");
  EXPECT_EQ(c["logged"], "allow");
  EXPECT_EQ(c["replayed"], "deny");
  EXPECT_EQ(json::parse(out[3])["verdict"], "same");  // D, from the history
  // --quiet keeps only the records that are not the same.
  const CliRun quiet = run("replay --json --quiet --log '" + log().string() + "'" + source());
  EXPECT_EQ(lines(quiet.output).size(), 4U) << quiet.output;
}

TEST_F(ReplayCli, ReplayTimeRangeTenantAndSeveralFiles) {
  // Inclusive bounds, with an offset: 09:00:01.500+01:00 is B's time.
  const CliRun range = run("replay --log '" + log().string() + "'" + source() +
                           " --from 2026-12-07T08:00:00Z --to 2026-12-07T09:00:01.500+01:00");
  EXPECT_EQ(range.status, 0) << range.output;
  EXPECT_NE(range.output.find("2 records: 2 same, 0 different"), std::string::npos) << range.output;
  const CliRun other = run("replay --tenant globex --log '" + log().string() + "'" + source());
  EXPECT_EQ(other.status, 0);
  EXPECT_NE(other.output.find("0 records: 0 same"), std::string::npos) << other.output;
  // A rotated file given as a second --log.
  const fs::path rotated = dir_.path() / "decisions.log.1";
  std::ofstream(rotated) << record("R", "2026-12-06T23:00:00Z", 3,
                                   R"("op":"check",)" + kReader + "," + kOthersDocument +
                                       R"(,"decision":"deny","reasons":["no_permit"])")
                         << '\n';
  const CliRun both = run("replay --log '" + rotated.string() + "' --log '" + log().string() + "'" +
                          source() + " --to 2026-12-07T08:00:00Z");
  EXPECT_EQ(both.status, 0) << both.output;
  EXPECT_NE(both.output.find("2 records: 2 same"), std::string::npos) << both.output;
  const CliRun bad =
      run("replay --log '" + log().string() + "'" + source() + " --from yesterday", "2>&1");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.output.find("--from yesterday is not an RFC 3339 time"), std::string::npos);
}

TEST(Rfc3339, ReadsUtcOffsetsAndFractions) {
  using tenet::cli::rfc3339_ms;
  EXPECT_EQ(rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(rfc3339_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(rfc3339_ms("2026-12-07T08:12:46.123Z"), 1796631166123);
  EXPECT_EQ(rfc3339_ms("2026-12-07T09:12:46.123+01:00"), 1796631166123);
  EXPECT_FALSE(rfc3339_ms("2026-12-07"));
  EXPECT_FALSE(rfc3339_ms("2026-12-07T08:12:46"));
  EXPECT_FALSE(rfc3339_ms("2026-13-07T08:12:46Z"));
  EXPECT_FALSE(rfc3339_ms("2026-12-07T08:12:46Zjunk"));
}

}  // namespace
