#include "server/metrics_text.hpp"

#include <array>
#include <cstdio>

#ifndef TENET_VERSION
#define TENET_VERSION "0.0.0"
#endif

namespace tenet::server {
namespace {

// Upper bounds of the request-duration histogram, in seconds: 1 µs to 1 s.
constexpr std::array<double, 16> kDurationBounds{1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5,
                                                 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
                                                 1e-2, 1e-1,   1.0,  10.0};

std::string number(double value) {
  std::array<char, 32> text{};
  const int length = std::snprintf(text.data(), text.size(), "%.9g", value);
  return std::string(text.data(), static_cast<std::size_t>(length));
}

class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  // The samples of a histogram family (`labels` before `le`) from a
  // log-linear LatencyHistogram over nanoseconds, in seconds.
  void histogram(std::string_view name, const std::string& labels,
                 const LatencyHistogram::Counts& counts, std::uint64_t sum_ns) {
    const std::string bucket_name = std::string(name) + "_bucket";
    const std::string prefix = labels.empty() ? std::string() : labels + ',';
    // Cumulative: one pass over the buckets, the bounds in increasing order.
    std::uint64_t below = 0;
    unsigned bucket = 0;
    for (const double bound : kDurationBounds) {
      while (bucket < LatencyHistogram::kBuckets &&
             static_cast<double>(LatencyHistogram::upper_bound_of(bucket)) <= bound * 1e9)
        below += counts[bucket++];
      sample(bucket_name, prefix + "le=\"" + number(bound) + '"', below);
    }
    std::uint64_t total = 0;
    for (const std::uint64_t count : counts) total += count;
    sample(bucket_name, prefix + "le=\"+Inf\"", total);
    sample(std::string(name) + "_sum", labels, number(static_cast<double>(sum_ns) / 1e9));
    sample(std::string(name) + "_count", labels, total);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_metrics(Service& service, const MetricsOptions& options) {
  // Every partner served gets its series from the first scrape on, decided or not.
  if (options.per_partner) service.stats().know_partners(*service.engine().snapshot());
  const Stats::Snapshot stats = service.stats().snapshot();
  Exposition e;
  e.family("tenet_build_info", "gauge", "The tenet version serving (always 1).");
  e.sample("tenet_build_info", "version=\"" + label_value(TENET_VERSION) + '"', 1);

  e.family("tenet_requests_total", "counter", "Request lines answered (every op).");
  e.sample("tenet_requests_total", {}, stats.requests);
  e.family("tenet_decisions_total", "counter", "Decisions answered, by outcome.");
  e.sample("tenet_decisions_total", "decision=\"allow\"", stats.allow);
  e.sample("tenet_decisions_total", "decision=\"deny\"", stats.deny);
  e.family("tenet_errors_total", "counter",
           "Error answers by wire error code (docs/PROTOCOL.md); other: connections closed "
           "for a limit.");
  for (std::size_t i = 0; i < json::kErrorCodeCount; ++i) {
    e.sample("tenet_errors_total",
             "code=\"" + std::string(json::error_name(static_cast<json::ErrorCode>(i))) + '"',
             stats.errors[i]);
  }
  e.sample("tenet_errors_total", "code=\"" + std::string(kOtherErrorsName) + '"',
           stats.errors[kOtherErrors]);
  e.family("tenet_connections", "gauge", "Connections open now.");
  e.sample("tenet_connections", {}, std::to_string(stats.connections));
  e.family("tenet_connections_total", "counter", "Connections accepted.");
  e.sample("tenet_connections_total", {}, stats.connections_total);
  e.family("tenet_failed_hellos_total", "counter", "hello refused (unknown or missing token).");
  e.sample("tenet_failed_hellos_total", {}, stats.failed_hellos);
  e.family("tenet_reloads_total", "counter",
           "Reloads (op, SIGHUP, or a store catch-up asked for), by outcome.");
  e.sample("tenet_reloads_total", "outcome=\"ok\"", stats.reloads_ok);
  e.sample("tenet_reloads_total", "outcome=\"failed\"", stats.reloads_failed);
  e.family("tenet_audit_records_total", "counter",
           "Admin audit records written (docs/AUDIT.md): start, stop, reloads, token changes, "
           "set_feature, put_policy, rollback, refusals.");
  e.sample("tenet_audit_records_total", {}, service.audit().records());
  e.family("tenet_audit_failures_total", "counter",
           "Admin audit records whose durable copy (the --audit-log file or the store) could "
           "not be written; each is in the server's log.");
  e.sample("tenet_audit_failures_total", {}, service.audit().failures());

  e.family("tenet_units_refused_total", "counter",
           "Partner units refused by a reload, put_policy or rollback (the partner keeps its "
           "previous revision).");
  e.sample("tenet_units_refused_total", {}, stats.units_refused);

  e.family("tenet_request_duration_seconds", "histogram",
           "Server-side time to answer one request line, from parse to the answer written, by "
           "op (other: server ops and lines not read; bucket counts from a log-linear "
           "histogram, exact within ~6%).");
  for (std::size_t op = 0; op < kLatencyOps; ++op) {
    const Stats::OpLatency& latency = stats.latency[op];
    e.histogram("tenet_request_duration_seconds", "op=\"" + std::string(kLatencyOpNames[op]) + '"',
                latency.counts, latency.sum_ns);
  }

  e.family("tenet_unknown_tenant_decisions_total", "counter",
           "Decisions of requests naming a tenant not served, by outcome.");
  for (std::size_t o = 0; o < kDecisionOutcomes; ++o) {
    e.sample("tenet_unknown_tenant_decisions_total",
             "decision=\"" + std::string(kDecisionOutcomeNames[o]) + '"', stats.unknown_tenant[o]);
  }
  if (options.per_partner) {
    e.family("tenet_partner_decisions_total", "counter",
             "Decisions per partner, by outcome (invalid_request: attributes the schema refuses).");
    for (const Stats::Partner& partner : stats.partners) {
      const std::string tenant = "tenant=\"" + label_value(partner.tenant) + "\",decision=\"";
      for (std::size_t o = 0; o < kDecisionOutcomes; ++o) {
        e.sample("tenet_partner_decisions_total",
                 tenant + std::string(kDecisionOutcomeNames[o]) + '"', partner.counts[o]);
      }
    }
  }

  e.family("tenet_policy_version", "gauge",
           "Policy sets served since start (1, and one more per swap).");
  e.sample("tenet_policy_version", {}, service.policy_version());
  e.family("tenet_platform_revision", "gauge",
           "The platform part's revision serving (docs/UNITS.md).");
  e.sample("tenet_platform_revision", {}, service.platform_revision());

  const std::shared_ptr<const CompiledPolicySet> serving = service.engine().snapshot();
  std::uint64_t unavailable = 0;
  for (Index t = 0; t < serving->tenant_count(); ++t) {
    if (serving->tenant(t).unavailable) ++unavailable;
  }
  e.family("tenet_partners", "gauge",
           "Partners declared, by state (unavailable: their unit did not compile).");
  e.sample("tenet_partners", "state=\"served\"", serving->tenant_count() - unavailable);
  e.sample("tenet_partners", "state=\"unavailable\"", unavailable);
  if (options.per_partner) {
    e.family("tenet_partner_revision", "gauge", "The unit revision serving, per partner.");
    for (Index t = 0; t < serving->tenant_count(); ++t) {
      e.sample("tenet_partner_revision", "tenant=\"" + label_value(serving->tenant_name(t)) + '"',
               serving->tenant(t).revision);
    }
  }
  if (decision_log::DecisionLogging* logging = service.decision_logging()) {
    const decision_log::Counters log = logging->log().counters();
    e.family("tenet_decision_log_records_total", "counter",
             "Decision records (docs/DECISION_LOG.md) by what became of them: written to the "
             "file; dropped by a full queue (--decision-log-overflow drop); lost (queued, but the "
             "file failed until the end).");
    e.sample("tenet_decision_log_records_total", "outcome=\"written\"", log.written);
    e.sample("tenet_decision_log_records_total", "outcome=\"dropped\"", log.dropped);
    e.sample("tenet_decision_log_records_total", "outcome=\"lost\"", log.lost);
    e.family("tenet_decision_log_queue_depth", "gauge",
             "Records queued by the I/O threads, not yet taken by the writer.");
    e.sample("tenet_decision_log_queue_depth", {}, log.queue_depth);
    e.family("tenet_decision_log_blocked_total", "counter",
             "Decisions that waited for room in a full queue (backpressure: the disk or the "
             "writer behind).");
    e.sample("tenet_decision_log_blocked_total", {}, log.blocked);
    e.family("tenet_decision_log_bytes_total", "counter", "Bytes written to the decision log.");
    e.sample("tenet_decision_log_bytes_total", {}, log.bytes_written);
    e.family("tenet_decision_log_write_errors_total", "counter",
             "writev(2) calls on the decision log that failed (the records are kept and retried).");
    e.sample("tenet_decision_log_write_errors_total", {}, log.write_errors);
    e.family("tenet_decision_log_rotations_total", "counter", "Rotations of the decision log.");
    e.sample("tenet_decision_log_rotations_total", {}, log.rotations);
    e.family("tenet_decision_log_write_duration_seconds", "histogram",
             "Time of each writev(2) of the decision log's writer (several records each).");
    LatencyHistogram::Counts write_counts{};
    logging->log().write_latency().add_to(write_counts);
    e.histogram("tenet_decision_log_write_duration_seconds", {}, write_counts, log.write_ns);
  }
  if (const store::DecisionShipper* shipper = service.decision_shipper()) {
    const store::ShipperCounters ship = shipper->counters();
    e.family("tenet_decision_log_shipped_total", "counter",
             "Decision records committed to the store's tenet.decisions (a resent copy "
             "included).");
    e.sample("tenet_decision_log_shipped_total", {}, ship.shipped);
    e.family("tenet_decision_log_ship_failures_total", "counter",
             "Attempts to ship a batch that failed (the store unreachable or refusing).");
    e.sample("tenet_decision_log_ship_failures_total", {}, ship.failures);
    e.family("tenet_decision_log_ship_skipped_total", "counter",
             "Lines of the log not shipped: not records, or records the store refused.");
    e.sample("tenet_decision_log_ship_skipped_total", {}, ship.skipped);
    e.family("tenet_decision_log_ship_behind_bytes", "gauge",
             "Bytes of the log not yet in the store.");
    e.sample("tenet_decision_log_ship_behind_bytes", {}, ship.behind_bytes);
    e.family("tenet_decision_log_ship_connected", "gauge",
             "1 when the shipper's last attempt reached the store.");
    e.sample("tenet_decision_log_ship_connected", {}, ship.connected ? 1 : 0);
    e.family("tenet_decision_log_ship_newest_seconds", "gauge",
             "The time of the newest record in the store (Unix seconds; 0: none yet): "
             "time() minus it is how far behind the store is.");
    e.sample("tenet_decision_log_ship_newest_seconds", {},
             number(static_cast<double>(ship.newest_shipped_ms) / 1000.0));
  }
  if (service.serves_store()) {
    const Service::StoreStatus store = service.store_status();
    e.family("tenet_store_connected", "gauge",
             "1 while the fleet's store can be reached (docs/FLEET.md).");
    e.sample("tenet_store_connected", {}, store.connected ? 1 : 0);
    e.family("tenet_store_revision", "gauge", "The fleet store's revision this replica applied.");
    e.sample("tenet_store_revision", {}, store.revision);
  }
  return e.take();
}

}  // namespace tenet::server
