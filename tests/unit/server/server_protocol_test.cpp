// server/protocol without sockets: sessions (hello, failed hellos,
// unauthenticated, forbidden), stats, set_feature persistence (no-ops,
// no state file), fair admin work, reload failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "server/protocol.hpp"

namespace tenet::server {
namespace {

namespace fs = std::filesystem;

const std::string kAcmeCheck =
    R"({"id":1,"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";
const std::string kCedarCheck =
    R"({"id":2,"op":"check","tenant":"cedar","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}}})";

std::string hash_line(const std::string& token, const std::string& tenant,
                      const std::string& rights) {
  const auto hash = sha256(token);
  return to_hex(hash.data(), hash.size()) + ' ' + tenant + ' ' + rights + '\n';
}

class ServerProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tenet_protocol_test_" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(fs::path(TENET_SOURCE_DIR) / "policies", dir_ / "policies",
             fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `with_state`: a --state file (dir_/state.json); without one set_feature is refused.
  std::unique_ptr<Service> make_service(bool with_tokens, bool with_state = true) {
    std::optional<TokenStore> tokens;
    if (with_tokens) {
      auto loaded = TokenStore::parse(hash_line("lumen-check", "lumen", "check") +
                                          hash_line("lumen-admin", "lumen", "check,admin") +
                                          hash_line("root", "*", "check,admin"),
                                      "tokens");
      EXPECT_TRUE(loaded.store) << loaded.error;
      tokens = std::move(loaded.store);
    }
    auto features = std::make_unique<FeatureState>();
    EXPECT_FALSE(FeatureState::load(
        with_state ? std::optional<fs::path>(dir_ / "state.json") : std::nullopt, *features));
    auto loaded = Engine::load(dir_ / "policies");
    EXPECT_TRUE(loaded.engine);
    return std::make_unique<Service>(dir_ / "policies", std::move(loaded.engine), std::move(tokens),
                                     std::move(features));
  }

  std::string ask(Service& service, Protocol& protocol, const std::string& line) {
    auto policies = service.engine().snapshot();
    std::string out;
    protocol.handle(policies, line, scratch_, out);
    return out;
  }

  fs::path dir_;
  Scratch scratch_;
};

TEST_F(ServerProtocolTest, WithoutTokensEveryOpIsAllowed) {
  auto service = make_service(false);
  Protocol protocol(*service);
  EXPECT_EQ(ask(*service, protocol, R"({"op":"health"})"),
            "{\"ok\":true,\"policy_version\":1,\"units\":{\"served\":5,\"unavailable\":[]}}\n");
  EXPECT_NE(ask(*service, protocol, kAcmeCheck).find("\"decision\":\"allow\""), std::string::npos);
  EXPECT_NE(ask(*service, protocol, "nope").find("bad_json"), std::string::npos);
  const std::string stats = ask(*service, protocol, R"({"op":"stats"})");
  EXPECT_NE(stats.find("\"decisions\":{\"allow\":1,\"deny\":0}"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"bad_json\":1"), std::string::npos) << stats;
}

TEST_F(ServerProtocolTest, TokensScopeTheSession) {
  auto service = make_service(true);
  Protocol protocol(*service);
  EXPECT_NE(ask(*service, protocol, R"({"op":"health"})").find("\"ok\":true"), std::string::npos);
  const std::string before = ask(*service, protocol, kAcmeCheck);
  EXPECT_NE(before.find("unauthenticated"), std::string::npos) << before;
  EXPECT_NE(before.find("\"decision\":\"deny\""), std::string::npos) << before;
  EXPECT_NE(ask(*service, protocol, R"({"op":"hello","token":"wrong"})").find("unauthenticated"),
            std::string::npos);
  EXPECT_EQ(ask(*service, protocol, R"({"id":7,"op":"hello","token":"lumen-check"})"),
            "{\"id\":7,\"ok\":true,\"tenant\":\"lumen\",\"expires\":null,\"version\":\"0.1.0\"}\n");
  EXPECT_NE(ask(*service, protocol, kAcmeCheck).find("\"allow\""), std::string::npos);
  EXPECT_NE(ask(*service, protocol, kCedarCheck).find("forbidden"), std::string::npos);
  const std::string batch = ask(
      *service, protocol, R"({"op":"batch","requests":[)" + kAcmeCheck + ',' + kCedarCheck + "]}");
  EXPECT_NE(batch.find("lumen:owner-reads"), std::string::npos) << batch;
  EXPECT_NE(batch.find("forbidden"), std::string::npos) << batch;
  EXPECT_NE(ask(*service, protocol, R"({"op":"stats"})").find("forbidden"), std::string::npos);
}

