// The fleet agrees (issue 14, "Must show"): three real `tenet serve --store`
// replicas on a PostgreSQL cluster of the test's own.
//
// - A set_feature on replica A, a put_policy on replica B and a `tenet
//   publish` from the CLI reach all three replicas; over 200 changes, the
//   time from a write's `ok` (its commit) to the moment the last replica
//   answers with the new state is measured (p50/p99/max printed and
//   recorded as test properties) and its p99 held to 250 ms.
// - No lost or reverted update: 1,000 set_feature calls on random switches,
//   sent concurrently to all three replicas; afterwards the replicas and the
//   store agree on every switch, and each switch holds its last committed
//   write (the store's audit trail says which that is, and it must agree
//   with what the clients saw in real time).
// - A token revoked with `tenet token revoke` stops working on every
//   replica within the convergence bound, including connections that said
//   hello with it; another token keeps working.
//
// Every wait and loop is bounded in time and count; what is observed is
// what a client sees (decisions, `features`, `health`) and what the store
// holds (SQL).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "server/store/pg_connection.hpp"
#include "tests/fleet/own_cluster.hpp"
#include "tests/fleet/replicas.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::fleet {
namespace {

using nlohmann::json;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using test_support::parse_answer;
using test_support::run_process;
using Clock = std::chrono::steady_clock;

const std::string kBinary = test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

// The issue's bound on loopback: commit to the last replica answering.
#ifndef TENET_SANITIZE
constexpr milliseconds kConvergenceP99(250);  // the issue's bound, on loopback
#else
// Under ASan+UBSan (Debug, instrumented) the replicas are several times
// slower: the test still checks that every change reaches every replica
// promptly, and the figure that counts is the plain build's.
constexpr milliseconds kConvergenceP99(2000);
#endif
// A revoked token must stop working everywhere within this.
constexpr milliseconds kRevocationBound(1000);
// How long a test waits for something that should take milliseconds before
// it calls it a failure (a loaded 2-core machine, an ASan build).
constexpr milliseconds kPatience(10000);
// The polling interval of the measurements: between two rounds of probes
// (one request per replica not yet converged, on its own connection).
constexpr milliseconds kPollInterval(1);

test_support::ProcessResult tenet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, milliseconds(60000));
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `text` with its one occurrence of `from` replaced by `to` (a test that
// edits a shipped policy says so loudly when the policy no longer has it).
std::string replaced(const std::string& text, const std::string& from, const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos)
    throw std::runtime_error("expected exactly one `" + from + "` in the policy text");
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// Replaces the one `from` in the file at `path` by `to`.
void edit(const std::filesystem::path& path, const std::string& from, const std::string& to) {
  const std::string text = replaced(read_file(path), from, to);  // read before truncating
  std::ofstream(path, std::ios::trunc) << text;
}

double to_ms(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// ---------------------------------------------------------- what is probed

// The principal each tenant's `features` request is asked for: chosen so
// that every switch the tests flip shows in the answer (the role matches
// the feature's `for`, its `when` holds).
json principal_of(const std::string& tenant) {
  const std::string role = tenant == "cedar" ? "trader" : "advanced";
  return json{{"id", "u1"},
              {"role", role},
              {"attrs",
               {{"kyc", "verified"},
                {"account_age_days", 100},
                {"country", "DE"},
                {"tags", {"desk", "beta"}}}}};
}

std::string features_line(const std::string& tenant) {
  return json{{"op", "features"}, {"tenant", tenant}, {"principal", principal_of(tenant)}}.dump();
}

// The features a `features` answer enables; nullopt for anything but an
// allow with a feature list.
std::optional<std::set<std::string>> enabled_in(const json& answer) {
  if (!answer.is_object() || answer.value("decision", "") != "allow" ||
      !answer.contains("features") || !answer["features"].is_array())
    return std::nullopt;
  std::set<std::string> names;
  for (const json& name : answer["features"])
    if (name.is_string()) names.insert(name.get<std::string>());
  return names;
}

bool enables(const json& answer, const std::string& feature) {
  const auto enabled = enabled_in(answer);
  return enabled && enabled->count(feature) > 0;
}

bool disables(const json& answer, const std::string& feature) {
  const auto enabled = enabled_in(answer);
  return enabled && enabled->count(feature) == 0;
}

std::int64_t revision_of(const json& answer) {
  return answer.is_object() && answer.contains("revision") && answer["revision"].is_number()
             ? answer["revision"].get<std::int64_t>()
             : -1;
}

std::int64_t store_revision_in_health(const json& answer) {
  if (!answer.is_object() || !answer.contains("store") || !answer["store"].is_object()) return -1;
  const json& store = answer["store"];
  return store.contains("revision") && store["revision"].is_number()
             ? store["revision"].get<std::int64_t>()
             : -1;
}

std::string set_feature_line(const std::string& tenant, const std::string& feature,
                             const std::string& state) {
  return json{{"op", "set_feature"}, {"tenant", tenant}, {"feature", feature}, {"state", state}}
      .dump();
}

std::string hello_line(const std::string& token) {
  return json{{"op", "hello"}, {"token", token}}.dump();
}

const std::string kHealth = R"({"op":"health"})";

// A check that the shipped cedar tenant allows (its trader reads own documents).
const std::string kCedarCheck =
    R"({"op":"check","tenant":"cedar","principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";

// ------------------------------------------------------------- the fleet

struct Token {
  std::string secret;
  std::string id;
};

// A store in a cluster of its own with policies/ published, a global token
// with every right, and three replicas serving the store, every connection
// greeted with that token.
class Fleet : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<OwnCluster>();
    cluster_->create_database("fleet");
    url_ = cluster_->url("fleet");
    const auto init = tenet({"store", "init", url_});
    ASSERT_EQ(init.status, 0) << init.output;
    const auto published = tenet({"publish", kPolicies, "--store", url_});
    ASSERT_EQ(published.status, 0) << published.output;
    const std::optional<Token> admin = new_token("*", "check,admin,author");
    ASSERT_TRUE(admin.has_value());
    admin_ = *admin;
    replicas_ = std::make_unique<Replicas>(kBinary, 3, std::vector<std::string>{"--store", url_});
    ASSERT_TRUE(replicas_->started()) << replicas_->error();
    replicas_->greet_with(hello_line(admin_.secret));
  }

  // `tenet token new --store`: the token and its id (nullopt, and a test
  // failure, when the CLI refuses).
  std::optional<Token> new_token(const std::string& tenant, const std::string& rights) const {
    const auto made =
        tenet({"token", "new", "--tenant", tenant, "--rights", rights, "--store", url_});
    std::istringstream lines(made.output);
    Token token;
    std::getline(lines, token.secret);
    std::getline(lines, token.id);
    if (made.status != 0 || token.id.rfind("sha256:", 0) != 0) {
      ADD_FAILURE() << "tenet token new: " << made.output;
      return std::nullopt;
    }
    return token;
  }

  // One query on a fresh connection to the store (the test's view, not a
  // replica's).
  [[nodiscard]] std::vector<store::Row> sql(const std::string& query) const {
    store::Connection connection(url_);
    return connection.query(query);
  }
  [[nodiscard]] std::int64_t store_revision() const {
    return std::stoll(sql("SELECT revision FROM tenet.fleet").at(0).at(0).value_or("-1"));
  }

  // One greeted connection per replica, kept for a whole measurement:
  // a new connection per probe would measure TCP and hello, not the fleet.
  [[nodiscard]] std::vector<LineClient> connect_each() const {
    std::vector<LineClient> clients;
    for (std::size_t i = 0; i < replicas_->size(); ++i) {
      clients.push_back(replicas_->connect(i));
      EXPECT_TRUE(clients.back().open()) << "replica " << i << ": " << clients.back().error();
    }
    return clients;
  }

  std::unique_ptr<OwnCluster> cluster_;
  std::string url_;
  Token admin_;
  std::unique_ptr<Replicas> replicas_;
};

