// `tenet diff OLD NEW` through the real binary: on two versions of the
// shipped policies (one rule changed) it reports exactly the requests whose
// decision changes — checked against evaluating every request under both
// sets one by one, in process — over the synthesized requests, a request
// file and a decision log; nothing for a formatting-only change or identical
// sets; partners added and removed; a broken set's diagnostics; bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tenet_cli.hpp"

namespace tenet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::run_process;

constexpr std::chrono::seconds kTimeout{120};

test_support::ProcessResult tenet(std::vector<std::string> args) {
  return test_support::run_tenet(std::move(args), kTimeout);
}

std::string read(const fs::path& path) { return test_support::read_text(path); }

void write(const fs::path& path, const std::string& text) { test_support::write_text(path, text); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// A copy of the shipped policies (their test files left out).
fs::path copy_policies(const fs::path& to) {
  fs::create_directories(to);
  const fs::path from = fs::path(TENET_SOURCE_DIR) / "policies";
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    const fs::path target = to / fs::relative(entry.path(), from);
    if (entry.is_directory()) {
      fs::create_directories(target);
    } else if (entry.path().extension() == ".tenet" &&
               entry.path().filename().string().find("_test.tenet") == std::string::npos) {
      fs::copy_file(entry.path(), target);
    }
  }
  return to;
}

void replace_in(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = read(file);
  const std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  write(file, text);
}

// The shipped `public-reads` rule, changed to read internal documents.
void change_public_reads(const fs::path& policies) {
  replace_in(policies / "templates" / "retail.tenet",
             R"(permit read on document when resource.classification == "public")",
             R"(permit read on document when resource.classification == "internal")");
}

std::unique_ptr<Engine> engine_of(const fs::path& policies) {
  Engine::LoadResult loaded = Engine::load(policies);
  EXPECT_TRUE(loaded.engine) << policies;
  return std::move(loaded.engine);
}

// The decision as `tenet diff` defines it: allow/deny, and the list of a
// plans or features request.
std::string decision_of(const json& response) {
  std::string decision = response.value("decision", "");
  for (const char* list : {"plans", "features"}) {
    if (response.contains(list)) decision += response[list].dump();
  }
  return decision;
}

// Each line evaluated under both sets, one by one: the lines whose decision differs.
std::set<std::string> changed_one_by_one(const std::vector<std::string>& lines,
                                         const fs::path& before, const fs::path& after) {
  const auto old_engine = engine_of(before);
  const auto new_engine = engine_of(after);
  std::set<std::string> changed;
  if (!old_engine || !new_engine) return changed;
  for (const std::string& line : lines) {
    const json a = json::parse(old_engine->handle_json(line));
    const json b = json::parse(new_engine->handle_json(line));
    if (decision_of(a) != decision_of(b)) changed.insert(line);
  }
  return changed;
}

std::set<std::string> reported(const json& report, const char* list = "changes") {
  std::set<std::string> requests;
  for (const json& change : report[list]) requests.insert(change["request"].get<std::string>());
  return requests;
}