// A batch is decided with read-ahead (items parsed and prefetched before
// the ones before them are answered): its results must be exactly the
// answers of its items sent one by one, whatever the mix — allow and deny
// checks over every shipped tenant, other ops, invalid items, protocol
// errors, ids of every form, items of another tenant under a scoped token.
TEST_F(ServerProtocolTest, BatchResultsEqualTheItemsAnsweredOneByOne) {
  std::vector<std::string> items;
  std::ifstream mix(fs::path(TENET_SOURCE_DIR) / "bench" / "requests" / "check_mix.ndjson");
  for (std::string line; std::getline(mix, line);) items.push_back(line);
  ASSERT_GE(items.size(), 100U);
  const std::string lumen =
      R"("tenant":"lumen","principal":{"id":"u1","role":"guest","attrs":{"kyc":"verified","account_age_days":40}})";
  for (
      const std::string& extra : {
          R"({"id":"t","op":"transition",)" + lumen + R"(,"to":"basic"})",
          R"({"id":-0,"op":"plans",)" + lumen + "}",
          R"({"id":1.50,"op":"features",)" + lumen + "}",
          R"({"op":"subscribe",)" + lumen + R"(,"plan":"nope"})",
          R"({"id":"\u0041","op":"check",)" + lumen +
              R"(,"action":"read","resource":{"type":"document","id":"d","tenant":"lumen","attrs":{"owner":7}}})",
          std::string(
              R"({"id":9,"op":"check","tenant":"nowhere","principal":{"id":"u","role":"guest"},"action":"read","resource":{"type":"document","id":"d","tenant":"nowhere"}})"),
          std::string(R"({"id":10,"op":"check","tenant":"lumen"})"),
          std::string(R"({"id":11,"op":"health"})"),
          std::string(R"({"id":12,"op":"fly"})"),
          std::string("42"),
      }) {
    items.push_back(extra);
  }
  for (const bool scoped : {false, true}) {
    auto service = make_service(scoped);
    Protocol protocol(*service);
    if (scoped) {
      ASSERT_NE(
          ask(*service, protocol, R"({"op":"hello","token":"lumen-check"})").find("\"ok\":true"),
          std::string::npos);
    }
    std::vector<nlohmann::json> alone;
    for (const std::string& item : items) {
      alone.push_back(nlohmann::json::parse(ask(*service, protocol, item)));
    }
    std::mt19937 random(scoped ? 7 : 3);
    for (const std::size_t size : {0U, 1U, 2U, 5U, 6U, 7U, 64U, 200U}) {
      std::vector<std::size_t> picked;
      std::string line = R"({"id":"b","op":"batch","requests":[)";
      for (std::size_t i = 0; i < size; ++i) {
        picked.push_back(random() % items.size());
        line += (i > 0 ? "," : "") + items[picked.back()];
      }
      line += "]}";
      const nlohmann::json answer = nlohmann::json::parse(ask(*service, protocol, line));
      ASSERT_TRUE(answer.contains("results")) << answer.dump().substr(0, 300);
      ASSERT_EQ(answer["results"].size(), size);
      for (std::size_t i = 0; i < size; ++i) {
        const nlohmann::json& result = answer["results"][i];
        // Not a decision request: alone a protocol error or a session op, in a batch bad_request.
        if (items[picked[i]] == "42" || items[picked[i]].find("health") != std::string::npos) {
          EXPECT_EQ(result["error"]["code"], "bad_request") << result.dump();
          continue;
        }
        EXPECT_EQ(result, alone[picked[i]])
            << "batch of " << size << ", item " << i << ": " << items[picked[i]];
      }
    }
  }
}

