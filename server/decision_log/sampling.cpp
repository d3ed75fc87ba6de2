#include "server/decision_log/sampling.hpp"

#include <charconv>

namespace tenet::server::decision_log {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

bool Sampling::records_everything() const {
  if (all != Rates{}) return false;
  for (const auto& [tenant, rates] : partners) {
    if (rates != Rates{}) return false;
  }
  return true;
}

std::optional<double> parse_rate(std::string_view text) {
  text = trim(text);
  const bool percent = !text.empty() && text.back() == '%';
  if (percent) text = trim(text.substr(0, text.size() - 1));
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (percent) value /= 100.0;
  if (!(value >= 0.0 && value <= 1.0)) return std::nullopt;  // also NaN
  return value;
}

std::optional<std::string> apply_rate_spec(std::string_view spec, Rates& rates) {
  const std::string bad = "'" + std::string(spec) +
                          "': a sampling rate is RATE or allow=RATE,deny=RATE, with RATE a "
                          "number from 0 to 1 or a percentage (e.g. 0.01 or 1%)";
  if (spec.find('=') == std::string_view::npos) {
    const std::optional<double> rate = parse_rate(spec);
    if (!rate) return bad;
    rates = Rates{*rate, *rate};
    return std::nullopt;
  }
  Rates result = rates;
  while (!spec.empty()) {
    const std::size_t comma = spec.find(',');
    const std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) return bad;
    const std::string_view outcome = trim(item.substr(0, equals));
    const std::optional<double> rate = parse_rate(item.substr(equals + 1));
    if (!rate) return bad;
    if (outcome == "allow") {
      result.allow = *rate;
    } else if (outcome == "deny") {
      result.deny = *rate;
    } else {
      return "'" + std::string(outcome) + "': a sampling rate is for allow or deny";
    }
  }
  rates = result;
  return std::nullopt;
}

std::optional<std::string> add_partner_spec(std::string_view text, Sampling& sampling) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "'" + std::string(text) + "': expected TENANT:RATE or TENANT:allow=RATE,deny=RATE";
  const std::string tenant(text.substr(0, colon));
  Rates rates = sampling.all;
  if (auto error = apply_rate_spec(text.substr(colon + 1), rates)) return error;
  sampling.partners[tenant] = rates;
  return std::nullopt;
}

}  // namespace tenet::server::decision_log
