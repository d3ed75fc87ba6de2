// server/metrics_text: label values escaped as the Prometheus text format
// wants (a partner's name is the policy author's text), and a scrape of a
// service whose counters moved says so, one series per partner unless
// that is turned off.
#include "server/metrics_text.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/compile_source.hpp"

namespace tenet::server {
namespace {

TEST(MetricsText, LabelValuesAreEscaped) {
  EXPECT_EQ(label_value("acme"), "acme");
  EXPECT_EQ(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find('\n' + line + '\n') != std::string::npos;
}

TEST(MetricsText, TheScrapeFollowsTheCountersAndPartnerSeriesCanBeLeftOut) {
  auto engine = std::make_unique<Engine>(test_support::compile_source("m.tenet", R"(
schema { resource document { } actions read on document; }
tenant "a\"b" { role guest; permit read on document; }
)"));
  Service service("", std::move(engine), std::nullopt, std::make_unique<FeatureState>());
  const std::shared_ptr<const CompiledPolicySet> serving = service.engine().snapshot();
  service.stats().count_request();
  service.stats().count_decision(*serving, 0, DecisionOutcome::Allow);
  service.stats().count_decision(*serving, 0, DecisionOutcome::InvalidRequest);
  service.stats().count_decision(*serving, kNone, DecisionOutcome::Deny);
  service.stats().count_error(json::ErrorCode::BadJson);
  service.stats().count_units_refused(2);
  service.stats().record_latency(json::RequestOp::Check, 3000);            // 3 µs
  service.stats().record_latency(json::RequestOp::ServerOnly, 2'000'000);  // 2 ms
  const std::string text = render_metrics(service, {});
  EXPECT_TRUE(has_line(text, "tenet_requests_total 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_decisions_total{decision=\"allow\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_errors_total{code=\"bad_json\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_errors_total{code=\"invalid_request\"} 1")) << text;
  EXPECT_TRUE(
      has_line(text, "tenet_request_duration_seconds_bucket{op=\"check\",le=\"2.5e-06\"} 0"))
      << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_bucket{op=\"check\",le=\"5e-06\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_count{op=\"check\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_count{op=\"batch\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_bucket{op=\"other\",le=\"0.001\"} 0"))
      << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_bucket{op=\"other\",le=\"0.01\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_sum{op=\"other\"} 0.002")) << text;
  EXPECT_TRUE(has_line(text, "tenet_partner_revision{tenant=\"a\\\"b\"} 0")) << text;
  EXPECT_TRUE(
      has_line(text, "tenet_partner_decisions_total{tenant=\"a\\\"b\",decision=\"allow\"} 1"))
      << text;
  EXPECT_TRUE(
      has_line(text, "tenet_partner_decisions_total{tenant=\"a\\\"b\",decision=\"deny\"} 0"))
      << text;
  EXPECT_TRUE(has_line(
      text, "tenet_partner_decisions_total{tenant=\"a\\\"b\",decision=\"invalid_request\"} 1"))
      << text;
  EXPECT_TRUE(has_line(text, "tenet_unknown_tenant_decisions_total{decision=\"deny\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_units_refused_total 2")) << text;
  EXPECT_EQ(text.find("tenet_store_connected"), std::string::npos);  // no store

  MetricsOptions without;
  without.per_partner = false;
  const std::string lean = render_metrics(service, without);
  EXPECT_EQ(lean.find("tenet_partner_revision"), std::string::npos);
  EXPECT_EQ(lean.find("tenet_partner_decisions_total"), std::string::npos);
  EXPECT_EQ(lean.find("a\\\"b"), std::string::npos) << lean;  // no partner's name at all
}

// A partner not decided yet has its series from the first scrape on.
TEST(MetricsText, EveryServedPartnerHasItsDecisionSeries) {
  auto engine = std::make_unique<Engine>(test_support::compile_source("m.tenet", R"(
schema { resource document { } actions read on document; }
tenant acme { role guest; permit read on document; }
tenant bolt { role guest; permit read on document; }
)"));
  Service service("", std::move(engine), std::nullopt, std::make_unique<FeatureState>());
  const std::string text = render_metrics(service, {});
  EXPECT_TRUE(has_line(text, "tenet_partner_decisions_total{tenant=\"bolt\",decision=\"allow\"} 0"))
      << text;
}

}  // namespace
}  // namespace tenet::server
