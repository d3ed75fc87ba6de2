// Partner policy units (issue 13, docs/UNITS.md) through the real `tenet
// serve` over 127.0.0.1: a reload (op and SIGHUP) that applies the partners
// whose files changed and refuses a broken one alone, a platform change
// refused whole, put_policy with a partner's `author` token (scope, limits,
// durability over kill -9, history, rollback), puts under pipelined load
// (every answer from one revision), and --strict. Every loop is bounded in
// count and every wait in time. $TENET_SERVE_BINARY overrides the binary.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command_output.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/read_text.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::command_output;
using tenet::test_support::connect_tcp;
using tenet::test_support::error_code;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::parse_answer;
using tenet::test_support::read_text;
using tenet::test_support::ServerProcess;
using tenet::test_support::TempDir;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);

// ------------------------------------------------------------------ the policy set

// The platform part: a schema and one template; no checker warnings, so a
// valid put answers `diagnostics: []`.
constexpr const char* kSchema = R"(schema {
  principal { level: int; }
  resource document { owner: string; locked: bool; }
  actions read, write on document;
}
)";
constexpr const char* kTemplate = R"(template base {
  role basic;
  role editor;
  @id("owner-reads") permit read on document when resource.owner == principal.id;
}
)";
// The same template without the role `editor`, which partner b's rules use:
// a platform change that breaks b (and only b).
constexpr const char* kTemplateWithoutEditor = R"(template base {
  role basic;
  @id("owner-reads") permit read on document when resource.owner == principal.id;
}
)";

// A partner unit whose one write rule is `rule_id`: a write check's reason
// (TENANT:ID) tells which text answered it. Only b's rules name the role
// `editor` (kTemplateWithoutEditor breaks b alone).
std::string unit(const std::string& tenant, const std::string& rule_id) {
  return "tenant " + tenant + " extends base {\n  @id(\"" + rule_id +
         "\") permit write on document " + (tenant == "b" ? "for editor " : "") +
         "when principal.level > 3;\n}\n";
}
// Comparing the int attribute with a string: a type error on line 2 of the unit.
std::string broken_unit(const std::string& tenant) {
  return "tenant " + tenant + " extends base {\n  @id(\"" + tenant +
         "-bad\") permit write on document when principal.level == \"high\";\n}\n";
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// schema.tenet, templates/base.tenet and tenants/a, b, c.tenet (rules a-v1, b-v1, c-v1).
fs::path write_partner_set(const TempDir& dir) {
  const fs::path root = dir.path() / "policies";
  write_text(root / "schema.tenet", kSchema);
  write_text(root / "templates" / "base.tenet", kTemplate);
  for (const std::string tenant : {"a", "b", "c"})
    write_text(root / "tenants" / (tenant + ".tenet"), unit(tenant, tenant + "-v1"));
  return root;
}

fs::path unit_path(const fs::path& root, const std::string& tenant) {
  return root / "tenants" / (tenant + ".tenet");
}

// A write on another's document by a level-5 editor of `tenant`: allowed by
// the tenant's write rule, whose id is the reason.
std::string write_check(const std::string& id, const std::string& tenant) {
  return R"({"id":)" + id + R"(,"op":"check","tenant":")" + tenant +
         R"(","principal":{"id":"u1","role":"editor","attrs":{"level":5}},"action":"write",)"
         R"("resource":{"type":"document","id":"d1","tenant":")" +
         tenant + R"(","attrs":{"owner":"u2","locked":false}}})";
}

#define START_SERVER(name, dir, ...) TENET_START_SERVER(name, kBinary, dir, __VA_ARGS__)

json ask(LineClient& client, const std::string& line, Millis timeout = Millis(20000)) {
  return parse_answer(client.request(line, timeout));
}

// The answer to a write check on `tenant`: its decision, reasons, revision.
json check_of(LineClient& client, const std::string& tenant) {
  return ask(client, write_check("\"" + tenant + "\"", tenant));
}

// Expects a write check on `tenant` to be allowed by TENANT:RULE at `revision`.
void expect_served(LineClient& client, const std::string& tenant, const std::string& rule,
                   int revision) {
  const json answer = check_of(client, tenant);
  EXPECT_EQ(answer.value("decision", ""), "allow") << tenant << ": " << answer;
  EXPECT_EQ(answer.value("reasons", json::array()), json::array({tenant + ":" + rule}))
      << tenant << ": " << answer;
  EXPECT_EQ(answer.value("revision", 0), revision) << tenant << ": " << answer;
}