json ask_on(LineClient& client, const std::string& line, milliseconds timeout = kPatience) {
  return parse_answer(client.request(line, timeout));
}

bool is_ok(const json& answer) {
  return answer.is_object() && answer.value("ok", false) == true &&
         test_support::error_code(answer).empty();
}

// ------------------------------------------------ each kind of change arrives

TEST_F(Fleet, ASwitchAPutPolicyAndAPublishReachEveryReplica) {
  std::vector<json> last;
  const std::string cedar = features_line("cedar");
  const std::string lumen = features_line("lumen");
  const std::string northwind = features_line("northwind");

  // Before: what policies/ says, on every replica.
  for (const json& answer : replicas_->ask_all(cedar)) EXPECT_TRUE(disables(answer, "margin"));
  for (const json& answer : replicas_->ask_all(lumen)) {
    EXPECT_TRUE(enables(answer, "beta_ui")) << answer;
    EXPECT_TRUE(enables(answer, "statements")) << answer;
    EXPECT_EQ(revision_of(answer), 1) << answer;
  }

  // (a) set_feature on replica A (0): cedar's margin, off for traders in
  // the policy, switched on.
  EXPECT_TRUE(is_ok(replicas_->ask(0, set_feature_line("cedar", "margin", "on"))));
  EXPECT_TRUE(enables(replicas_->ask(0, cedar), "margin"));  // read-your-writes
  EXPECT_TRUE(replicas_->wait_until_all(
      cedar, [](const json& answer) { return enables(answer, "margin"); }, kPatience, &last))
      << json(last).dump() << replicas_->stderr_text();

  // (b) put_policy on replica B (1): lumen's unit with the beta UI off.
  const std::string lumen_path = kPolicies + "/tenants/lumen.tenet";
  const std::string lumen_off =
      replaced(read_file(lumen_path), "feature beta_ui on;", "feature beta_ui off;");
  const json put = replicas_->ask(
      1, json{{"op", "put_policy"}, {"tenant", "lumen"}, {"source", lumen_off}}.dump());
  ASSERT_TRUE(is_ok(put)) << put;
  const std::int64_t put_revision = revision_of(put);
  EXPECT_EQ(put_revision, 2) << put;
  const auto lumen_put = [put_revision](const json& answer) {
    return disables(answer, "beta_ui") && revision_of(answer) == put_revision;
  };
  EXPECT_TRUE(lumen_put(replicas_->ask(1, lumen)));  // read-your-writes
  EXPECT_TRUE(replicas_->wait_until_all(lumen, lumen_put, kPatience, &last))
      << json(last).dump() << replicas_->stderr_text();

  // (c) `tenet publish` of a changed copy of policies/: the platform part
  // (retail's statements off for everyone who does not restate them) and
  // northwind (instant payouts no longer in DE). Lumen's text in the copy
  // is the original one, so the publish writes it again (beta UI on).
  const test_support::TempDir dir("tenet-fleet-publish");
  const std::filesystem::path copy = dir.path() / "policies";
  std::filesystem::copy(kPolicies, copy, std::filesystem::copy_options::recursive);
  edit(copy / "templates" / "retail.tenet", "feature statements on;", "feature statements off;");
  edit(copy / "tenants" / "northwind.tenet", R"(["DE", "AT", "CH"])", R"(["AT", "CH"])");
  const auto published = tenet({"publish", copy.string(), "--store", url_});
  ASSERT_EQ(published.status, 0) << published.output;
  EXPECT_NE(published.output.find("platform part: revision 2"), std::string::npos)
      << published.output;
  EXPECT_NE(published.output.find("northwind: revision 2"), std::string::npos) << published.output;
  EXPECT_NE(published.output.find("lumen: revision 3"), std::string::npos) << published.output;
  const std::int64_t published_revision = store_revision();

  EXPECT_TRUE(replicas_->wait_until_all(
      kHealth,
      [published_revision](const json& answer) {
        return store_revision_in_health(answer) == published_revision &&
               answer.value("platform_revision", -1) == 2;
      },
      kPatience, &last))
      << json(last).dump() << replicas_->stderr_text();
  // The store revision in health is applied, so every replica answers
  // from the published texts now, not eventually.
  for (std::size_t i = 0; i < replicas_->size(); ++i) {
    SCOPED_TRACE("replica " + std::to_string(i));
    const json lumen_answer = replicas_->ask(i, lumen);
    EXPECT_TRUE(enables(lumen_answer, "beta_ui")) << lumen_answer;
    EXPECT_TRUE(disables(lumen_answer, "statements")) << lumen_answer;
    EXPECT_EQ(revision_of(lumen_answer), 3) << lumen_answer;
    const json northwind_answer = replicas_->ask(i, northwind);
    EXPECT_TRUE(disables(northwind_answer, "instant_payouts")) << northwind_answer;
    EXPECT_TRUE(disables(northwind_answer, "statements")) << northwind_answer;
    EXPECT_EQ(revision_of(northwind_answer), 2) << northwind_answer;
    // The switch of (a) outlives a publish of the policies.
    const json cedar_answer = replicas_->ask(i, cedar);
    EXPECT_TRUE(enables(cedar_answer, "margin")) << cedar_answer;
    EXPECT_EQ(revision_of(cedar_answer), 1) << cedar_answer;
  }
}

