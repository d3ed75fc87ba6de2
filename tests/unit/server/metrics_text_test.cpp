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
schema { resource document { } }
tenant "a\"b" { role guest; permit read on document; }
)"));
  Service service("", std::move(engine), std::nullopt, std::make_unique<FeatureState>());
  service.stats().count_request();
  service.stats().count_decision(true);
  service.stats().count_error(json::ErrorCode::BadJson);
  service.stats().record_latency(3000);  // 3 µs
  const std::string text = render_metrics(service, {});
  EXPECT_TRUE(has_line(text, "tenet_requests_total 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_decisions_total{decision=\"allow\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_errors_total{code=\"bad_json\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_bucket{le=\"2.5e-06\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_bucket{le=\"5e-06\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_request_duration_seconds_count 1")) << text;
  EXPECT_TRUE(has_line(text, "tenet_partner_revision{tenant=\"a\\\"b\"} 0")) << text;
  EXPECT_EQ(text.find("tenet_store_connected"), std::string::npos);  // no store

  MetricsOptions without;
  without.per_partner = false;
  EXPECT_EQ(render_metrics(service, without).find("tenet_partner_revision"), std::string::npos);
}

}  // namespace
}  // namespace tenet::server