// The entry of `tenant` in a reload answer's "units", or null.
json unit_outcome(const json& reload, const std::string& tenant) {
  if (!reload.is_object() || !reload.contains("units") || !reload["units"].is_array())
    return nullptr;
  for (const json& entry : reload["units"])
    if (entry.value("tenant", "") == tenant) return entry;
  return nullptr;
}

int policy_version(LineClient& client) {
  return ask(client, R"({"op":"health"})").value("policy_version", -1);
}

// Waits (bounded) until health's policy_version moves past `before`: how a
// test knows a SIGHUP reload is done.
bool wait_policy_version_past(LineClient& client, int before, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (policy_version(client) > before) return true;
    std::this_thread::sleep_for(Millis(20));
  }
  return false;
}

struct Token {
  std::string token;
  std::string file_line;  // "SHA256HEX TENANT RIGHTS"
  // The actor a revision records for it: sha256:<first 16 hex of the token's SHA-256>.
  [[nodiscard]] std::string actor() const { return "sha256:" + file_line.substr(0, 16); }
};

// `tenet token new`: line 1 the token, line 2 the token-file line.
Token new_token(const std::string& tenant, const std::string& rights) {
  std::istringstream out(
      command_output(kBinary + " token new --tenant '" + tenant + "' --rights " + rights));
  Token token;
  std::getline(out, token.token);
  std::getline(out, token.file_line);
  if (token.token.empty() || token.file_line.size() < 64)
    ADD_FAILURE() << "`tenet token new` printed no token";
  return token;
}

bool say_hello(LineClient& client, const Token& token) {
  const json answer = ask(client, json{{"op", "hello"}, {"token", token.token}}.dump());
  EXPECT_EQ(answer.value("ok", false), true) << answer;
  return answer.value("ok", false);
}

std::string put_line(const std::string& id, const std::string& tenant, const std::string& source) {
  return json{{"op", "put_policy"}, {"id", id}, {"tenant", tenant}, {"source", source}}.dump();
}

// ------------------------------------------------------------------ 1. reload per unit

// b's file broken, a's and c's changed: a and c get their changes at a new
// revision, b keeps serving its previous one and the answer names its error;
// the same again by SIGHUP; b fixed: b applies.
TEST(PartnerUnits, ReloadAppliesChangedUnitsAndRefusesTheBrokenOneAlone) {
  const TempDir dir;
  const fs::path root = write_partner_set(dir);
  START_SERVER(server, root.string(), {});
  LineClient client = connect_tcp(server);
  for (const std::string tenant : {"a", "b", "c"}) expect_served(client, tenant, tenant + "-v1", 1);

  write_text(unit_path(root, "a"), unit("a", "a-v2"));
  write_text(unit_path(root, "b"), broken_unit("b"));
  write_text(unit_path(root, "c"), unit("c", "c-v2"));
  const json reload = ask(client, R"({"id":"r1","op":"reload"})");
  EXPECT_EQ(reload.value("ok", false), true) << reload;
  EXPECT_EQ(reload.value("platform", ""), "unchanged") << reload;
  EXPECT_EQ(unit_outcome(reload, "a"),
            json({{"tenant", "a"}, {"outcome", "applied"}, {"revision", 2}}))
      << reload;
  EXPECT_EQ(unit_outcome(reload, "c"),
            json({{"tenant", "c"}, {"outcome", "applied"}, {"revision", 2}}))
      << reload;
  const json b_refused = unit_outcome(reload, "b");
  EXPECT_EQ(b_refused.value("outcome", ""), "refused") << reload;
  EXPECT_EQ(b_refused.value("revision", 0), 1) << reload;
  // b's error: its file, line and column, and what is wrong.
  const std::string b_diagnostics = b_refused.value("diagnostics", "");
  EXPECT_NE(b_diagnostics.find("tenants/b.tenet:2:"), std::string::npos) << reload;
  EXPECT_NE(b_diagnostics.find("error"), std::string::npos) << reload;

  expect_served(client, "a", "a-v2", 2);
  expect_served(client, "b", "b-v1", 1);
  expect_served(client, "c", "c-v2", 2);

  // The same by SIGHUP: no answer, so wait for policy_version to move; the
  // log names b's refusal.
  write_text(unit_path(root, "a"), unit("a", "a-v3"));
  write_text(unit_path(root, "c"), unit("c", "c-v3"));
  const int before = policy_version(client);
  ASSERT_TRUE(server.signal(SIGHUP));
  ASSERT_TRUE(wait_policy_version_past(client, before, Millis(10000)))
      << "the SIGHUP reload did not finish: " << server.stderr_text();
  expect_served(client, "a", "a-v3", 3);
  expect_served(client, "b", "b-v1", 1);
  expect_served(client, "c", "c-v3", 3);
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"("refused":"b")"), std::string::npos) << log;
  EXPECT_NE(log.find("tenants/b.tenet:2:"), std::string::npos) << log;

  // b fixed: applied at the next revision; a and c, unchanged, not listed.
  write_text(unit_path(root, "b"), unit("b", "b-v2"));
  const json fixed = ask(client, R"({"id":"r2","op":"reload"})");
  EXPECT_EQ(fixed.value("ok", false), true) << fixed;
  EXPECT_EQ(fixed.value("units", json()),
            json::array({{{"tenant", "b"}, {"outcome", "applied"}, {"revision", 2}}}))
      << fixed;
  expect_served(client, "a", "a-v3", 3);
  expect_served(client, "b", "b-v2", 2);
  expect_served(client, "c", "c-v3", 3);
}

