// The decision log wired into server/protocol: decision ids in responses,
// one record per decision (and per batch item), @sensitive attributes
// withheld, sampling; and the sampling rate syntax.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "engine/json/response_writer.hpp"
#include "server/decision_log/decision_logging.hpp"
#include "server/decision_log/record_buffer.hpp"
#include "server/decision_log/sampling.hpp"
#include "server/protocol.hpp"

namespace tenet::server {
namespace {

namespace fs = std::filesystem;
using decision_log::Rates;
using decision_log::Sampling;

// A basic user of lumen reading her own document, with her national id
// (declared @sensitive in policies/schema.tenet).
const std::string kCheck =
    R"({"id":1,"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"national_id":"X-SECRET-4711"}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";
const std::string kDeniedTransition =
    R"({"id":2,"op":"transition","tenant":"lumen","principal":{"id":"u2","role":"guest","attrs":{"kyc":"pending"}},"to":"basic"})";

class DecisionRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tenet_recorder_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void start(Sampling sampling = {}) {
    units::UnitOptions options;
    const units::Report loaded = units::load(fs::path(TENET_SOURCE_DIR) / "policies", options);
    ASSERT_TRUE(loaded.version);
    service_ = std::make_unique<Service>(fs::path(TENET_SOURCE_DIR) / "policies", loaded.version,
                                         std::nullopt, std::make_unique<FeatureState>());
    decision_log::Options log_options;
    log_options.path = dir_ / "decisions.ndjson";
    auto opened = decision_log::DecisionLog::open(log_options);
    ASSERT_TRUE(opened.log) << opened.error;
    service_->enable_decision_log(std::make_unique<decision_log::DecisionLogging>(
        std::move(opened.log), std::uint16_t{42}, std::move(sampling)));
    protocol_ = std::make_unique<Protocol>(*service_);
  }

  nlohmann::json ask(const std::string& line) {
    auto policies = service_->engine().snapshot();
    std::string out;
    protocol_->handle(policies, line, scratch_, out);
    return nlohmann::json::parse(out);
  }

  // Stops the log (every record written) and reads the file.
  std::vector<nlohmann::json> records() {
    service_->decision_logging()->log().stop();
    std::ifstream in(dir_ / "decisions.ndjson");
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }
  std::string file_text() {
    std::ifstream in(dir_ / "decisions.ndjson");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  fs::path dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<Protocol> protocol_;
  Scratch scratch_;
};

TEST_F(DecisionRecorderTest, ADecisionGetsAnIdAndARecordOfItsRequestWithoutSensitiveValues) {
  start();
  const nlohmann::json answer = ask(kCheck);
  ASSERT_EQ(answer["decision"], "allow") << answer;
  const std::string id = answer["decision_id"];
  EXPECT_EQ(id.size(), kDecisionIdLength);
  ASSERT_TRUE(parse_decision_id(id));
  EXPECT_EQ(parse_decision_id(id)->replica, 42);

  const std::vector<nlohmann::json> logged = records();
  ASSERT_EQ(logged.size(), 1U);
  const nlohmann::json& record = logged[0];
  EXPECT_EQ(record["decision_id"], id);
  EXPECT_EQ(record["replica"], 42);
  EXPECT_EQ(record["op"], "check");
  EXPECT_EQ(record["tenant"], "lumen");
  EXPECT_EQ(record["revision"], answer["revision"]);
  EXPECT_EQ(record["platform_revision"], 1);
  EXPECT_EQ(record["platform_hash"].get<std::string>().size(), 64U);
  EXPECT_EQ(record["decision"], "allow");
  EXPECT_EQ(record["reasons"], answer["reasons"]);
  EXPECT_EQ(record["action"], "read");
  EXPECT_EQ(record["principal"],
            nlohmann::json::parse(
                R"({"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}})"));
  EXPECT_EQ(
      record["resource"],
      nlohmann::json::parse(
          R"({"type":"document","id":"d1","tenant":"lumen","attrs":{"owner":"u1","locked":false,"classification":"internal"}})"));
  EXPECT_EQ(record["context"], nlohmann::json::parse(R"({"mfa":true})"));
  EXPECT_EQ(record["withheld"], nlohmann::json::parse(R"(["principal.attrs.national_id"])"));
  EXPECT_FALSE(record.contains("sample_rate"));
  EXPECT_TRUE(record["latency_ns"].is_number_unsigned());
  // The time is the id's own millisecond.
  EXPECT_EQ(record["time"].get<std::string>().size(), 24U);
  EXPECT_EQ(file_text().find("X-SECRET-4711"), std::string::npos);
}