TEST(DiffCli, ChangedRuleOverSynthesizedRequestsReportsExactlyTheChangedOnes) {
  const test_support::TempDir dir;
  const fs::path before = copy_policies(dir.path() / "old");
  const fs::path after = copy_policies(dir.path() / "new");
  change_public_reads(after);
  const fs::path saved = dir.path() / "requests.ndjson";

  const auto run =
      tenet({"diff", before.string(), after.string(), "--json", "--save-requests", saved.string()});
  ASSERT_EQ(run.status, 1) << run.output;
  const json report = json::parse(run.output);
  const std::vector<std::string> lines = lines_of(read(saved));
  ASSERT_GT(lines.size(), 1000U);
  EXPECT_EQ(report["requests"], lines.size());
  EXPECT_EQ(report["source"], "synthesized");

  const std::set<std::string> expected = changed_one_by_one(lines, before, after);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(reported(report), expected);
  EXPECT_EQ(report["changed"], expected.size());
  // Every partner extends retail: each one loses and gains public-reads.
  for (const char* partner : {"acme", "cedar", "harbor-bank.eu", "lumen", "northwind"}) {
    bool lost = false;
    bool gained = false;
    for (const json& change : report["changes"]) {
      if (change["tenant"] != partner) continue;
      const std::string rule = std::string(partner) + ":public-reads";
      if (std::find(change["lost"].begin(), change["lost"].end(), rule) != change["lost"].end())
        lost = true;
      if (std::find(change["gained"].begin(), change["gained"].end(), rule) !=
          change["gained"].end())
        gained = true;
    }
    EXPECT_TRUE(lost && gained) << partner;
  }

  // The text report: groups per partner and change, samples, the summary.
  const auto text = tenet({"diff", before.string(), after.string(), "--samples", "1"});
  EXPECT_EQ(text.status, 1) << text.output;
  EXPECT_NE(text.output.find("partner acme: "), std::string::npos) << text.output;
  EXPECT_NE(
      text.output.find("  check: allow -> deny (lost: acme:public-reads; gained: no_permit): "),
      std::string::npos)
      << text.output;
  EXPECT_NE(
      text.output.find("  check: deny -> allow (lost: no_permit; gained: acme:public-reads): "),
      std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find(std::to_string(expected.size()) + " of "), std::string::npos);
  EXPECT_NE(text.output.find(" synthesized requests decide differently (5 partners)"),
            std::string::npos)
      << text.output;
}

TEST(DiffCli, ChangedConstantOverARequestFileAndADecisionLog) {
  const test_support::TempDir dir;
  const fs::path before = copy_policies(dir.path() / "old");
  const fs::path after = copy_policies(dir.path() / "new");
  replace_in(after / "templates" / "retail.tenet", "resource.overdue_days > 30",
             "resource.overdue_days > 45");
  const std::string subscription =
      R"("resource":{"type":"subscription","id":"s1","tenant":"acme","state":"signed","attrs":{"owner":"u1","plan":"pro","overdue_days":)";
  const std::string principal =
      R"("principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}})";
  std::vector<std::string> lines;
  for (const int days : {10, 30, 31, 40, 45, 46, 90}) {
    lines.push_back(R"({"op":"lifecycle","tenant":"acme",)" + principal + "," + subscription +
                    std::to_string(days) + R"(}},"to":"suspended"})");
  }
  lines.push_back(R"({"op":"plans","tenant":"acme",)" + principal + "}");
  const fs::path file = dir.path() / "requests.ndjson";
  std::string text;
  for (const std::string& line : lines) text += line + "\n\n";  // blank lines are skipped
  write(file, text);

  const auto run =
      tenet({"diff", before.string(), after.string(), "--requests", file.string(), "--json"});
  ASSERT_EQ(run.status, 1) << run.output;
  const json report = json::parse(run.output);
  EXPECT_EQ(report["requests"], lines.size());
  const std::set<std::string> expected = changed_one_by_one(lines, before, after);
  EXPECT_EQ(expected.size(), 3U);  // 31, 40, 45: suspended before, not after
  EXPECT_EQ(reported(report), expected);

  // The same requests as decision-log records (docs/DECISION_LOG.md).
  std::string log;
  int number = 0;
  for (const std::string& line : lines) {
    json record = json::parse(line);
    record["decision_id"] = "01J0000000000000000000000" + std::to_string(number++ % 10);
    record["time"] = "2026-01-01T00:00:00Z";
    record["decision"] = "allow";
    log += record.dump() + "\n";
  }
  const fs::path log_file = dir.path() / "decisions.log";
  write(log_file, log);
  const auto logged = tenet(
      {"diff", before.string(), after.string(), "--decision-log", log_file.string(), "--json"});
  ASSERT_EQ(logged.status, 1) << logged.output;
  const json log_report = json::parse(logged.output);
  EXPECT_EQ(log_report["requests"], lines.size());
  EXPECT_EQ(log_report["changed"], expected.size());
  EXPECT_EQ(log_report["source"], "logged");
}