TEST_F(ServerProtocolTest, PartnerAdminFlipsOnlyItsOwnFeatures) {
  auto service = make_service(true);
  Protocol protocol(*service);
  (void)ask(*service, protocol, R"({"op":"hello","token":"lumen-admin"})");
  EXPECT_NE(ask(*service, protocol,
                R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})")
                .find("forbidden"),
            std::string::npos);
  EXPECT_NE(ask(*service, protocol, R"({"op":"reload"})").find("forbidden"), std::string::npos);
  EXPECT_NE(ask(*service, protocol,
                R"({"op":"set_feature","tenant":"lumen","feature":"nope","state":"on"})")
                .find("invalid_request"),
            std::string::npos);
  EXPECT_EQ(ask(*service, protocol,
                R"({"op":"set_feature","tenant":"lumen","feature":"beta_ui","state":"off"})"),
            "{\"ok\":true}\n");
  std::ifstream in(dir_ / "state.json");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("\"beta_ui\": \"off\""), std::string::npos) << text.str();
  // A restart (a new service on the same state file) keeps the switch.
  auto restarted = make_service(false);
  Protocol again(*restarted);
  const std::string features = ask(
      *restarted, again,
      R"({"op":"features","tenant":"lumen","principal":{"id":"u","role":"basic","attrs":{"kyc":"verified","account_age_days":4}}})");
  EXPECT_EQ(features.find("beta_ui"), std::string::npos) << features;
}

// One rule for duplicate keys on every op (docs/PROTOCOL.md "Common
// fields"): refused with bad_request, never "first wins" or "last wins" —
// the server ops' fields come from the same parse as the decision ops'.
TEST_F(ServerProtocolTest, DuplicateKeysAreRefusedOnEveryOp) {
  auto service = make_service(true);
  Protocol protocol(*service);
  (void)ask(*service, protocol, R"({"op":"hello","token":"lumen-admin"})");
  const std::string twice = ask(
      *service, protocol,
      R"({"id":1,"op":"set_feature","tenant":"cedar","tenant":"lumen","feature":"beta_ui","state":"off"})");
  EXPECT_EQ(twice,
            "{\"id\":1,\"error\":{\"code\":\"bad_request\",\"message\":\"duplicate key 'tenant': "
            "each key may be given once\"}}\n");
  const std::string check = ask(
      *service, protocol,
      R"({"id":2,"op":"check","tenant":"lumen","tenant":"lumen","principal":{"id":"u1","role":"guest"},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen"}})");
  EXPECT_NE(check.find("\"decision\":\"deny\""), std::string::npos) << check;
  EXPECT_NE(check.find("\"code\":\"bad_request\""), std::string::npos) << check;
  const std::string hello =
      ask(*service, protocol, R"({"op":"hello","token":"lumen-check","token":"lumen-admin"})");
  EXPECT_NE(hello.find("bad_request"), std::string::npos) << hello;
}

TEST_F(ServerProtocolTest, BrokenReloadKeepsTheOldSet) {
  auto service = make_service(true);
  Protocol protocol(*service);
  (void)ask(*service, protocol, R"({"op":"hello","token":"root"})");
  // Every unit reported: the service started on a bare engine, so this
  // first reload judges the whole set (docs/UNITS.md).
  EXPECT_EQ(ask(*service, protocol, R"({"op":"reload"})")
                .rfind("{\"ok\":true,\"policy_version\":2,\"platform\":\"applied\"", 0),
            0U);
  std::ofstream(dir_ / "policies" / "broken.tenet") << "tenant lumen2 extends nothing_here {\n";
  const std::string failed = ask(*service, protocol, R"({"id":3,"op":"reload"})");
  EXPECT_NE(failed.find("\"code\":\"invalid_request\""), std::string::npos) << failed;
  EXPECT_NE(failed.find("broken.tenet"), std::string::npos) << failed;
  EXPECT_EQ(ask(*service, protocol, R"({"op":"health"})"),
            "{\"ok\":true,\"policy_version\":2,\"platform_revision\":1,\"units\":{\"served\":5,"
            "\"unavailable\":[]}}\n");
  EXPECT_NE(ask(*service, protocol, kAcmeCheck).find("\"allow\""), std::string::npos);
}