// ------------------------------------------------ convergence, measured

struct Switch {
  std::string tenant;
  std::string feature;
};

TEST_F(Fleet, TwoHundredChangesReachTheLastReplicaWithinTheBound) {
  // Switches flipped on cedar and northwind, put_policy on lumen: a unit's
  // text never changes what a switch of another tenant does.
  const std::vector<Switch> switches = {{"cedar", "trading"},     {"cedar", "margin"},
                                        {"cedar", "beta_ui"},     {"northwind", "trading"},
                                        {"northwind", "beta_ui"}, {"northwind", "instant_payouts"}};
  const std::string lumen_text = read_file(kPolicies + "/tenants/lumen.tenet");
  std::vector<LineClient> writers = connect_each();
  std::vector<LineClient> probes = connect_each();
  ASSERT_FALSE(HasFailure());

  // Where every switch stands now (all at their defaults): the state a
  // flip must change.
  std::map<std::string, bool> enabled;
  for (const Switch& s : switches)
    enabled[s.tenant + "/" + s.feature] =
        enables(ask_on(probes[0], features_line(s.tenant)), s.feature);

  constexpr std::size_t kChanges = 200;
  constexpr std::size_t kEveryNthIsAPut = 5;
  std::mt19937 random(14);
  std::vector<Clock::duration> to_last;  // commit -> the last replica answers with it
  std::size_t stale_writer = 0;          // the replica written to answered the old state
  std::size_t puts = 0;
  bool lumen_beta_on = true;
  for (std::size_t change = 0; change < kChanges; ++change) {
    const std::size_t writer = random() % writers.size();
    std::string probe;
    std::function<bool(const json&)> arrived;
    std::string write;
    std::string what;
    if (change % kEveryNthIsAPut == kEveryNthIsAPut - 1) {
      lumen_beta_on = !lumen_beta_on;
      const std::string source =
          lumen_beta_on ? lumen_text
                        : replaced(lumen_text, "feature beta_ui on;", "feature beta_ui off;");
      write = json{{"op", "put_policy"}, {"tenant", "lumen"}, {"source", source}}.dump();
      probe = features_line("lumen");
      what = "put_policy lumen";
    } else {
      const Switch& s = switches[random() % switches.size()];
      bool& now = enabled[s.tenant + "/" + s.feature];
      now = !now;
      write = set_feature_line(s.tenant, s.feature, now ? "on" : "off");
      probe = features_line(s.tenant);
      const bool want = now;
      const std::string feature = s.feature;
      arrived = [want, feature](const json& answer) {
        return want ? enables(answer, feature) : disables(answer, feature);
      };
      what = "set_feature " + s.tenant + " " + s.feature + (want ? " on" : " off");
    }
    const json answer = ask_on(writers[writer], write);
    const Clock::time_point committed = Clock::now();
    ASSERT_TRUE(is_ok(answer)) << "change " << change << " (" << what << ") on replica " << writer
                               << ": " << answer << replicas_->stderr_text();
    if (!arrived) {
      ++puts;
      const std::int64_t revision = revision_of(answer);
      const bool want_beta = lumen_beta_on;
      arrived = [revision, want_beta](const json& probed) {
        return revision_of(probed) == revision &&
               (want_beta ? enables(probed, "beta_ui") : disables(probed, "beta_ui"));
      };
    }

    // Probe every replica not yet showing the change, on its own
    // connection, every kPollInterval, until all do (bounded).
    std::array<std::optional<Clock::duration>, 3> seen{};
    std::array<json, 3> last{};
    const Clock::time_point deadline = committed + kPatience;
    for (std::size_t round = 0; round < 20000 && Clock::now() < deadline; ++round) {
      bool all = true;
      for (std::size_t i = 0; i < probes.size(); ++i) {
        if (seen[i]) continue;
        last[i] = ask_on(probes[i], probe, milliseconds(2000));
        if (arrived(last[i])) {
          seen[i] = Clock::now() - committed;
        } else {
          if (i == writer && round == 0) ++stale_writer;
          all = false;
        }
      }
      if (all) break;
      std::this_thread::sleep_for(kPollInterval);
    }
    Clock::duration slowest{};
    for (std::size_t i = 0; i < probes.size(); ++i) {
      ASSERT_TRUE(seen[i].has_value())
          << "change " << change << " (" << what << ", written on replica " << writer
          << ") not seen on replica " << i << " after " << kPatience.count()
          << " ms; its last answer: " << last[i] << replicas_->stderr_text();
      slowest = std::max(slowest, *seen[i]);
    }
    to_last.push_back(slowest);
  }
  EXPECT_EQ(stale_writer, 0U) << "the replica written to answered with the old state after ok";
  EXPECT_EQ(puts, kChanges / kEveryNthIsAPut);

  std::sort(to_last.begin(), to_last.end());
  const auto percentile = [&to_last](double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(to_last.size())));
    return to_last[std::clamp<std::size_t>(rank, 1, to_last.size()) - 1];
  };
  const Clock::duration p50 = percentile(0.50);
  const Clock::duration p99 = percentile(0.99);
  const Clock::duration max = to_last.back();
  std::printf(
      "[ figures  ] convergence, commit -> last of 3 replicas, %zu changes (%zu put_policy): "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms (poll every %lld ms)\n",
      to_last.size(), puts, to_ms(p50), to_ms(p99), to_ms(max),
      static_cast<long long>(kPollInterval.count()));
  RecordProperty("convergence_changes", static_cast<int>(to_last.size()));
  RecordProperty("convergence_p50_us",
                 static_cast<int>(std::chrono::duration_cast<microseconds>(p50).count()));
  RecordProperty("convergence_p99_us",
                 static_cast<int>(std::chrono::duration_cast<microseconds>(p99).count()));
  RecordProperty("convergence_max_us",
                 static_cast<int>(std::chrono::duration_cast<microseconds>(max).count()));
  EXPECT_LE(p99, kConvergenceP99) << "p50 " << to_ms(p50) << " ms, max " << to_ms(max) << " ms";
}