TEST_F(DecisionRecorderTest, EachBatchItemIsADecisionOfItsOwn) {
  start();
  const nlohmann::json answer =
      ask(R"({"id":9,"op":"batch","requests":[)" + kCheck + "," + kDeniedTransition + "," +
          R"({"op":"plans","tenant":"lumen","principal":{"id":"u1","role":"basic"}}]})");
  ASSERT_EQ(answer["results"].size(), 3U) << answer;
  std::set<std::string> ids;
  for (const nlohmann::json& item : answer["results"]) ids.insert(item["decision_id"]);
  EXPECT_EQ(ids.size(), 3U);
  const std::vector<nlohmann::json> logged = records();
  ASSERT_EQ(logged.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(logged[i]["decision_id"], answer["results"][i]["decision_id"]);
    EXPECT_EQ(logged[i]["decision"], answer["results"][i]["decision"]);
  }
  EXPECT_EQ(logged[1]["op"], "transition");
  EXPECT_EQ(logged[1]["to"], "basic");
  EXPECT_EQ(logged[1]["unmet"], answer["results"][1]["unmet"]);
  EXPECT_EQ(logged[2]["plans"], answer["results"][2]["plans"]);
}

TEST_F(DecisionRecorderTest, WhatIsNotADecisionGetsNoIdAndNoRecord) {
  start();
  EXPECT_FALSE(ask("{nope").contains("decision_id"));
  EXPECT_FALSE(ask(R"({"op":"check","tenant":"lumen"})").contains("decision_id"));  // bad_request
  EXPECT_FALSE(ask(R"({"op":"health"})").contains("decision_id"));
  EXPECT_FALSE(
      ask(R"({"op":"filter","tenant":"lumen","principal":{"id":"u1","role":"basic"},"action":"read","resource_type":"document"})")
          .contains("decision_id"));
  EXPECT_TRUE(records().empty());
}

TEST_F(DecisionRecorderTest, AnInvalidSensitiveValueIsNotQuotedInTheRecord) {
  start();
  const nlohmann::json refused = ask(
      R"({"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"national_id":4711}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen"}})");
  ASSERT_EQ(refused["error"]["code"], "invalid_request") << refused;
  const nlohmann::json other = ask(
      R"({"op":"check","tenant":"lumen","principal":{"id":"u1","role":"basic","attrs":{"kyc":"maybe"}},"action":"read","resource":{"type":"document","id":"d1","tenant":"lumen"}})");
  ASSERT_EQ(other["error"]["code"], "invalid_request") << other;
  const std::vector<nlohmann::json> logged = records();
  ASSERT_EQ(logged.size(), 2U);
  EXPECT_EQ(logged[0]["error"]["code"], "invalid_request");
  EXPECT_EQ(logged[0]["error"]["message"].get<std::string>().find("4711"), std::string::npos);
  // Not sensitive: the message is the response's.
  EXPECT_EQ(logged[1]["error"]["message"], other["error"]["message"]);
}

TEST_F(DecisionRecorderTest, SamplingRecordsEveryDenyAndNoAllowWhenToldSo) {
  Sampling sampling;
  sampling.all = Rates{0.0, 1.0};
  start(std::move(sampling));
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(ask(kCheck).contains("decision_id"));  // allow: an id, no record
    EXPECT_TRUE(ask(kDeniedTransition).contains("decision_id"));
  }
  const std::vector<nlohmann::json> logged = records();
  ASSERT_EQ(logged.size(), 20U);
  for (const nlohmann::json& record : logged) EXPECT_EQ(record["decision"], "deny");
}

