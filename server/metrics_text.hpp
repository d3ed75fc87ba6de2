// The Prometheus text exposition of a server's counters (docs/METRICS.md):
// what `GET /metrics` on `tenet serve --metrics HOST:PORT` answers. A pure
// function of the service's state, so it is tested without sockets; the
// scrape path is not the decision path (it allocates, it sums the shards).
#pragma once

#include <string>

#include "server/service.hpp"

namespace tenet::server {

struct MetricsOptions {
  // The per-partner series (tenet_partner_revision, tenet_partner_decisions_total); off for
  // fleets whose partners would be too many series.
  bool per_partner = true;
};

[[nodiscard]] std::string render_metrics(Service& service, const MetricsOptions& options);

// `text` as a Prometheus label value (backslash, quote and newline escaped).
[[nodiscard]] std::string label_value(std::string_view text);

}  // namespace tenet::server