TEST(DiffCli, FormattingOnlyChangeReportsNothing) {
  const test_support::TempDir dir;
  const fs::path before = copy_policies(dir.path() / "old");
  const fs::path after = copy_policies(dir.path() / "new");
  // Spaces within lines and trailing comments: no line moves, so default ids stay.
  for (const auto& entry : fs::recursive_directory_iterator(after)) {
    if (!entry.is_regular_file()) continue;
    std::string text = read(entry.path());
    text = std::regex_replace(text, std::regex(" == "), "   ==   ");
    text = std::regex_replace(text, std::regex(" && "), "  &&  ");
    text = std::regex_replace(text, std::regex(";\n"), ";   // reformatted\n");
    text = std::regex_replace(text, std::regex("\n  "), "\n\t    ");
    write(entry.path(), text);
  }
  ASSERT_NE(read(after / "templates" / "retail.tenet"),
            read(before / "templates" / "retail.tenet"));

  const auto run = tenet({"diff", before.string(), after.string()});
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("no decision changes in "), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("partner"), std::string::npos) << run.output;

  const auto strict = tenet({"diff", before.string(), after.string(), "--reasons", "--json"});
  EXPECT_EQ(strict.status, 0) << strict.output;
  const json report = json::parse(strict.output);
  EXPECT_EQ(report["changed"], 0);
  EXPECT_EQ(report["reasons_only"], 0);
  EXPECT_GT(report["requests"].get<std::size_t>(), 1000U);
}

TEST(DiffCli, IdenticalSetsAndMovedLines) {
  const std::string policies = std::string(TENET_SOURCE_DIR) + "/policies";
  const auto same = tenet({"diff", policies, policies});
  EXPECT_EQ(same.status, 0) << same.output;
  EXPECT_NE(same.output.find("no decision changes in "), std::string::npos) << same.output;

  // A line inserted above rules with default ids: the ids move (FILE:LINE),
  // the decisions do not. Informational by default, a change with --reasons.
  const test_support::TempDir dir;
  const fs::path before = copy_policies(dir.path() / "old");
  const fs::path after = copy_policies(dir.path() / "new");
  const std::string rule =
      "tenant acme extends retail_standard {\n"
      "  forbid write on account when resource.owner != principal.id;\n";
  replace_in(before / "tenants" / "acme.tenet", "tenant acme extends retail_standard {\n", rule);
  replace_in(after / "tenants" / "acme.tenet", "tenant acme extends retail_standard {\n",
             "// a new comment line\n" + rule);
  const auto moved = tenet({"diff", before.string(), after.string()});
  EXPECT_EQ(moved.status, 0) << moved.output;
  EXPECT_NE(moved.output.find("decide the same for other reasons (--reasons lists them)"),
            std::string::npos)
      << moved.output;
  const auto strict = tenet({"diff", before.string(), after.string(), "--reasons"});
  EXPECT_EQ(strict.status, 1) << strict.output;
  EXPECT_NE(
      strict.output.find("(lost: acme:tenants/acme.tenet:9; gained: acme:tenants/acme.tenet:10)"),
      std::string::npos)
      << strict.output;
}