// The parse limits `tenet serve` was started with hold for every reload
// (Service keeps them): a file over --max-file-bytes fails the reload.
TEST_F(ServerProtocolTest, ReloadKeepsTheParseLimitsOfTheStart) {
  PolicyOptions options;
  options.limits.max_file_bytes = 64 * 1024;  // every shipped file is smaller
  auto loaded = Engine::load(dir_ / "policies", options);
  ASSERT_TRUE(loaded.engine);
  Service service(dir_ / "policies", std::move(loaded.engine), std::nullopt,
                  std::make_unique<FeatureState>(), options);
  std::ofstream(dir_ / "policies" / "tenants" / "zenith.tenet")
      << "tenant zenith extends retail_standard {}\n"
      << std::string(options.limits.max_file_bytes, ' ') << '\n';
  const Service::ReloadResult failed = service.reload();
  EXPECT_FALSE(failed.ok);
  EXPECT_NE(failed.diagnostics.find("zenith.tenet:1:1: error: file is"), std::string::npos)
      << failed.diagnostics;
  EXPECT_EQ(service.policy_version(), 1U);
  // Without the limit the same directory reloads.
  auto unlimited = Engine::load(dir_ / "policies");
  ASSERT_TRUE(unlimited.engine);
  Service defaults(dir_ / "policies", std::move(unlimited.engine), std::nullopt,
                   std::make_unique<FeatureState>());
  EXPECT_TRUE(defaults.reload().ok);
}

// A tenant file cut down to its comments compiles: the reload must not drop
// the partner unless asked to (before, it answered ok and the tenant was gone).
TEST_F(ServerProtocolTest, ReloadThatRemovesATenantNeedsAllowRemoval) {
  auto service = make_service(true);
  Protocol protocol(*service);
  (void)ask(*service, protocol, R"({"op":"hello","token":"root"})");
  ASSERT_NE(ask(*service, protocol, kAcmeCheck).find("\"allow\""), std::string::npos);
  std::ofstream(dir_ / "policies" / "tenants" / "lumen.tenet", std::ios::trunc)
      << "// Lumen: moved elsewhere\n";

  const std::string refused = ask(*service, protocol, R"({"id":1,"op":"reload"})");
  EXPECT_NE(refused.find("\"code\":\"invalid_request\""), std::string::npos) << refused;
  EXPECT_NE(refused.find("\"removed_tenants\":[\"lumen\"]"), std::string::npos) << refused;
  EXPECT_NE(refused.find("allow_removal"), std::string::npos) << refused;
  EXPECT_EQ(ask(*service, protocol, R"({"op":"health"})"),
            "{\"ok\":true,\"policy_version\":1,\"units\":{\"served\":5,\"unavailable\":[]}}\n");
  EXPECT_NE(ask(*service, protocol, kAcmeCheck).find("\"allow\""), std::string::npos);

  const std::string not_a_bool =
      ask(*service, protocol, R"({"id":2,"op":"reload","allow_removal":"yes"})");
  EXPECT_NE(not_a_bool.find("\"code\":\"bad_request\""), std::string::npos) << not_a_bool;
  const std::string still_refused =
      ask(*service, protocol, R"({"id":1,"op":"reload","allow_removal":false})");
  EXPECT_EQ(still_refused, refused);

  const std::string removed =
      ask(*service, protocol, R"({"id":4,"op":"reload","allow_removal":true})");
  EXPECT_EQ(removed.rfind(
                "{\"id\":4,\"ok\":true,\"policy_version\":2,\"removed_tenants\":[\"lumen\"]", 0),
            0U)
      << removed;
  EXPECT_NE(removed.find("{\"tenant\":\"lumen\",\"outcome\":\"removed\""), std::string::npos)
      << removed;
  EXPECT_NE(ask(*service, protocol, kAcmeCheck).find("unknown_tenant"), std::string::npos);
}

