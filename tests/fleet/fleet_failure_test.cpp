// The fleet when things break (issue 14, "Must show"; docs/FLEET.md): three
// real `tenet serve --store` replicas on a PostgreSQL cluster of the test's
// own, and
//   - fail static: PostgreSQL stopped (fast, then immediate) under
//     pipelined checks: no check fails or changes its answer, writes answer
//     `unavailable` and change nothing, health says since when the store is
//     gone; once it is back every replica converges, including on changes
//     committed while that replica was cut off (a frozen process, or a
//     follower still in its reconnect backoff);
//   - kill -9 in the middle of a publish: of a replica (restarted while the
//     publish holds the store's writers' lock, and another one killed while
//     it applies the change) — every replica ends on the same complete store
//     revision, and no replica ever answers from half of it; of the publish
//     itself — the store keeps the previous complete revision;
//   - --cache-dir: a replica started while the store is down serves its
//     cache (and says so), one without a cache refuses to start, and the
//     cached one catches up when the store is back.
// A publish is held in the middle deterministically: the test inserts, in a
// transaction it keeps open, the row the publish will insert last, so the
// publish (holding the writers' lock, its other rows written) waits on it
// until the test rolls back.
//
// Every wait is bounded. The bounds are generous (two shared cores, maybe an
// ASan build): they catch a replica that never converges, they are not
// performance figures.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/store/fleet_rows.hpp"
#include "server/store/pg_connection.hpp"
#include "tests/fleet/own_cluster.hpp"
#include "tests/fleet/replicas.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::fleet {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using SystemClock = std::chrono::system_clock;

const std::string kBinary = test_support::tenet_binary(TENET_BINARY);
const fs::path kPolicies = fs::path(TENET_SOURCE_DIR) / "policies";

// A replica notices a stopped store at once (its LISTEN connection is
// closed) and retries with a backoff capped at 2 s, then catches up; a
// failed catch-up is retried every second. 20 s leaves room for a loaded
// machine and still ends a test that would hang.
constexpr milliseconds kConverge(20000);
// How long checks are kept flowing while the store is gone.
constexpr milliseconds kOutage(2000);
// A decision is answered from memory (no store involved): 5 s is a hang.
constexpr milliseconds kAnswer(5000);
// Each pipelining client rests this long between batches of 16, so that 4
// clients on 3 replicas leave the store and the replicas some of the two
// cores (a starved PostgreSQL takes seconds to accept a connection).
constexpr milliseconds kPause(5);
// A write waits for the store: a new connection (bounded at 5 s by the
// replica) and the transaction.
constexpr milliseconds kWrite(20000);

const std::string kHealth = R"({"op":"health"})";

// A cedar trader (the shipped policies/): margin is off for traders until
// switched on at run time, and plan trader_desk requires it.
const std::string kTrader =
    R"({"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}})";
const std::string kBasic = R"({"id":"u1","role":"basic","attrs":{"kyc":"verified"}})";

std::string read_own_document(const std::string& tenant, const std::string& resource_tenant) {
  return R"({"op":"check","tenant":")" + tenant + R"(","principal":)" + kBasic +
         R"(,"action":"read","resource":{"type":"document","id":"d1","tenant":")" +
         resource_tenant +
         R"(","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";
}

// The checks the clients pipeline through the outages: two allows and two
// denies, on partners whose policies the test does not change.
const std::vector<std::string> kTrafficChecks = {
    // allow: cedar:owner-reads
    R"({"op":"check","tenant":"cedar","principal":)" + kTrader +
        R"(,"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})",
    // allow: northwind:owner-reads
    read_own_document("northwind", "northwind"),
    // deny: cross_tenant
    read_own_document("northwind", "cedar"),
    // deny: cedar:trader-needs-mfa
    R"({"op":"check","tenant":"cedar","principal":)" + kTrader +
        R"(,"action":"write","resource":{"type":"account","id":"a1","tenant":"cedar","attrs":{"owner":"u1"}},"context":{"mfa":false}})",
};

const std::string kTraderPlans = R"({"op":"plans","tenant":"cedar","principal":)" + kTrader + "}";

std::string set_margin(const std::string& state) {
  return json{{"op", "set_feature"}, {"tenant", "cedar"}, {"feature", "margin"}, {"state", state}}
      .dump();
}

// acme's unit with one rule more: reading any document is forbidden.
const std::string kFrozenAcme =
    "tenant acme extends retail_standard {\n  @id(\"freeze\") forbid read on document;\n}\n";

// ------------------------------------------------------------------ helpers

test_support::ProcessResult tenet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return test_support::run_process(argv, milliseconds(120000));
}

std::uint64_t store_revision_of(const std::string& url) {
  store::Connection connection(url);
  return store::store_revision(connection);
}