// ------------------------------------------------------------------ 2. platform change

// A template change that breaks b is refused whole, names b, and changes
// nothing: not even a's edit of the same reload, nor any decision or revision.
TEST(PartnerUnits, PlatformChangeThatBreaksOnePartnerIsRefusedWhole) {
  const TempDir dir;
  const fs::path root = write_partner_set(dir);
  START_SERVER(server, root.string(), {});
  LineClient client = connect_tcp(server);
  const json health = ask(client, R"({"op":"health"})");
  std::map<std::string, std::string> before;
  for (const std::string tenant : {"a", "b", "c"}) before[tenant] = check_of(client, tenant).dump();

  write_text(root / "templates" / "base.tenet", kTemplateWithoutEditor);
  write_text(unit_path(root, "a"), unit("a", "a-v2"));
  const json refused = ask(client, R"({"id":"p","op":"reload"})");
  EXPECT_FALSE(refused.value("ok", false)) << refused;  // error answers carry no "ok" member
  EXPECT_EQ(error_code(refused), "invalid_request") << refused;
  const std::string message =
      refused.contains("error") ? refused["error"].value("message", "") : "";
  EXPECT_NE(message.find("breaks partner(s) b"), std::string::npos) << refused;
  EXPECT_NE(refused.value("diagnostics", "").find("tenants/b.tenet:2:"), std::string::npos)
      << refused;
  // The partner that breaks is named, with its diagnostics; a (which would
  // not break) and c are not.
  const json b = unit_outcome(refused, "b");
  EXPECT_EQ(b.value("outcome", ""), "refused") << refused;
  EXPECT_NE(b.value("diagnostics", "").find("tenants/b.tenet"), std::string::npos) << refused;
  EXPECT_NE(b.value("diagnostics", "").find("editor"), std::string::npos) << refused;
  EXPECT_TRUE(unit_outcome(refused, "a").is_null()) << refused;
  EXPECT_TRUE(unit_outcome(refused, "c").is_null()) << refused;

  const json after = ask(client, R"({"op":"health"})");
  EXPECT_EQ(after.value("platform_revision", 0), health.value("platform_revision", 0)) << after;
  EXPECT_EQ(after.value("policy_version", 0), health.value("policy_version", -1)) << after;
  EXPECT_EQ(after["units"], health["units"]) << after;
  for (const std::string tenant : {"a", "b", "c"})
    EXPECT_EQ(check_of(client, tenant).dump(), before[tenant]) << tenant;
  expect_served(client, "a", "a-v1", 1);
}

// ------------------------------------------------------------------ 3. put_policy