TEST_F(DecisionRecorderTest, APartnerRateOverridesTheGlobalOneAndIsWrittenInTheRecord) {
  Sampling sampling;
  sampling.all = Rates{0.0, 0.0};
  sampling.partners["lumen"] = Rates{0.5, 0.5};
  start(std::move(sampling));
  for (int i = 0; i < 400; ++i) (void)ask(kCheck);
  (void)ask(R"({"op":"plans","tenant":"cedar","principal":{"id":"u1","role":"basic"}})");
  const std::vector<nlohmann::json> logged = records();
  // 400 draws at 1/2: far outside 120..280 happens with p < 1e-20.
  EXPECT_GT(logged.size(), 120U);
  EXPECT_LT(logged.size(), 280U);
  for (const nlohmann::json& record : logged) {
    EXPECT_EQ(record["tenant"], "lumen");
    EXPECT_EQ(record["sample_rate"], 0.5);
  }
}

// The record's strings are scanned 16, 8 or 4 bytes at a time (overlapping
// loads at the end): a byte that needs an escape is found at every position
// of every length, and the text is then written as json::write_json_string
// writes it.
TEST(DecisionRecordBuffer, EveryByteThatNeedsAnEscapeIsFoundAtEveryPositionAndLength) {
  for (const char bad : {'"', '\\', '\n', '\x01', '\x1f', '\x80', '\xc3', '\xff'}) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string text(length, 'a');
        text[at] = bad;
        ASSERT_TRUE(decision_log::needs_escape(text.data(), text.size()))
            << "length " << length << " at " << at << " byte " << int(bad);
        decision_log::RecordBuffer buffer;
        buffer.put_json_string(text);
        std::string expected;
        json::write_json_string(expected, text);
        ASSERT_EQ(buffer.view(), expected) << "length " << length << " at " << at;
      }
    }
  }
  for (std::size_t length = 0; length <= 40; ++length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) text += static_cast<char>(' ' + (i * 7) % 95);
    std::erase_if(text, [](char c) { return c == '"' || c == '\\'; });
    EXPECT_FALSE(decision_log::needs_escape(text.data(), text.size())) << text;
    decision_log::RecordBuffer buffer;
    buffer.put("x");
    buffer.put_json_string(text);
    buffer.put(text);
    EXPECT_EQ(buffer.view(), "x\"" + text + "\"" + text);
  }
}

TEST(DecisionLogSampling, RatesAreNumbersOrPercentagesPerOutcome) {
  EXPECT_EQ(decision_log::parse_rate("0.25"), 0.25);
  EXPECT_EQ(decision_log::parse_rate("1%"), 0.01);
  EXPECT_EQ(decision_log::parse_rate(" 100 % "), 1.0);
  EXPECT_FALSE(decision_log::parse_rate("1.5"));
  EXPECT_FALSE(decision_log::parse_rate("-0.1"));
  EXPECT_FALSE(decision_log::parse_rate("nan"));
  EXPECT_FALSE(decision_log::parse_rate("half"));
  EXPECT_FALSE(decision_log::parse_rate(""));

  Rates rates;
  EXPECT_FALSE(decision_log::apply_rate_spec("allow=1%", rates));
  EXPECT_EQ(rates, (Rates{0.01, 1.0}));
  EXPECT_FALSE(decision_log::apply_rate_spec("0.5", rates));
  EXPECT_EQ(rates, (Rates{0.5, 0.5}));
  EXPECT_TRUE(decision_log::apply_rate_spec("allow=0.1,maybe=1", rates));
  EXPECT_TRUE(decision_log::apply_rate_spec("allow=2", rates));
  EXPECT_EQ(rates, (Rates{0.5, 0.5}));  // a refused spec changes nothing

  Sampling sampling;
  sampling.all = Rates{0.1, 1.0};
  EXPECT_FALSE(decision_log::add_partner_spec("a:b.example:deny=0", sampling));
  EXPECT_EQ(sampling.rates_of("a:b.example"), (Rates{0.1, 0.0}));
  EXPECT_EQ(sampling.rates_of("other"), (Rates{0.1, 1.0}));
  EXPECT_TRUE(decision_log::add_partner_spec("0.5", sampling));
  EXPECT_FALSE(sampling.records_everything());
  EXPECT_TRUE(Sampling{}.records_everything());
}

}  // namespace
}  // namespace tenet::server