std::size_t count_rows(const std::string& url, const std::string& table) {
  store::Connection connection(url);
  return std::stoul(connection.query("SELECT count(*) FROM " + table)[0][0].value_or("0"));
}

// answer[key]; null when there is no answer (a timeout) or no such field.
json field(const json& answer, const std::string& key) {
  return answer.is_object() && answer.contains(key) ? answer[key] : json();
}

bool has_plan(const json& answer, const std::string& plan) {
  if (!answer.is_object() || !answer.contains("plans") || !answer["plans"].is_array()) return false;
  for (const json& each : answer["plans"]) {
    if (each == plan) return true;
  }
  return false;
}

bool decided(const json& answer, const std::string& decision, const std::string& reason,
             std::uint64_t revision) {
  return answer.is_object() && answer.value("decision", "") == decision &&
         answer.value("reasons", json::array()) == json::array({reason}) &&
         answer.value("revision", std::uint64_t{0}) == revision;
}

std::uint64_t health_revision(const json& health) {
  if (!health.is_object() || !health.contains("store")) return 0;
  return health["store"].value("revision", std::uint64_t{0});
}

bool connected_at(const json& health, std::uint64_t revision) {
  return health.is_object() && health.contains("store") &&
         health["store"].value("connected", false) && !health["store"].value("from_cache", true) &&
         health_revision(health) == revision;
}

std::string dump_all(const std::vector<json>& answers) {
  std::string text;
  for (std::size_t i = 0; i < answers.size(); ++i)
    text += "replica " + std::to_string(i) + ": " + answers[i].dump() + "\n";
  return text;
}

// "2025-01-02T03:04:05Z" (PolicyHistory::utc_text) as a time point.
std::optional<SystemClock::time_point> parse_utc(const std::string& text) {
  std::tm parts{};
  std::istringstream in(text);
  in >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail() || text.size() != 20) return std::nullopt;
  return SystemClock::from_time_t(::timegm(&parts));
}

// health of a replica cut off from the store since about `stopped`.
void expect_store_gone(const json& health, SystemClock::time_point stopped) {
  ASSERT_TRUE(health.is_object() && health.contains("store")) << health.dump();
  const json& store = health["store"];
  EXPECT_EQ(store.value("connected", true), false) << health.dump();
  EXPECT_EQ(store.value("from_cache", true), false) << health.dump();
  // Why is in the replica's log: health answers anyone, and libpq's
  // messages name the database's hosts and roles.
  EXPECT_FALSE(store.contains("problem")) << health.dump();
  const std::optional<SystemClock::time_point> since = parse_utc(store.value("since", ""));
  ASSERT_TRUE(since.has_value()) << "no UTC ISO-8601 since: " << health.dump();
  // The text has whole seconds: allow for the truncation and a slow stop.
  EXPECT_GE(*since, stopped - std::chrono::seconds(2)) << health.dump();
  EXPECT_LE(*since, SystemClock::now() + std::chrono::seconds(1)) << health.dump();
}

// A write refused because the store is gone: the new error code and a
// message that says what happened and that nothing changed.
void expect_unavailable(const json& answer, const std::string& what) {
  ASSERT_TRUE(answer.is_object()) << what << ": no answer";
  EXPECT_EQ(test_support::error_code(answer), "unavailable") << what << ": " << answer.dump();
  const std::string message =
      answer.contains("error") ? answer["error"].value("message", "") : std::string();
  EXPECT_NE(message.find("store cannot be reached"), std::string::npos) << what << ": " << message;
  EXPECT_NE(message.find("nothing changed"), std::string::npos) << what << ": " << message;
}