// put_policy with partner a's author token: out-of-scope units and a unit
// over --max-unit-bytes are refused and b is untouched; a's token cannot put
// for b; a valid unit applies and survives kill -9; the history names the
// actor by token id; rollback brings the old rules back as a new revision.
TEST(PartnerUnits, PutPolicyWithAPartnersAuthorToken) {
  const TempDir dir;
  const fs::path root = write_partner_set(dir);
  const Token author_a = new_token("a", "author");
  const Token global = new_token("*", "check,admin,author");
  const fs::path tokens = dir.path() / "tokens";
  write_text(tokens, author_a.file_line + "\n" + global.file_line + "\n");
  const std::vector<std::string> args{"--tokens", tokens.string(), "--max-unit-bytes", "2048"};
  const std::string a_v1 = read_text(unit_path(root, "a"));
  const std::string a_v2 = unit("a", "a-v2");
  {
    START_SERVER(server, root.string(), args);
    LineClient partner = connect_tcp(server);
    LineClient admin = connect_tcp(server);
    ASSERT_TRUE(say_hello(partner, author_a));
    ASSERT_TRUE(say_hello(admin, global));

    const json b_policy = ask(admin, R"({"op":"get_policy","tenant":"b"})");
    ASSERT_EQ(b_policy.value("ok", false), true) << b_policy;
    EXPECT_EQ(b_policy.value("revision", 0), 1) << b_policy;
    EXPECT_EQ(b_policy.value("source", ""), unit("b", "b-v1")) << b_policy;
    const std::string b_check = check_of(admin, "b").dump();
    const auto expect_b_untouched = [&](const std::string& after) {
      EXPECT_EQ(ask(admin, R"({"op":"get_policy","tenant":"b"})"), b_policy) << "after " << after;
      EXPECT_EQ(check_of(admin, "b").dump(), b_check) << "after " << after;
      EXPECT_EQ(read_text(unit_path(root, "b")), unit("b", "b-v1")) << "after " << after;
    };

    // Each refused, with a message that says why; nothing changes.
    struct Refusal {
      std::string what, source, code, message_part;
    };
    const std::vector<Refusal> refusals{
        {"declares tenant b", unit("b", "b-evil"), "invalid_policy", "'b'"},
        {"a schema block", std::string(kSchema) + a_v2, "invalid_policy", "schema"},
        {"a template", std::string(kTemplate) + a_v2, "invalid_policy", "template"},
        {"over --max-unit-bytes", a_v2 + "// " + std::string(3000, 'x') + "\n", "too_large",
         "2048"},
    };
    for (const Refusal& refusal : refusals) {
      const json answer = ask(partner, put_line(refusal.what, "a", refusal.source));
      EXPECT_FALSE(answer.value("ok", false)) << refusal.what << ": " << answer;
      EXPECT_EQ(error_code(answer), refusal.code) << refusal.what << ": " << answer;
      const std::string message =
          answer.contains("error") ? answer["error"].value("message", "") : "";
      EXPECT_NE(message.find(refusal.message_part), std::string::npos)
          << refusal.what << ": " << answer;
      expect_b_untouched(refusal.what);
      expect_served(admin, "a", "a-v1", 1);
    }
    // a's token is a's only.
    const json forbidden = ask(partner, put_line("other", "b", unit("b", "b-evil")));
    EXPECT_EQ(error_code(forbidden), "forbidden") << forbidden;
    expect_b_untouched("put for b");

    const json applied = ask(partner, put_line("good", "a", a_v2));
    ASSERT_EQ(applied.value("ok", false), true) << applied;
    EXPECT_EQ(applied.value("revision", 0), 2) << applied;
    EXPECT_EQ(applied.value("path", ""), "tenants/a.tenet") << applied;
    EXPECT_EQ(applied.value("diagnostics", json()), json::array()) << applied;
    EXPECT_EQ(applied["changes"].value("added", json()), json::array({"a:a-v2"})) << applied;
    EXPECT_EQ(applied["changes"].value("removed", json()), json::array({"a:a-v1"})) << applied;

    // kill -9 right after the ok: what was acknowledged is on disk.
    ASSERT_TRUE(server.signal(SIGKILL));
    ASSERT_TRUE(server.wait_exit(Millis(10000)).has_value());
  }
  EXPECT_EQ(read_text(unit_path(root, "a")), a_v2);

  START_SERVER(restarted, root.string(), args);
  LineClient partner = connect_tcp(restarted);
  LineClient admin = connect_tcp(restarted);
  ASSERT_TRUE(say_hello(partner, author_a));
  ASSERT_TRUE(say_hello(admin, global));
  expect_served(admin, "a", "a-v2", 2);  // the same revision number, not a new one
  expect_served(admin, "b", "b-v1", 1);

  const json history = ask(partner, R"({"op":"policy_history","tenant":"a"})");
  ASSERT_EQ(history.value("ok", false), true) << history;
  ASSERT_EQ(history.value("revisions", json()).size(), 2U) << history;
  EXPECT_EQ(history["revisions"][0].value("revision", 0), 2) << history;
  EXPECT_EQ(history["revisions"][0].value("actor", ""), author_a.actor()) << history;
  EXPECT_EQ(history["revisions"][1].value("revision", 0), 1) << history;
  EXPECT_EQ(history["revisions"][1].value("actor", ""), "disk") << history;
  // The token itself is never written, neither in the answer nor on disk.
  EXPECT_EQ(history.dump().find(author_a.token), std::string::npos) << history;
  for (const auto& entry : fs::recursive_directory_iterator(root / ".tenet-history")) {
    if (entry.is_regular_file()) {
      EXPECT_EQ(read_text(entry.path()).find(author_a.token), std::string::npos) << entry.path();
    }
  }

  const json rollback = ask(partner, R"({"id":"rb","op":"rollback","tenant":"a","revision":1})");
  ASSERT_EQ(rollback.value("ok", false), true) << rollback;
  EXPECT_EQ(rollback.value("revision", 0), 3) << rollback;
  EXPECT_EQ(rollback["changes"].value("added", json()), json::array({"a:a-v1"})) << rollback;
  expect_served(admin, "a", "a-v1", 3);
  const json a_policy = ask(partner, R"({"op":"get_policy","tenant":"a"})");
  EXPECT_EQ(a_policy.value("revision", 0), 3) << a_policy;
  EXPECT_EQ(a_policy.value("source", ""), a_v1) << a_policy;
  const json unknown = ask(partner, R"({"op":"rollback","tenant":"a","revision":99})");
  EXPECT_EQ(error_code(unknown), "invalid_request") << unknown;
}

