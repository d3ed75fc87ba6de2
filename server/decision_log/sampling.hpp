// Which decisions the decision log records (docs/DECISION_LOG.md, "Sampling").
//
// A rate per outcome (allow; deny, which includes invalid_request), set for
// every partner (`--decision-log-sample`) and overridden per partner
// (`--decision-log-sample-partner TENANT:SPEC`). A SPEC is one rate for both
// outcomes (`0.1`, `10%`) or per outcome (`allow=0.01,deny=1`; an outcome not
// named keeps the rate it had). Every decision still gets its decision_id;
// only the record is sampled.
//
// Parsed once at start (cli/serve_command); read-only afterwards.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tenet::server::decision_log {

struct Rates {
  double allow = 1.0;
  double deny = 1.0;
  friend bool operator==(const Rates&, const Rates&) = default;
};

struct Sampling {
  Rates all;
  std::map<std::string, Rates, std::less<>> partners;  // tenant name → its rates

  [[nodiscard]] const Rates& rates_of(std::string_view tenant) const {
    const auto found = partners.find(tenant);
    return found == partners.end() ? all : found->second;
  }
  // Every decision of every partner is recorded.
  [[nodiscard]] bool records_everything() const;
};

// A rate: a number in [0, 1] or a percentage in [0 %, 100 %].
[[nodiscard]] std::optional<double> parse_rate(std::string_view text);

// Applies SPEC (`RATE` or `allow=RATE,deny=RATE`) over `rates`; the error
// text when SPEC is malformed (`rates` is then unchanged).
[[nodiscard]] std::optional<std::string> apply_rate_spec(std::string_view spec, Rates& rates);

// `--decision-log-sample-partner TENANT:SPEC` (split at the last ':', so a
// tenant name may contain one): SPEC over the global rates for TENANT.
[[nodiscard]] std::optional<std::string> add_partner_spec(std::string_view text,
                                                          Sampling& sampling);

}  // namespace tenet::server::decision_log