// A command run in the background, to be killed mid-way (a `tenet publish`):
// its own process group, stdin /dev/null, stdout and stderr to a file.
// Killed (SIGKILL) and reaped by the destructor if still running.
class Background {
 public:
  Background(const std::vector<std::string>& argv, fs::path output) : output_(std::move(output)) {
    // Everything the child needs is made before fork: after it, in a
    // process with threads, only async-signal-safe calls.
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const std::string out_path = output_.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int in = ::open("/dev/null", O_RDONLY);
      if (out < 0 || in < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  bool kill(int signal_number) const { return pid_ > 0 && ::kill(pid_, signal_number) == 0; }
  // The exit status (or 128 + signal) once it ended within `timeout`.
  std::optional<int> wait(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!status_ && pid_ > 0) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (Clock::now() >= deadline) break;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return status_;
  }
  [[nodiscard]] std::string output() const {
    std::ifstream in(output_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  fs::path output_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// ------------------------------------------------------------------ fixture

// A cluster of its own with an empty store (tenet store init), a copy of
// the shipped policies/ to publish (a test edits it first or later), and a
// global token with every right that the replicas greet with.
class FleetFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<OwnCluster>();
    cluster_->create_database("fleet");
    url_ = cluster_->url("fleet");
    const auto init = tenet({"store", "init", url_});
    ASSERT_EQ(init.status, 0) << init.output;
    fs::copy(kPolicies, policies(), fs::copy_options::recursive);
    const auto made =
        tenet({"token", "new", "--tenant", "*", "--rights", "check,admin,author", "--store", url_});
    ASSERT_EQ(made.status, 0) << made.output;
    const std::string token = made.output.substr(0, made.output.find('\n'));
    ASSERT_EQ(token.size(), 64U) << made.output;
    hello_ = json{{"op", "hello"}, {"token", token}}.dump();
  }

  [[nodiscard]] fs::path policies() const { return work_.path() / "policies"; }

  // `tenet publish policies-copy --store URL`; the store revision it became.
  std::uint64_t publish(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"publish", policies().string(), "--store", url_};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto done = tenet(args);
    EXPECT_EQ(done.status, 0) << done.output;
    EXPECT_NE(done.output.find("published store revision"), std::string::npos) << done.output;
    return store_revision_of(url_);
  }

  void write_policy(const std::string& relative, const std::string& text) const {
    std::ofstream(policies() / relative, std::ios::binary | std::ios::trunc) << text;
  }

  // `count` replicas of the store, greeted with the global token.
  std::unique_ptr<Replicas> start_replicas(std::size_t count,
                                           const Replicas::ArgsOf& extra = nullptr) {
    auto replicas = std::make_unique<Replicas>(kBinary, count, [&](std::size_t index) {
      std::vector<std::string> args{"--store", url_, "--threads", "2"};
      if (extra) {
        const std::vector<std::string> more = extra(index);
        args.insert(args.end(), more.begin(), more.end());
      }
      return args;
    });
    replicas->greet_with(hello_);
    return replicas;
  }

  // A step of the test on stderr with its time: where a slow or failing
  // run spent its time.
  void note(const std::string& step) const {
    const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started_);
    std::cerr << "[fleet failure +" << elapsed.count() << " ms] " << step << '\n';
  }

  const Clock::time_point started_ = Clock::now();
  std::unique_ptr<OwnCluster> cluster_;
  std::string url_;
  std::string hello_;
  test_support::TempDir work_{"tenet-fleet-failure"};
};

// ------------------------------------------------------------- fail static

// Pipelined clients, one per check, each on every replica; the answers each
// must keep getting, taken before anything breaks.
struct Clients {
  std::vector<std::unique_ptr<Traffic>> traffic;

  Clients(const Replicas& replicas, const std::vector<std::string>& lines) {
    for (const std::string& line : lines)
      traffic.push_back(
          std::make_unique<Traffic>(replicas, line, 16, kAnswer, milliseconds(120000), kPause));
  }
  // Waits until every client has `at_least` more answers than now.
  bool wait_more(std::size_t at_least, milliseconds timeout) const {
    for (const auto& each : traffic) {
      if (!each->wait_answered(each->tally().answered + at_least, timeout)) return false;
    }
    return true;
  }
  // Stops them; every request must have been answered with `expected[i]`.
  void stop_and_expect(const std::vector<std::string>& expected, const std::string& phase) {
    for (std::size_t i = 0; i < traffic.size(); ++i) {
      const Tally seen = traffic[i]->stop();
      SCOPED_TRACE(phase + ", client " + std::to_string(i) + " (expects " + expected[i] + ")");
      EXPECT_GT(seen.answered, 0U);
      EXPECT_EQ(seen.answered, seen.sent);
      EXPECT_EQ(seen.missing, 0U);
      EXPECT_EQ(seen.connect_failures, 0U);
      ASSERT_EQ(seen.answers.size(), 1U) << [&] {
        std::string text;
        for (const auto& [answer, count] : seen.answers)
          text += std::to_string(count) + " x " + answer + "\n";
        return text;
      }();
      EXPECT_EQ(seen.answers.begin()->first, expected[i]);
    }
    traffic.clear();
  }
};