// A failed hello takes away what an earlier hello gave: a session that
// presents a wrong token has no rights left, whatever it had.
TEST_F(ServerProtocolTest, FailedHelloLeavesNoRights) {
  auto service = make_service(true);
  Protocol protocol(*service);
  ASSERT_NE(ask(*service, protocol, R"({"op":"hello","token":"lumen-admin"})").find("\"ok\":true"),
            std::string::npos);
  ASSERT_NE(ask(*service, protocol, kAcmeCheck).find("\"allow\""), std::string::npos);
  EXPECT_NE(ask(*service, protocol, R"({"op":"hello","token":"guess"})").find("unauthenticated"),
            std::string::npos);
  const std::string after = ask(*service, protocol, kAcmeCheck);
  EXPECT_NE(after.find("unauthenticated"), std::string::npos) << after;
  EXPECT_NE(after.find("\"decision\":\"deny\""), std::string::npos) << after;
  EXPECT_NE(ask(*service, protocol, R"({"op":"stats"})").find("unauthenticated"),
            std::string::npos);
  EXPECT_NE(ask(*service, protocol,
                R"({"op":"set_feature","tenant":"lumen","feature":"beta_ui","state":"on"})")
                .find("unauthenticated"),
            std::string::npos);
  // A hello without a token fails too, and leaves no rights either.
  Protocol other(*service);
  ASSERT_NE(ask(*service, other, R"({"op":"hello","token":"lumen-check"})").find("\"ok\":true"),
            std::string::npos);
  EXPECT_NE(ask(*service, other, R"({"op":"hello"})").find("bad_request"), std::string::npos);
  EXPECT_NE(ask(*service, other, kAcmeCheck).find("unauthenticated"), std::string::npos);
}

// Failed hellos are counted (stats) and, on one connection, the third is
// the last: the session asks to be closed. A success in between does not
// reset the count.
TEST_F(ServerProtocolTest, FailedHellosAreCountedAndTheThirdClosesTheSession) {
  auto service = make_service(true);
  Protocol guesser(*service);
  EXPECT_NE(ask(*service, guesser, R"({"op":"hello","token":"a"})").find("unauthenticated"),
            std::string::npos);
  ASSERT_NE(ask(*service, guesser, R"({"op":"hello","token":"lumen-check"})").find("\"ok\":true"),
            std::string::npos);
  EXPECT_NE(ask(*service, guesser, R"({"op":"hello","token":"b"})").find("unauthenticated"),
            std::string::npos);
  EXPECT_FALSE(guesser.close_requested());
  const std::string third = ask(*service, guesser, R"({"id":3,"op":"hello","token":"c"})");
  EXPECT_NE(third.find("\"id\":3"), std::string::npos) << third;
  EXPECT_NE(third.find("unauthenticated"), std::string::npos) << third;
  EXPECT_NE(third.find("closing the connection"), std::string::npos) << third;
  EXPECT_TRUE(guesser.close_requested());
  EXPECT_EQ(service->stats().failed_hellos(), 3U);
  Protocol admin(*service);
  (void)ask(*service, admin, R"({"op":"hello","token":"root"})");
  const std::string stats = ask(*service, admin, R"({"op":"stats"})");
  EXPECT_NE(stats.find("\"failed_hellos\":3"), std::string::npos) << stats;
  EXPECT_FALSE(admin.close_requested());
}

// An id that is an object or array is refused on the session ops too, and
// such a hello grants nothing.
TEST_F(ServerProtocolTest, NonScalarIdOnAServerOpIsRefused) {
  auto service = make_service(true);
  Protocol protocol(*service);
  const std::string greeting =
      ask(*service, protocol, R"({"id":{"n":1},"op":"hello","token":"root"})");
  EXPECT_EQ(greeting.rfind(R"({"id":null,"error":{"code":"bad_request")", 0), 0U) << greeting;
  EXPECT_NE(ask(*service, protocol, kAcmeCheck).find("unauthenticated"), std::string::npos);
}