// ------------------------------------------------------------------ 4. puts under load

// 4 connections pipeline checks to a and b while another sends 100 puts to
// a, put i serving rule a-r<i> at revision i: every answer about a is one
// revision's (its reason matches its "revision"), b's never change.
TEST(PartnerUnits, HundredPutsWhileFourClientsPipelineChecks) {
  const TempDir dir;
  const fs::path root = write_partner_set(dir);
  write_text(unit_path(root, "a"), unit("a", "a-r1"));
  START_SERVER(server, root.string(), {"--threads", "2"});
  LineClient warm = connect_tcp(server);
  const std::string b_answer = [&] {
    json answer = check_of(warm, "b");
    answer.erase("id");
    return answer.dump();
  }();
  ASSERT_NE(b_answer.find("b:b-v1"), std::string::npos) << b_answer;

  // The clients stop when the puts are done, or after 60 s or kMaxRounds
  // (about 60 s of rounds too: only bounds, the puts take about a second).
  constexpr int kClients = 4, kPipeline = 20, kMaxRounds = 60000, kPuts = 100;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::atomic<bool> puts_done{false};
  std::atomic<int> failures{0}, a_answers{0}, b_answers{0}, rounds{0}, clients_finished{0};
  std::mutex failure_mutex;
  std::string first_failure;
  std::vector<std::map<int, int>> revisions_seen(kClients);  // per client: revision -> count
  const auto fail = [&](const std::string& what) {
    ++failures;
    const std::lock_guard lock(failure_mutex);
    if (first_failure.empty()) first_failure = what;
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const struct Finished {
        std::atomic<int>& count;
        ~Finished() { ++count; }
      } finished{clients_finished};
      std::optional<LineClient> client = LineClient::tcp(server.tcp_port());
      if (!client) return fail("cannot connect");
      for (int round = 0;
           round < kMaxRounds && !puts_done.load() && std::chrono::steady_clock::now() < give_up;
           ++round) {
        std::string payload;
        for (int i = 0; i < kPipeline; ++i)
          payload += write_check(std::to_string(i), i % 2 == 0 ? "a" : "b") + "\n";
        const std::vector<std::string> got = client->round_trip(payload, kPipeline, Millis(20000));
        if (got.size() != static_cast<std::size_t>(kPipeline))
          return fail("round " + std::to_string(round) + ": " + std::to_string(got.size()) +
                      " answers; " + client->error());
        for (int i = 0; i < kPipeline; ++i) {
          json answer = json::parse(got[static_cast<std::size_t>(i)], nullptr, false);
          if (!answer.is_object() || answer.value("id", -1) != i) return fail(answer.dump());
          answer.erase("id");
          if (i % 2 == 1) {
            if (answer.dump() != b_answer) fail("b changed: " + answer.dump());
            ++b_answers;
            continue;
          }
          const int revision = answer.value("revision", 0);
          if (answer.value("decision", "") != "allow" ||
              answer.value("reasons", json()) != json::array({"a:a-r" + std::to_string(revision)}))
            fail("a's reason is not its revision's: " + answer.dump());
          ++a_answers;
          ++revisions_seen[static_cast<std::size_t>(c)][revision];
        }
        ++rounds;
        // A breath between rounds: on two cores, four clients that never
        // pause starve the admin thread and stretch 100 puts to seconds.
        std::this_thread::sleep_for(Millis(1));
      }
    });
  }

  LineClient author = connect_tcp(server);
  const auto puts_start = std::chrono::steady_clock::now();
  int applied = 0;
  for (int revision = 2; revision <= kPuts + 1; ++revision) {
    const json answer = ask(author, put_line(std::to_string(revision), "a",
                                             unit("a", "a-r" + std::to_string(revision))));
    if (answer.value("ok", false) && answer.value("revision", 0) == revision) {
      ++applied;
    } else {
      ADD_FAILURE() << "put " << revision << ": " << answer;
      break;
    }
  }
  const auto puts_ms =
      std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - puts_start);
  // One more round for every client after the last put, so the last
  // revision is seen too (bounded by the rounds' own timeouts).
  const int rounds_after = rounds.load();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (rounds.load() < rounds_after + kClients && clients_finished.load() < kClients &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(Millis(5));
  puts_done = true;
  for (std::thread& thread : clients) thread.join();

  EXPECT_EQ(applied, kPuts);
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GT(b_answers.load(), 0);
  std::map<int, int> seen;
  for (const auto& per_client : revisions_seen)
    for (const auto& [revision, count] : per_client) seen[revision] += count;
  // The checks ran across the puts: several revisions answered, the last one too.
  EXPECT_GT(seen.size(), 2U) << "the checks did not overlap the puts";
  EXPECT_EQ(seen.empty() ? 0 : seen.rbegin()->first, kPuts + 1);
  expect_served(warm, "a", "a-r" + std::to_string(kPuts + 1), kPuts + 1);
  RecordProperty("puts_ms", static_cast<int>(puts_ms.count()));
  RecordProperty("rounds", rounds.load());
  RecordProperty("a_answers", a_answers.load());
  RecordProperty("revisions_seen", static_cast<int>(seen.size()));
}