// ------------------------------------------- no lost or reverted update

TEST_F(Fleet, AThousandConcurrentSwitchWritesEndAtTheLastCommittedOneEverywhere) {
  const std::vector<Switch> switches = {{"cedar", "trading"},     {"cedar", "beta_ui"},
                                        {"cedar", "margin"},      {"cedar", "statements"},
                                        {"lumen", "beta_ui"},     {"lumen", "statements"},
                                        {"lumen", "trading"},     {"northwind", "trading"},
                                        {"northwind", "beta_ui"}, {"northwind", "instant_payouts"}};
  const std::vector<std::string> tenants = {"cedar", "lumen", "northwind"};
  const std::array<std::string, 3> states = {"on", "off", "default"};

  // What each tenant's probe enables with every switch at its default: what
  // a switch set to "default" must show at the end.
  std::map<std::string, std::set<std::string>> by_default;
  for (const std::string& tenant : tenants) {
    const auto enabled = enabled_in(replicas_->ask(0, features_line(tenant)));
    ASSERT_TRUE(enabled.has_value()) << tenant;
    by_default[tenant] = *enabled;
  }
  const std::int64_t revision_before = store_revision();

  // 6 clients, two per replica, each on its own connection, each sending
  // its share of the 1,000 writes one after another: up to 6 writes in
  // flight at once, on three replicas, racing for the same ten switches.
  struct Write {
    std::size_t which = 0;
    std::string state;
    Clock::time_point sent;
    Clock::time_point answered;
    json answer;
  };
  constexpr std::size_t kWrites = 1000;
  constexpr std::size_t kClients = 6;
  std::vector<std::vector<Write>> writes(kClients);
  std::vector<std::string> client_errors(kClients);
  const Clock::time_point give_up = Clock::now() + milliseconds(120000);
  {
    std::vector<std::thread> clients;
    for (std::size_t c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        LineClient client = replicas_->connect(c % replicas_->size());
        if (!client.open()) {
          client_errors[c] = "cannot connect: " + client.error();
          return;
        }
        std::mt19937 random(static_cast<std::mt19937::result_type>(1400 + c));
        const std::size_t share = kWrites / kClients + (c < kWrites % kClients ? 1 : 0);
        for (std::size_t n = 0; n < share && Clock::now() < give_up; ++n) {
          Write write;
          write.which = random() % switches.size();
          write.state = states[random() % states.size()];
          const Switch& target = switches[write.which];
          write.sent = Clock::now();
          write.answer =
              ask_on(client, set_feature_line(target.tenant, target.feature, write.state));
          write.answered = Clock::now();
          const bool lost = !write.answer.is_object();
          writes[c].push_back(std::move(write));
          if (lost) {
            client_errors[c] = "no answer: " + client.error();
            return;
          }
        }
      });
    }
    for (std::thread& client : clients) client.join();
  }
  for (std::size_t c = 0; c < kClients; ++c) EXPECT_EQ(client_errors[c], "") << "client " << c;

  // Every write answered, and (nothing here may legitimately fail) ok.
  std::size_t sent = 0;
  std::map<std::string, std::size_t> refused;  // outcome -> count
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> acknowledged;
  for (const auto& mine : writes) {
    for (const Write& write : mine) {
      ++sent;
      if (!is_ok(write.answer)) {
        ++refused[outcome_of(write.answer) + " " + write.answer.dump()];
        continue;
      }
      const Switch& target = switches[write.which];
      ++acknowledged[{target.tenant, target.feature, write.state}];
    }
  }
  std::size_t ok = 0;
  for (const auto& [key, count] : acknowledged) ok += count;
  EXPECT_EQ(sent, kWrites);
  EXPECT_EQ(ok, kWrites) << "refused: " << json(refused).dump() << replicas_->stderr_text();
  std::printf(
      "[ figures  ] %zu concurrent set_feature from %zu clients on 3 replicas: %zu ok, %zu "
      "refused\n",
      sent, kClients, ok, sent - ok);

  // Each ok is one committed change of the store, no more, no less.
  const std::int64_t revision_after = store_revision();
  EXPECT_EQ(revision_after - revision_before, static_cast<std::int64_t>(ok));

  // The replicas converge: each has applied every change of the store.
  std::vector<json> last;
  ASSERT_TRUE(replicas_->wait_until_all(
      kHealth,
      [revision_after](const json& answer) {
        return store_revision_in_health(answer) == revision_after;
      },
      kPatience, &last))
      << "store at " << revision_after << "; " << json(last).dump() << replicas_->stderr_text();

  // The audit trail, in commit order (its ids are taken inside the
  // writers' lock): every acknowledged write exactly once, and each saw the
  // one before it (its `before` is the previous write's `after`): nothing
  // lost, nothing applied on a stale state.
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> audited;
  std::map<std::pair<std::string, std::string>, std::string> last_committed;
  std::size_t broken_chain = 0;
  std::string first_break;
  for (const store::Row& row :
       sql("SELECT tenant, subject, before->>'state', after->>'state' FROM tenet.admin_audit "
           "WHERE action = 'set_feature' ORDER BY id")) {
    const std::string tenant = row.at(0).value_or("");
    const std::string feature = row.at(1).value_or("");
    const std::string before = row.at(2).value_or("?");
    const std::string after = row.at(3).value_or("?");
    ++audited[{tenant, feature, after}];
    const auto [at, fresh] = last_committed.try_emplace({tenant, feature}, "default");
    if (at->second != before) {
      if (broken_chain++ == 0)
        first_break = tenant + "/" + feature + ": before " + before + " after " + at->second;
    }
    at->second = after;
  }
  EXPECT_EQ(audited, acknowledged) << "the audit trail and the acknowledged writes differ";
  EXPECT_EQ(broken_chain, 0U) << "a write did not see the one committed before it: " << first_break;

  // The store's switches: each the last committed write's state.
  std::map<std::pair<std::string, std::string>, std::string> in_store;
  for (const store::Row& row : sql("SELECT tenant, feature, state FROM tenet.feature_switches"))
    in_store[{row.at(0).value_or(""), row.at(1).value_or("")}] = row.at(2).value_or("");

  for (std::size_t which = 0; which < switches.size(); ++which) {
    const Switch& target = switches[which];
    const std::pair<std::string, std::string> key{target.tenant, target.feature};
    SCOPED_TRACE(target.tenant + "/" + target.feature);
    const std::string store_state = in_store.count(key) > 0 ? in_store[key] : "default";
    const std::string committed_last =
        last_committed.count(key) > 0 ? last_committed[key] : "default";
    EXPECT_EQ(store_state, committed_last);

    // ...and one the clients could have ended with: the last committed
    // write is one that no other write of this switch followed in real
    // time (sent after it was acknowledged).
    std::set<std::string> could_be_last;
    std::vector<const Write*> mine;
    for (const auto& client : writes)
      for (const Write& write : client)
        if (write.which == which && is_ok(write.answer)) mine.push_back(&write);
    for (const Write* write : mine) {
      const bool followed = std::any_of(mine.begin(), mine.end(), [write](const Write* other) {
        return other->sent > write->answered;
      });
      if (!followed) could_be_last.insert(write->state);
    }
    if (mine.empty()) could_be_last.insert("default");
    EXPECT_EQ(could_be_last.count(committed_last), 1U)
        << "ended " << committed_last << ", but the writes that could be last set "
        << json(could_be_last).dump();

    // Every replica answers with that state.
    const bool want = store_state == "on"    ? true
                      : store_state == "off" ? false
                                             : by_default[target.tenant].count(target.feature) > 0;
    for (std::size_t i = 0; i < replicas_->size(); ++i) {
      const json answer = replicas_->ask(i, features_line(target.tenant));
      EXPECT_TRUE(want ? enables(answer, target.feature) : disables(answer, target.feature))
          << "replica " << i << " (store: " << store_state << "): " << answer;
    }
  }
}