// A set_feature that changes nothing writes nothing: no rewrite, no fsync
// (one partner's no-ops made another's admin ops 60× slower).
TEST_F(ServerProtocolTest, NoOpSetFeatureWritesNothing) {
  // Written by hand, compact: the server's own writer would indent it.
  const std::string by_hand = R"({"features":{"lumen":{"beta_ui":"off"}}})";
  std::ofstream(dir_ / "state.json") << by_hand;
  auto service = make_service(false);
  Protocol protocol(*service);
  const auto state_file = [&] {
    std::ifstream in(dir_ / "state.json");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  for (const std::string line : {
           R"({"op":"set_feature","tenant":"lumen","feature":"beta_ui","state":"off"})",
           R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"default"})",
       }) {
    EXPECT_EQ(ask(*service, protocol, line), "{\"ok\":true}\n") << line;
    EXPECT_EQ(state_file(), by_hand) << line;
  }
  // A real change is written.
  EXPECT_EQ(ask(*service, protocol,
                R"({"op":"set_feature","tenant":"lumen","feature":"beta_ui","state":"on"})"),
            "{\"ok\":true}\n");
  EXPECT_NE(state_file().find("\"beta_ui\": \"on\""), std::string::npos) << state_file();
}

// Without a state file a switch would be lost on restart: set_feature is
// refused (and switches nothing) rather than acknowledged.
TEST_F(ServerProtocolTest, SetFeatureWithoutStateFileIsRefused) {
  auto service = make_service(false, false);
  Protocol protocol(*service);
  const std::string answer =
      ask(*service, protocol,
          R"({"id":1,"op":"set_feature","tenant":"lumen","feature":"beta_ui","state":"off"})");
  const nlohmann::json parsed = nlohmann::json::parse(answer);
  EXPECT_EQ(parsed["id"], 1) << answer;
  EXPECT_EQ(parsed["error"]["code"], "forbidden") << answer;
  EXPECT_NE(parsed["error"]["message"].get<std::string>().find("--state"), std::string::npos)
      << answer;
  EXPECT_FALSE(parsed.contains("ok")) << answer;
  const std::string features = ask(
      *service, protocol,
      R"({"op":"features","tenant":"lumen","principal":{"id":"u","role":"basic","attrs":{"kyc":"verified","account_age_days":4}}})");
  EXPECT_NE(features.find("beta_ui"), std::string::npos) << features;  // still on
}

// Admin work is shared fairly between tenants: with the admin thread busy
// and 20 jobs of one tenant queued, another tenant's job runs after at most
// one of them, not after all 20.
TEST_F(ServerProtocolTest, AdminThreadTakesTenantsInTurn) {
  auto service = make_service(false);
  std::mutex mutex;
  std::condition_variable changed;
  bool release = false;
  bool started = false;
  std::vector<std::string> order;
  std::size_t done = 0;
  boost::asio::io_context io;  // where completions land
  const auto record = [&](const std::string& name) {
    return [&, name] {
      const std::lock_guard<std::mutex> lock(mutex);
      order.push_back(name);
    };
  };
  const auto finished = [&](std::exception_ptr) { ++done; };
  service->run_admin(
      "flood",
      [&] {
        std::unique_lock<std::mutex> lock(mutex);
        started = true;
        changed.notify_all();
        changed.wait(lock, [&] { return release; });
      },
      boost::asio::bind_executor(io, finished));
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return started; }));
  }
  for (int i = 0; i < 20; ++i) {
    service->run_admin("flood", record("flood"), boost::asio::bind_executor(io, finished));
  }
  service->run_admin("other", record("other"), boost::asio::bind_executor(io, finished));
  {
    const std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  changed.notify_all();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (done < 22 && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  ASSERT_EQ(done, 22U);
  const std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(order.size(), 21U);
  const auto other = std::find(order.begin(), order.end(), "other");
  EXPECT_LE(other - order.begin(), 1) << "the other tenant's job waited for the flood";
}

TEST(TokenFile, MalformedLinesAreReportedWithTheirLine) {
  const auto loaded = TokenStore::parse("# comment\n\nabc * check\n", "tokens.txt");
  EXPECT_FALSE(loaded.store);
  EXPECT_EQ(loaded.error.rfind("tokens.txt:3:", 0), 0U) << loaded.error;
}

}  // namespace
}  // namespace tenet::server