// ------------------------------------------------------------------ 5. --strict

// One broken partner: --strict refuses to start and names it; without it the
// server starts, health lists the partner unavailable and its checks deny
// with tenant_unavailable while the others are served.
TEST(PartnerUnits, StrictRefusesABrokenPartnerOtherwiseItIsUnavailable) {
  const TempDir dir;
  const fs::path root = write_partner_set(dir);
  write_text(unit_path(root, "b"), broken_unit("b"));
  {
    ServerProcess strict(kBinary, {root.string(), "--listen", "127.0.0.1:0", "--strict"}, 1,
                         Millis(20000));
    EXPECT_FALSE(strict.started()) << "--strict served a set with a broken partner";
    EXPECT_EQ(strict.wait_exit(Millis(10000)), std::optional<int>(1)) << strict.stderr_text();
    const std::string stderr_text = strict.stderr_text();
    EXPECT_NE(stderr_text.find("'b'"), std::string::npos) << stderr_text;
    EXPECT_NE(stderr_text.find("tenants/b.tenet:2:"), std::string::npos) << stderr_text;
  }

  START_SERVER(server, root.string(), {});
  LineClient client = connect_tcp(server);
  const json health = ask(client, R"({"op":"health"})");
  EXPECT_EQ(health.value("units", json()),
            json({{"served", 2}, {"unavailable", json::array({"b"})}}))
      << health;
  const json b = check_of(client, "b");
  EXPECT_EQ(b.value("decision", ""), "deny") << b;
  EXPECT_EQ(b.value("reasons", json()), json::array({"tenant_unavailable"})) << b;
  ASSERT_TRUE(b.contains("errors") && b["errors"].size() == 1U) << b;
  EXPECT_EQ(b["errors"][0].value("rule", ""), "b") << b;
  EXPECT_NE(b["errors"][0].value("message", "").find("tenants/b.tenet:2:"), std::string::npos) << b;
  expect_served(client, "a", "a-v1", 1);
  expect_served(client, "c", "c-v1", 1);
}

}  // namespace