TEST_F(FleetFailure, FailStaticThroughFastAndImmediateStopsAndEveryReplicaCatchesUp) {
  const std::uint64_t first = publish();
  const std::unique_ptr<Replicas> replicas = start_replicas(3);
  ASSERT_TRUE(replicas->started()) << replicas->error();
  std::vector<json> last;
  ASSERT_TRUE(replicas->wait_until_all(
      kHealth, [&](const json& health) { return connected_at(health, first); }, kConverge, &last))
      << dump_all(last);

  // The answers every check must keep: the same on every replica, two
  // allows and two denies.
  std::vector<std::string> expected;
  for (const std::string& line : kTrafficChecks) {
    const std::vector<json> answers = replicas->ask_all(line);
    for (const json& answer : answers) ASSERT_EQ(answer, answers[0]) << dump_all(answers);
    ASSERT_EQ(field(answers[0], "revision"), 1) << answers[0].dump();
    expected.push_back(answers[0].dump());
  }
  ASSERT_EQ(outcome_of(json::parse(expected[0])), "allow");
  ASSERT_EQ(outcome_of(json::parse(expected[1])), "allow");
  ASSERT_EQ(outcome_of(json::parse(expected[2])), "deny");
  ASSERT_EQ(outcome_of(json::parse(expected[3])), "deny");
  for (const json& answer : replicas->ask_all(kTraderPlans))
    ASSERT_FALSE(has_plan(answer, "trader_desk")) << answer.dump();

  // ---- a fast shutdown (an operator's restart), under 4 pipelining clients
  {
    Clients clients(*replicas, kTrafficChecks);
    ASSERT_TRUE(clients.wait_more(50, kConverge));
    const SystemClock::time_point stopped = SystemClock::now();
    const Clock::time_point outage = Clock::now();
    note("stopping PostgreSQL (fast)");
    cluster_->stop(StopMode::fast);
    note("stopped");

    for (std::size_t i = 0; i < replicas->size(); ++i) {
      SCOPED_TRACE("replica " + std::to_string(i));
      expect_unavailable(replicas->ask(i, set_margin("on"), kWrite), "set_feature");
      expect_unavailable(
          replicas->ask(
              i, json{{"op", "put_policy"}, {"tenant", "acme"}, {"source", kFrozenAcme}}.dump(),
              kWrite),
          "put_policy");
      expect_unavailable(replicas->ask(i, R"({"op":"policy_history","tenant":"acme"})", kWrite),
                         "policy_history");
    }
    ASSERT_TRUE(replicas->wait_until_all(
        kHealth,
        [](const json& health) { return field(field(health, "store"), "connected") == false; },
        kConverge, &last))
        << dump_all(last);
    for (const json& health : last) expect_store_gone(health, stopped);
    // No silent local change: the refused set_feature did not switch margin on.
    for (const json& answer : replicas->ask_all(kTraderPlans)) {
      EXPECT_EQ(field(answer, "decision"), "allow") << answer.dump();
      EXPECT_FALSE(has_plan(answer, "trader_desk")) << answer.dump();
    }
    // Checks go on for the rest of the outage.
    std::this_thread::sleep_until(outage + kOutage);
    ASSERT_TRUE(clients.wait_more(50, kConverge));
    clients.stop_and_expect(expected, "fast stop");
  }

  // ---- changes committed while replica 2 is cut off: frozen (SIGSTOP)
  // while the store comes back, so it misses their notifications and must
  // fetch them once it runs again.
  note("replica 2 frozen; starting PostgreSQL");
  ASSERT_TRUE(replicas->at(2).signal(SIGSTOP));
  cluster_->start();
  note("started");
  // A write on a replica whose connection died with the old server: it
  // connects again at once instead of answering unavailable.
  const json switched = replicas->ask(0, set_margin("on"), kWrite);
  ASSERT_EQ(field(switched, "ok"), true) << switched.dump() << replicas->stderr_text();
  write_policy(
      "tenants/lumen.tenet", "// lumen, published again while a replica was cut off\n" + [&] {
        std::ifstream in(kPolicies / "tenants/lumen.tenet", std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
      }());
  publish();
  const json put = replicas->ask(
      1, json{{"op", "put_policy"}, {"tenant", "acme"}, {"source", kFrozenAcme}}.dump(), kWrite);
  ASSERT_EQ(field(put, "ok"), true) << put.dump();
  ASSERT_EQ(field(put, "revision"), 2) << put.dump();
  const std::uint64_t changed = store_revision_of(url_);
  ASSERT_EQ(changed, first + 3);  // the switch, the publish, the put_policy
  ASSERT_TRUE(replicas->at(2).signal(SIGCONT));
  note("replica 2 runs again");

  const auto caught_up = [&](std::uint64_t revision, bool margin_on) {
    return [&, revision, margin_on] {
      std::vector<json> answers = replicas->ask_all(kHealth);
      bool all = std::all_of(answers.begin(), answers.end(),
                             [&](const json& health) { return connected_at(health, revision); });
      for (std::size_t i = 0; all && i < replicas->size(); ++i) {
        all = has_plan(replicas->ask(i, kTraderPlans), "trader_desk") == margin_on &&
              decided(replicas->ask(i, read_own_document("acme", "acme")), "deny", "acme:freeze",
                      2) &&
              decided(replicas->ask(i, read_own_document("lumen", "lumen")), "allow",
                      "lumen:owner-reads", 2);
      }
      return all;
    };
  };
  const auto wait_for = [&](const std::function<bool()>& done) {
    const auto deadline = Clock::now() + kConverge;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return true;
  };
  {
    Clients clients(*replicas, kTrafficChecks);
    EXPECT_TRUE(wait_for(caught_up(changed, true)))
        << dump_all(replicas->ask_all(kHealth)) << dump_all(replicas->ask_all(kTraderPlans))
        << dump_all(replicas->ask_all(read_own_document("acme", "acme")))
        << dump_all(replicas->ask_all(read_own_document("lumen", "lumen")))
        << replicas->stderr_text();
    ASSERT_TRUE(clients.wait_more(50, kConverge));
    clients.stop_and_expect(expected, "after the fast stop, catching up");
  }

  // ---- an immediate shutdown (a crash: no checkpoint, recovery at start)
  {
    Clients clients(*replicas, kTrafficChecks);
    ASSERT_TRUE(clients.wait_more(50, kConverge));
    const SystemClock::time_point stopped = SystemClock::now();
    const Clock::time_point outage = Clock::now();
    note("stopping PostgreSQL (immediate)");
    cluster_->stop(StopMode::immediate);
    note("stopped");
    for (std::size_t i = 0; i < replicas->size(); ++i) {
      SCOPED_TRACE("replica " + std::to_string(i));
      expect_unavailable(replicas->ask(i, set_margin("off"), kWrite), "set_feature");
      expect_unavailable(replicas->ask(i, R"({"op":"policy_history","tenant":"cedar"})", kWrite),
                         "policy_history");
    }
    ASSERT_TRUE(replicas->wait_until_all(
        kHealth,
        [](const json& health) { return field(field(health, "store"), "connected") == false; },
        kConverge, &last))
        << dump_all(last);
    for (const json& health : last) expect_store_gone(health, stopped);
    for (const json& answer : replicas->ask_all(kTraderPlans))
      EXPECT_TRUE(has_plan(answer, "trader_desk")) << "the refused switch was applied";
    std::this_thread::sleep_until(outage + kOutage);

    // Back, and a change at once through replica 2: the others' followers
    // are still in their reconnect backoff (up to 2 s), so they miss its
    // notification and catch up when they reconnect.
    note("starting PostgreSQL");
    cluster_->start();
    note("started");
    const json reset = replicas->ask(2, set_margin("default"), kWrite);
    ASSERT_EQ(field(reset, "ok"), true) << reset.dump() << replicas->stderr_text();
    const std::uint64_t latest = store_revision_of(url_);
    ASSERT_EQ(latest, changed + 1);
    EXPECT_TRUE(wait_for(caught_up(latest, false)))
        << dump_all(replicas->ask_all(kHealth)) << dump_all(replicas->ask_all(kTraderPlans))
        << replicas->stderr_text();
    ASSERT_TRUE(clients.wait_more(50, kConverge));
    clients.stop_and_expect(expected, "immediate stop");
  }
}

// -------------------------------------------------- kill -9 during a publish

// Generated partners beside the shipped ones, so that a publish changes
// many units at once (named to come last: the publish writes them last).
constexpr std::size_t kGenerated = 40;

std::string generated_name(std::size_t index) {
  return std::string("z") + (index < 10 ? "0" : "") + std::to_string(index);
}

// Revision 1 lets a basic user read her own documents (retail's
// owner-reads); revision 2 (the publish the test interrupts) forbids it.
std::string generated_unit(const std::string& name, bool frozen) {
  return "// a generated partner of the fleet failure tests\ntenant " + name +
         " extends retail_standard {\n" +
         (frozen ? "  @id(\"freeze\") forbid read on document;\n" : "") + "}\n";
}

// One check per generated partner in one batch line: a line is answered
// from one policy set, so a replica serving half of a publish would answer
// it half from each side.
const std::string kGeneratedBatch = [] {
  json requests = json::array();
  for (std::size_t i = 0; i < kGenerated; ++i) {
    const std::string name = generated_name(i);
    requests.push_back(json::parse(read_own_document(name, name)));
  }
  return json{{"op", "batch"}, {"requests", requests}}.dump();
}();

enum class Served { before, after, mixed, no_answer };

const char* name_of(Served served) {
  switch (served) {
    case Served::before:
      return "before the publish";
    case Served::after:
      return "after the publish";
    case Served::mixed:
      return "MIXED";
    case Served::no_answer:
      break;
  }
  return "no answer";
}

// Which side of the publish a replica's answer to kGeneratedBatch is on.
Served served(const json& answer) {
  const json results = field(answer, "results");
  if (!results.is_array() || results.size() != kGenerated) return Served::no_answer;
  std::size_t before = 0;
  std::size_t after = 0;
  for (std::size_t i = 0; i < kGenerated; ++i) {
    const std::string name = generated_name(i);
    before += decided(results[i], "allow", name + ":owner-reads", 1) ? 1 : 0;
    after += decided(results[i], "deny", name + ":freeze", 2) ? 1 : 0;
  }
  if (before == kGenerated) return Served::before;
  if (after == kGenerated) return Served::after;
  return Served::mixed;
}

// Keeps, in a transaction of its own left open, the row the publish will
// insert last (its unit revision of the last generated partner): the
// publish, its writers' lock taken and its other rows inserted, waits on
// it until release().
class HoldLastRow {
 public:
  HoldLastRow(const std::string& url, std::uint64_t revision) : connection_(url), watch_(url) {
    connection_.exec("BEGIN");
    held_by_ = connection_.query("SELECT pg_backend_pid()")[0][0].value_or("");
    const std::string name = generated_name(kGenerated - 1);
    (void)connection_.query(
        "INSERT INTO tenet.unit_revisions (tenant, revision, path, hash, source, actor) "
        "VALUES ($1, $2, $3, 'held', 'held', 'test:hold')",
        {name, std::to_string(revision), "tenants/" + name + ".tenet"});
  }
  // True once a publish waits on the held row (bounded by `timeout`).
  bool wait_publish_held(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto rows = watch_.query(
          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
          "AND query LIKE 'INSERT INTO tenet.unit_revisions%'");
      if (rows[0][0].value_or("0") != "0") return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }
  void release() { connection_.exec("ROLLBACK"); }
  // True once no other session runs or keeps an INSERT into
  // unit_revisions (a killed publish's backend has ended).
  bool wait_no_publish(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto rows = watch_.query(
          "SELECT count(*) FROM pg_stat_activity WHERE "
          "query LIKE 'INSERT INTO tenet.unit_revisions%' AND pid <> $1",
          {held_by_});
      if (rows[0][0].value_or("1") == "0") return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

 private:
  store::Connection connection_;  // holds the row
  // Watches pg_stat_activity from outside that transaction (inside one,
  // PostgreSQL shows the same snapshot of it until the transaction ends).
  store::Connection watch_;
  std::string held_by_;  // the holding session's backend
};

class KillDuringPublish : public FleetFailure {
 protected:
  // The shipped policies plus kGenerated partners, published, and three
  // replicas serving them; then the next version written to the copy: a
  // platform part changed (so every partner compiles again) and every
  // generated partner changed.
  void SetUp() override {
    FleetFailure::SetUp();
    if (HasFatalFailure()) return;
    for (std::size_t i = 0; i < kGenerated; ++i) {
      const std::string name = generated_name(i);
      write_policy("tenants/" + name + ".tenet", generated_unit(name, false));
    }
    before_ = publish();
    replicas_ = start_replicas(3);
    ASSERT_TRUE(replicas_->started()) << replicas_->error();
    expect_all(before_, 1, Served::before);

    std::ofstream(policies() / "schema.tenet", std::ios::app)
        << "\n// the platform part, changed by the publish a test interrupts\n";
    for (std::size_t i = 0; i < kGenerated; ++i) {
      const std::string name = generated_name(i);
      write_policy("tenants/" + name + ".tenet", generated_unit(name, true));
    }
  }

  // Every replica connected at store revision `revision`, on platform
  // revision `platform`, serving one side of the publish.
  void expect_all(std::uint64_t revision, std::uint64_t platform, Served side) {
    std::vector<json> last;
    EXPECT_TRUE(replicas_->wait_until_all(
        kHealth,
        [&](const json& health) {
          return connected_at(health, revision) && field(health, "platform_revision") == platform;
        },
        kConverge, &last))
        << dump_all(last);
    for (std::size_t i = 0; i < replicas_->size(); ++i)
      EXPECT_EQ(name_of(served(replicas_->ask(i, kGeneratedBatch))), name_of(side))
          << "replica " << i;
  }

  // Asks every replica over and over until all are connected at store
  // revision `revision` and serve the publish whole; every answer on the
  // way must be one side of it, never a mix.
  void expect_converging_never_mixed(std::uint64_t revision) {
    const auto deadline = Clock::now() + kConverge;
    std::size_t answers = 0;
    bool done = false;
    while (!done && Clock::now() < deadline) {
      done = true;
      for (std::size_t i = 0; i < replicas_->size(); ++i) {
        const Served side = served(replicas_->ask(i, kGeneratedBatch));
        ASSERT_NE(side, Served::mixed) << "replica " << i << " answered from half a publish";
        ASSERT_NE(side, Served::no_answer) << "replica " << i << replicas_->stderr_text();
        ++answers;
        const json health = replicas_->ask(i, kHealth);
        done = done && side == Served::after && connected_at(health, revision) &&
               field(health, "platform_revision") == 2;
      }
    }
    EXPECT_TRUE(done) << dump_all(replicas_->ask_all(kHealth)) << replicas_->stderr_text();
    note("converged after " + std::to_string(answers) + " batches, none mixed");
  }

  std::uint64_t before_ = 0;
  std::unique_ptr<Replicas> replicas_;
};

TEST_F(KillDuringPublish, ReplicasKilledMidPublishEndOnTheSameCompleteRevision) {
  HoldLastRow hold(url_, 2);
  Background publishing({kBinary, "publish", policies().string(), "--store", url_},
                        work_.path() / "publish.out");
  ASSERT_TRUE(publishing.started());
  ASSERT_TRUE(hold.wait_publish_held(milliseconds(60000))) << publishing.output();
  note("the publish holds the writers' lock, its last row waiting");

  // Replica 1 dies while the publish is open, and starts again before it
  // commits: from the last complete revision.
  ASSERT_TRUE(replicas_->at(1).signal(SIGKILL));
  ASSERT_TRUE(replicas_->at(1).wait_exit(milliseconds(10000)).has_value());
  ASSERT_TRUE(replicas_->restart(1)) << replicas_->error();
  note("replica 1 killed and started again");
  expect_all(before_, 1, Served::before);
  EXPECT_EQ(store_revision_of(url_), before_);

  hold.release();
  const std::optional<int> status = publishing.wait(milliseconds(60000));
  ASSERT_EQ(status, 0) << publishing.output();
  const std::string printed = publishing.output();
  EXPECT_NE(printed.find("platform part: revision 2 (applied)"), std::string::npos) << printed;
  EXPECT_NE(printed.find(generated_name(kGenerated - 1) + ": revision 2 (applied)"),
            std::string::npos)
      << printed;
  const std::uint64_t after = store_revision_of(url_);
  ASSERT_EQ(after, before_ + 1);
  // Replica 2 is applying the publish now (a platform change: every
  // partner compiles again): it dies in the middle, and starts again.
  ASSERT_TRUE(replicas_->at(2).signal(SIGKILL));
  ASSERT_TRUE(replicas_->at(2).wait_exit(milliseconds(10000)).has_value());
  note("publish committed; replica 2 killed while applying it");
  ASSERT_TRUE(replicas_->restart(2)) << replicas_->error();
  expect_converging_never_mixed(after);
  expect_all(after, 2, Served::after);
}

TEST_F(KillDuringPublish, APublishKilledMidWayLeavesThePreviousCompleteRevision) {
  const std::size_t unit_rows = count_rows(url_, "tenet.unit_revisions");
  const std::size_t audit_rows = count_rows(url_, "tenet.admin_audit");
  HoldLastRow hold(url_, 2);
  Background publishing({kBinary, "publish", policies().string(), "--store", url_},
                        work_.path() / "publish.out");
  ASSERT_TRUE(publishing.started());
  ASSERT_TRUE(hold.wait_publish_held(milliseconds(60000))) << publishing.output();
  ASSERT_TRUE(publishing.kill(SIGKILL));
  ASSERT_EQ(publishing.wait(milliseconds(10000)), 128 + SIGKILL);
  note("the publish killed with its last row waiting");
  hold.release();
  // Its backend learns the client is gone once its INSERT goes through,
  // and ends, rolling the transaction back.
  ASSERT_TRUE(hold.wait_no_publish(milliseconds(30000)));

  // Nothing of it was written: the store is at the revision before it.
  EXPECT_EQ(store_revision_of(url_), before_);
  EXPECT_EQ(count_rows(url_, "tenet.platform_revisions"), 1U);
  EXPECT_EQ(count_rows(url_, "tenet.unit_revisions"), unit_rows);
  EXPECT_EQ(count_rows(url_, "tenet.admin_audit"), audit_rows);
  // The replicas serve it, each whole; nothing reaches them.
  expect_all(before_, 1, Served::before);

  // The next publish goes through whole, numbered after the complete one.
  const std::uint64_t after = publish();
  EXPECT_EQ(after, before_ + 1);
  expect_converging_never_mixed(after);
  expect_all(after, 2, Served::after);
}

// ------------------------------------------------------------- --cache-dir

TEST_F(FleetFailure, ACacheDirStartsAReplicaWhileTheStoreIsDownThenItCatchesUp) {
  const std::uint64_t first = publish();
  const fs::path behind_cache = work_.path() / "cache-behind";
  const fs::path current_cache = work_.path() / "cache-current";
  const auto cache_args = [&](const fs::path& cache) {
    return [cache](std::size_t) { return std::vector<std::string>{"--cache-dir", cache.string()}; };
  };
  {
    // A replica that applies a switch, then dies (kill -9): its cache has
    // the switch, not what the store gets after it.
    const std::unique_ptr<Replicas> replica = start_replicas(1, cache_args(behind_cache));
    ASSERT_TRUE(replica->started()) << replica->error();
    const json switched = replica->ask(0, set_margin("on"), kWrite);
    ASSERT_EQ(field(switched, "ok"), true) << switched.dump();
  }
  const std::uint64_t cached = store_revision_of(url_);
  ASSERT_EQ(cached, first + 1);
  write_policy("tenants/acme.tenet", kFrozenAcme);
  const std::uint64_t latest = publish();
  {
    // Another one, started now: its cache is the store's latest state.
    const std::unique_ptr<Replicas> replica = start_replicas(1, cache_args(current_cache));
    ASSERT_TRUE(replica->started()) << replica->error();
    std::vector<json> last;
    ASSERT_TRUE(replica->wait_until_all(
        kHealth, [&](const json& health) { return connected_at(health, latest); }, kConverge,
        &last))
        << dump_all(last);
  }
  ASSERT_TRUE(fs::exists(behind_cache / "fleet-cache.json"));
  ASSERT_TRUE(fs::exists(current_cache / "fleet-cache.json"));

  const SystemClock::time_point stopped = SystemClock::now();
  cluster_->stop(StopMode::fast);
  note("PostgreSQL stopped");

  // Without a cache a replica cannot start: exit 2, and it says why and
  // what would have helped.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--store", url_},
        std::vector<std::string>{"--store", url_, "--cache-dir",
                                 (work_.path() / "no-cache-yet").string()}}) {
    std::vector<std::string> argv = args;
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
    test_support::ServerProcess refused(kBinary, argv, 1);
    EXPECT_FALSE(refused.started());
    EXPECT_EQ(refused.wait_exit(milliseconds(10000)), 2) << refused.stderr_text();
    const std::string said = refused.stderr_text();
    EXPECT_NE(said.find("tenet serve: error: the store: cannot connect to the store"),
              std::string::npos)
        << said;
    EXPECT_NE(said.find(args.size() == 2 ? "with --cache-dir, a replica starts from the last "
                                           "state it applied"
                                         : "no cache to start from"),
              std::string::npos)
        << said;
  }

  // With its cache it starts, and serves what it had applied: the switch
  // (trader_desk open), acme's first revision, the token.
  const std::unique_ptr<Replicas> replicas = start_replicas(2, [&](std::size_t index) {
    return std::vector<std::string>{"--cache-dir",
                                    (index == 0 ? behind_cache : current_cache).string()};
  });
  ASSERT_TRUE(replicas->started()) << replicas->error();
  note("two replicas started from their caches");
  const std::vector<json> health = replicas->ask_all(kHealth);
  for (std::size_t i = 0; i < health.size(); ++i) {
    SCOPED_TRACE("replica " + std::to_string(i));
    const json store = field(health[i], "store");
    EXPECT_EQ(field(store, "from_cache"), true) << health[i].dump();
    EXPECT_EQ(field(store, "connected"), false) << health[i].dump();
    EXPECT_EQ(field(store, "revision"), i == 0 ? cached : latest) << health[i].dump();
    const std::optional<SystemClock::time_point> since =
        parse_utc(field(store, "since").is_string() ? store["since"].get<std::string>() : "");
    ASSERT_TRUE(since.has_value()) << health[i].dump();
    EXPECT_GE(*since, stopped - std::chrono::seconds(2)) << health[i].dump();
    EXPECT_TRUE(has_plan(replicas->ask(i, kTraderPlans), "trader_desk"));
    expect_unavailable(replicas->ask(i, set_margin("off"), kWrite), "set_feature");
  }
  EXPECT_TRUE(
      decided(replicas->ask(0, read_own_document("acme", "acme")), "allow", "acme:owner-reads", 1));
  EXPECT_TRUE(
      decided(replicas->ask(1, read_own_document("acme", "acme")), "deny", "acme:freeze", 2));

  // The store is back: both catch up — the one behind gets acme's new
  // revision — and neither says it serves a cache any more.
  cluster_->start();
  note("PostgreSQL started");
  std::vector<json> last;
  EXPECT_TRUE(replicas->wait_until_all(
      kHealth, [&](const json& each) { return connected_at(each, latest); }, kConverge, &last))
      << dump_all(last) << replicas->stderr_text();
  for (std::size_t i = 0; i < replicas->size(); ++i) {
    EXPECT_TRUE(
        decided(replicas->ask(i, read_own_document("acme", "acme")), "deny", "acme:freeze", 2))
        << "replica " << i;
    EXPECT_TRUE(has_plan(replicas->ask(i, kTraderPlans), "trader_desk")) << "replica " << i;
  }
  const json switched = replicas->ask(0, set_margin("off"), kWrite);
  EXPECT_EQ(field(switched, "ok"), true) << switched.dump();
}

}  // namespace
}  // namespace tenet::fleet