TEST(DiffCli, PartnerAddedAndRemoved) {
  const test_support::TempDir dir;
  const fs::path before = copy_policies(dir.path() / "old");
  const fs::path after = copy_policies(dir.path() / "new");
  fs::remove(after / "tenants" / "lumen.tenet");
  write(after / "tenants" / "zephyr.tenet", "tenant zephyr extends retail {\n}\n");

  const auto run = tenet({"diff", before.string(), after.string(), "--samples", "0"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("partner lumen (only in OLD: removed): "), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("partner zephyr (only in NEW: added): "), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("; partners added: zephyr; partners removed: lumen\n"),
            std::string::npos)
      << run.output;

  const auto as_json = tenet({"diff", before.string(), after.string(), "--json"});
  ASSERT_EQ(as_json.status, 1) << as_json.output;
  const json report = json::parse(as_json.output);
  EXPECT_EQ(report["partners_added"], json::array({"zephyr"}));
  EXPECT_EQ(report["partners_removed"], json::array({"lumen"}));
  std::set<std::string> partners;
  for (const json& change : report["changes"]) {
    partners.insert(change["tenant"].get<std::string>());
    if (change["tenant"] == "lumen") {
      EXPECT_EQ(change["new"]["reasons"], json::array({"unknown_tenant"}));
    }
  }
  EXPECT_EQ(partners, (std::set<std::string>{"lumen", "zephyr"}));
}

TEST(DiffCli, BrokenSetMissingDirectoryAndBadRequestLines) {
  const test_support::TempDir dir;
  const fs::path before = copy_policies(dir.path() / "old");
  const fs::path after = copy_policies(dir.path() / "new");
  replace_in(after / "templates" / "retail.tenet", R"(when principal.kyc == "verified";)",
             R"(when principal.kyc == "verifed";)");
  const auto broken = tenet({"diff", before.string(), after.string()});
  EXPECT_EQ(broken.status, 1) << broken.output;
  EXPECT_NE(broken.output.find(R"("verifed" is not one of the values of principal.kyc)"),
            std::string::npos)
      << broken.output;
  EXPECT_NE(
      broken.output.find("tenet diff: " + after.string() + ": error: the policy set has 1 error"),
      std::string::npos)
      << broken.output;
  EXPECT_EQ(broken.output.find("decide"), std::string::npos) << broken.output;

  const auto missing = tenet({"diff", before.string(), (dir.path() / "nowhere").string()});
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("nowhere"), std::string::npos) << missing.output;

  const fs::path file = dir.path() / "bad.ndjson";
  write(file, R"({"op":"plans","tenant":"acme","principal":{"id":"u1","role":"basic"}})"
              "\n{not json\n");
  const auto bad = tenet({"diff", before.string(), before.string(), "--requests", file.string()});
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("tenet diff: error: " + file.string() + ":2: not JSON"),
            std::string::npos)
      << bad.output;

  write(file, R"({"op":"health"})"
              "\n");
  const auto server_op =
      tenet({"diff", before.string(), before.string(), "--requests", file.string()});
  EXPECT_EQ(server_op.status, 2) << server_op.output;
  EXPECT_NE(server_op.output.find(file.string() + ":1: op 'health' is not a decision op"),
            std::string::npos)
      << server_op.output;

  // A line over --max-line is refused (it is never held whole), and the last
  // line may lack its newline.
  write(file, R"({"op":"plans","tenant":"acme","principal":{"id":"u1","role":"basic"}})"
              "\n" +
                  std::string(300, ' ') + "\n");
  const auto oversized = tenet(
      {"diff", before.string(), before.string(), "--requests", file.string(), "--max-line", "200"});
  EXPECT_EQ(oversized.status, 2) << oversized.output;
  EXPECT_NE(
      oversized.output.find(file.string() + ":2: request line longer than 200 bytes (--max-line)"),
      std::string::npos)
      << oversized.output;
  write(file, R"({"op":"plans","tenant":"acme","principal":{"id":"u1","role":"basic"}})");
  const auto unterminated =
      tenet({"diff", before.string(), before.string(), "--requests", file.string()});
  EXPECT_EQ(unterminated.status, 0) << unterminated.output;
  EXPECT_NE(unterminated.output.find("no decision changes in 1 "), std::string::npos)
      << unterminated.output;

  const auto unreadable = tenet({"diff", before.string(), before.string(), "--requests",
                                 (dir.path() / "absent.ndjson").string()});
  EXPECT_EQ(unreadable.status, 2) << unreadable.output;
  EXPECT_NE(unreadable.output.find("cannot open"), std::string::npos) << unreadable.output;
}

}  // namespace
}  // namespace tenet