// ------------------------------------------------------- token revocation

// A connection to replica `index` that said hello with `token`; closed
// unless the replica accepted it.
LineClient hello_on(const Replicas& replicas, std::size_t index, const std::string& token,
                    json* answer = nullptr) {
  std::optional<LineClient> client = LineClient::tcp(replicas.port(index));
  if (!client) return LineClient();
  const json said = ask_on(*client, hello_line(token));
  if (answer != nullptr) *answer = said;
  return is_ok(said) ? std::move(*client) : LineClient();
}

TEST_F(Fleet, ARevokedTokenStopsOnEveryReplicaAndOnItsLiveConnections) {
  const std::optional<Token> doomed = new_token("cedar", "check");
  const std::optional<Token> kept = new_token("cedar", "check");
  ASSERT_TRUE(doomed && kept);

  // Tokens made after the replicas started reach them like any change:
  // each replica takes both within the patience.
  const std::size_t count = replicas_->size();
  std::vector<LineClient> doomed_sessions(count);
  std::vector<LineClient> kept_sessions(count);
  const Clock::time_point arrive_by = Clock::now() + kPatience;
  for (std::size_t i = 0; i < count; ++i) {
    json said;
    for (std::size_t attempt = 0; attempt < 1000; ++attempt) {
      if (!doomed_sessions[i].open())
        doomed_sessions[i] = hello_on(*replicas_, i, doomed->secret, &said);
      if (!kept_sessions[i].open()) kept_sessions[i] = hello_on(*replicas_, i, kept->secret, &said);
      if ((doomed_sessions[i].open() && kept_sessions[i].open()) || Clock::now() >= arrive_by)
        break;
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_TRUE(doomed_sessions[i].open() && kept_sessions[i].open())
        << "replica " << i << " does not take the new tokens: " << said << replicas_->stderr_text();
    EXPECT_EQ(outcome_of(ask_on(doomed_sessions[i], kCedarCheck)), "allow");
    EXPECT_EQ(outcome_of(ask_on(kept_sessions[i], kCedarCheck)), "allow");
  }

  const Clock::time_point started = Clock::now();
  const auto revoked = tenet({"token", "revoke", doomed->id, "--store", url_});
  const Clock::time_point exited = Clock::now();
  ASSERT_EQ(revoked.status, 0) << revoked.output;
  EXPECT_NE(revoked.output.find("revoked " + doomed->id), std::string::npos) << revoked.output;

  // Each live session of the revoked token asks again every kPollInterval:
  // allowed until its replica has the revocation, then refused.
  std::vector<std::optional<Clock::time_point>> refused_at(count);
  std::vector<json> last(count);
  std::size_t unexpected = 0;
  const Clock::time_point deadline = started + kPatience;
  for (std::size_t round = 0; round < 20000 && Clock::now() < deadline; ++round) {
    bool all = true;
    for (std::size_t i = 0; i < count; ++i) {
      if (refused_at[i]) continue;
      last[i] = ask_on(doomed_sessions[i], kCedarCheck, milliseconds(2000));
      const std::string outcome = outcome_of(last[i]);
      if (outcome == "error:unauthenticated") {
        refused_at[i] = Clock::now();
        EXPECT_NE(last[i]["error"].value("message", "").find("revoked"), std::string::npos)
            << last[i];
      } else {
        if (outcome != "allow") ++unexpected;
        all = false;
      }
    }
    if (all) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  EXPECT_EQ(unexpected, 0U) << "answers other than allow before the revocation arrived";
  Clock::duration slowest{};
  for (std::size_t i = 0; i < count; ++i) {
    ASSERT_TRUE(refused_at[i].has_value())
        << "replica " << i << " still serves the revoked token: " << last[i]
        << replicas_->stderr_text();
    slowest = std::max(slowest, *refused_at[i] - started);
  }
  // From the start of `tenet token revoke` (the commit is somewhere between
  // its start and its exit): an upper bound of the time the fleet took.
  std::printf(
      "[ figures  ] token revoked on all 3 replicas %.2f ms after `tenet token revoke` "
      "started (%.2f ms after it exited; the command took %.2f ms)\n",
      to_ms(slowest), to_ms(slowest - (exited - started)), to_ms(exited - started));
  RecordProperty("revocation_us",
                 static_cast<int>(std::chrono::duration_cast<microseconds>(slowest).count()));
  EXPECT_LE(slowest, kRevocationBound);

  for (std::size_t i = 0; i < count; ++i) {
    SCOPED_TRACE("replica " + std::to_string(i));
    // The session has no rights left, and cannot get them back with the token.
    EXPECT_EQ(outcome_of(ask_on(doomed_sessions[i], kCedarCheck)), "error:unauthenticated");
    EXPECT_EQ(outcome_of(ask_on(doomed_sessions[i], hello_line(doomed->secret))),
              "error:unauthenticated");
    json said;
    EXPECT_FALSE(hello_on(*replicas_, i, doomed->secret, &said).open());
    EXPECT_EQ(outcome_of(said), "error:unauthenticated") << said;
    // The other token of the same tenant goes on, old session and new.
    EXPECT_EQ(outcome_of(ask_on(kept_sessions[i], kCedarCheck)), "allow");
    LineClient fresh = hello_on(*replicas_, i, kept->secret);
    ASSERT_TRUE(fresh.open());
    EXPECT_EQ(outcome_of(ask_on(fresh, kCedarCheck)), "allow");
  }
}

// A token made with an expiry in the store: every replica answers it at
// hello, and refuses it from that instant on, on its open sessions and at
// a new hello. The expiry is in the store row and its audit record.
TEST_F(Fleet, AStoreTokenWithAnExpiryStopsOnEveryReplicaWhenItExpires) {
  const auto made = tenet({"token", "new", "--tenant", "cedar", "--rights", "check", "--expires-in",
                           "6s", "--store", url_});
  ASSERT_EQ(made.status, 0) << made.output;
  std::istringstream lines(made.output);
  Token token;
  std::getline(lines, token.secret);
  std::getline(lines, token.id);
  const std::string stored =
      sql("SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
          "FROM tenet.tokens WHERE tenant = 'cedar'")
          .at(0)
          .at(0)
          .value_or("none");
  EXPECT_EQ(sql("SELECT after->>'expires' FROM tenet.admin_audit WHERE action = 'token_new' "
                "AND subject = '" +
                token.id + "'")
                .at(0)
                .at(0)
                .value_or("none"),
            stored);

  const std::size_t count = replicas_->size();
  std::vector<LineClient> sessions(count);
  const Clock::time_point arrive_by = Clock::now() + kPatience;
  for (std::size_t i = 0; i < count; ++i) {
    json said;
    while (!sessions[i].open() && Clock::now() < arrive_by) {
      sessions[i] = hello_on(*replicas_, i, token.secret, &said);
      if (!sessions[i].open()) std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_TRUE(sessions[i].open()) << "replica " << i << ": " << said;
    EXPECT_EQ(said.value("expires", ""), stored) << "replica " << i << ": " << said;
    EXPECT_EQ(outcome_of(ask_on(sessions[i], kCedarCheck)), "allow");
  }
  // Past the expiry (6 s from its making, rounded up to the second).
  const std::string expired_line =
      sql("SELECT greatest(0, ceil(extract(epoch FROM expires_at - now()) * 1000))::bigint FROM "
          "tenet.tokens WHERE tenant = 'cedar'")
          .at(0)
          .at(0)
          .value_or("0");
  std::this_thread::sleep_for(milliseconds(std::stoll(expired_line) + 1100));
  for (std::size_t i = 0; i < count; ++i) {
    SCOPED_TRACE("replica " + std::to_string(i));
    const json refused = ask_on(sessions[i], kCedarCheck);
    EXPECT_EQ(outcome_of(refused), "error:unauthenticated") << refused;
    EXPECT_NE(refused["error"].value("message", "").find("expired at " + stored), std::string::npos)
        << refused;
    json said;
    EXPECT_FALSE(hello_on(*replicas_, i, token.secret, &said).open());
    EXPECT_EQ(outcome_of(said), "error:unauthenticated") << said;
  }
}

// ------------------------------------------------- the store connections

TEST_F(Fleet, ReplicasKeepTheirStoreConnectionsAcrossWritesAndCatchUps) {
  // A write or a catch-up that opened a new connection to PostgreSQL each
  // time would cost a backend start (tens of milliseconds) per change on
  // every replica. The backends serving the replicas stay the same over
  // 30 writes spread over the three of them.
  const auto backends = [this] {
    std::set<std::string> pids;
    for (const store::Row& row :
         sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
             "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"))
      pids.insert(row.at(0).value_or(""));
    return pids;
  };
  const auto write_and_converge = [this](std::size_t count) {
    for (std::size_t n = 0; n < count; ++n) {
      const json answer = replicas_->ask(
          n % replicas_->size(), set_feature_line("cedar", "margin", n % 2 == 0 ? "on" : "off"));
      ASSERT_TRUE(is_ok(answer)) << answer;
    }
    const std::int64_t revision = store_revision();
    std::vector<json> last;
    ASSERT_TRUE(replicas_->wait_until_all(
        kHealth,
        [revision](const json& answer) { return store_revision_in_health(answer) == revision; },
        kPatience, &last))
        << json(last).dump();
  };
  write_and_converge(3);  // every replica has written and caught up once
  const std::set<std::string> before = backends();
  // A listening connection and a working one per replica.
  EXPECT_EQ(before.size(), 2 * replicas_->size()) << json(before).dump();
  write_and_converge(30);
  EXPECT_EQ(backends(), before);
}

}  // namespace
}  // namespace tenet::fleet
