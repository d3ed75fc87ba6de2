#include "cli/decision_replay.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <utility>

#include "grammar/source/diagnostic.hpp"
#include "server/feature_state.hpp"
#include "server/policy_history.hpp"
#include "server/store/fleet_rows.hpp"
#include "server/store/pg_connection.hpp"

namespace tenet::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The request members of a record (SPEC: exactly the protocol's shape).
constexpr std::array<const char*, 7> kRequestMembers = {
    "tenant", "principal", "action", "resource", "context", "to", "plan"};

std::vector<std::string> strings_of(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string string_member(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t unsigned_member(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// The outcome members of a record or a response, read the same way so they
// compare equal when they are.
struct Outcome {
  std::string decision;
  std::vector<std::string> reasons;
  std::string plans;
  std::string features;
  std::string error_code;
};

Outcome outcome_of(const json& object) {
  Outcome outcome;
  outcome.decision = string_member(object, "decision");
  outcome.reasons = strings_of(object.value("reasons", json::array()));
  if (const auto it = object.find("plans"); it != object.end()) outcome.plans = it->dump();
  if (const auto it = object.find("features"); it != object.end()) outcome.features = it->dump();
  if (const auto it = object.find("error"); it != object.end() && it->is_object())
    outcome.error_code = string_member(*it, "code");
  return outcome;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

int digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + count, value);
  return ec == std::errc{} && ptr == text.data() + at + count ? value : -1;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

}  // namespace

std::optional<std::int64_t> rfc3339_ms(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  const int year = digits(text, 0, 4);
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  const int hour = digits(text, 11, 2);
  const int minute = digits(text, 14, 2);
  const int second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (text[at] == '.') {
    ++at;
    const std::size_t first = at;
    std::int64_t scale = 100;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first) return std::nullopt;
  }
  if (at >= text.size()) return std::nullopt;
  std::int64_t offset_minutes = 0;
  if (text[at] == 'Z' || text[at] == 'z') {
    ++at;
  } else if (text[at] == '+' || text[at] == '-') {
    const int offset_hours = digits(text, at + 1, 2);
    const int offset_mins = digits(text, at + 4, 2);
    if (offset_hours < 0 || offset_hours > 23 || offset_mins < 0 || offset_mins > 59 ||
        text.size() < at + 6 || text[at + 3] != ':')
      return std::nullopt;
    offset_minutes = (text[at] == '-' ? -1 : 1) * (offset_hours * 60 + offset_mins);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const std::int64_t seconds =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

std::optional<LoggedDecision> read_record(std::string_view line, std::string& error) {
  const json record = json::parse(line, nullptr, false);
  if (record.is_discarded()) {
    error = "not JSON";
    return std::nullopt;
  }
  if (!record.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  LoggedDecision logged;
  logged.id = string_member(record, "decision_id");
  logged.op = string_member(record, "op");
  if (logged.id.empty() || logged.op.empty()) {
    error = "not a decision record (no decision_id or op)";
    return std::nullopt;
  }
  logged.time = string_member(record, "time");
  logged.time_ms = rfc3339_ms(logged.time);
  logged.tenant = string_member(record, "tenant");
  logged.revision = unsigned_member(record, "revision");
  logged.platform_revision = unsigned_member(record, "platform_revision");
  logged.platform_hash = string_member(record, "platform_hash");

  json request = json::object();
  request["op"] = logged.op;
  for (const char* member : kRequestMembers) {
    if (const auto it = record.find(member); it != record.end()) request[member] = *it;
  }
  request["explain"] = true;
  logged.request_line = request.dump();

  Outcome outcome = outcome_of(record);
  logged.decision = std::move(outcome.decision);
  logged.reasons = std::move(outcome.reasons);
  logged.plans = std::move(outcome.plans);
  logged.features = std::move(outcome.features);
  logged.error_code = std::move(outcome.error_code);
  logged.withheld = strings_of(record.value("withheld", json::array()));
  return logged;
}

std::size_t read_log(const std::vector<fs::path>& files,
                     const std::function<bool(const LoggedDecision&)>& on_record,
                     std::ostream& err) {
  std::size_t skipped = 0;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + file.string());
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      // getline sets eof when the last line had no '\n': a line the writer
      // was cut in the middle of (kill -9), not a damaged record.
      const bool cut_last = in.eof();
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string error;
      const std::optional<LoggedDecision> record = read_record(line, error);
      if (!record) {
        ++skipped;
        if (!cut_last) err << file.string() << ':' << number << ": skipped: " << error << '\n';
        continue;
      }
      if (!on_record(*record)) return skipped;
    }
    if (in.bad()) throw std::runtime_error("cannot read " + file.string());
  }
  return skipped;
}

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::Same:
      return "same";
    case Verdict::Different:
      return "different";
    case Verdict::NotReproducible:
      return "not_reproducible";
  }
  return "unknown";
}

ReplayResult Replayer::replay(const LoggedDecision& record) {
  ReplayResult result;
  ResolvedPolicies resolved = policies_.at(record);
  result.platform_changed = resolved.platform_changed;
  result.source = std::move(resolved.source);
  if (!resolved.policies) {
    result.verdict = Verdict::NotReproducible;
    result.why = std::move(resolved.not_reproducible);
    return result;
  }
  out_.clear();
  handler_.handle(*resolved.policies, record.request_line, out_);
  result.response = out_;
  const json response = json::parse(out_, nullptr, false);
  const Outcome replayed = response.is_object() ? outcome_of(response) : Outcome{};
  result.decision = replayed.decision;
  result.reasons = replayed.reasons;
  result.error_code = replayed.error_code;

  std::string differences;
  const auto differ = [&differences](const std::string& what) {
    differences += (differences.empty() ? "" : "; ") + what;
  };
  if (replayed.decision != record.decision) {
    differ("logged " + (record.decision.empty() ? std::string("no decision") : record.decision) +
           ", replay " +
           (replayed.decision.empty() ? std::string("no decision") : replayed.decision) +
           " (reasons " + joined(replayed.reasons) + ")");
  }
  if (replayed.plans != record.plans)
    differ("plans: logged " + record.plans + ", replay " + replayed.plans);
  if (replayed.features != record.features)
    differ("features: logged " + record.features + ", replay " + replayed.features);
  if (replayed.error_code != record.error_code)
    differ("error: logged " + (record.error_code.empty() ? "none" : record.error_code) +
           ", replay " + (replayed.error_code.empty() ? "none" : replayed.error_code));
  if (differences.empty()) {
    result.verdict = Verdict::Same;
  } else if (!record.withheld.empty()) {
    // The engine read the withheld attributes as absent: a difference is
    // what the log cannot show, not an inconsistency.
    result.verdict = Verdict::NotReproducible;
    result.why = "the request carried @sensitive attributes the log does not keep (" +
                 joined(record.withheld) + "); replay: " + differences;
  } else if (record.error_code == "invalid_request") {
    // The value the schema refused is not in engine form, so the record
    // does not have it: the replayed request lacks it.
    result.verdict = Verdict::NotReproducible;
    result.why =
        "the request did not fit the schema (invalid_request); the log keeps the "
        "message, not the value it refused; replay: " +
        differences;
  } else {
    result.verdict = Verdict::Different;
    result.why = std::move(differences);
  }
  return result;
}

namespace {

// ---- a policy directory and its .tenet-history ----------------------------

class DirectoryPolicies final : public ReplayPolicies {
 public:
  DirectoryPolicies(fs::path directory, std::shared_ptr<const units::Version> base,
                    std::unique_ptr<server::FeatureState> state, ParseLimits limits)
      : directory_(std::move(directory)),
        history_(directory_, std::numeric_limits<std::size_t>::max()),
        base_(std::move(base)),
        base_hash_(units::platform_hash(base_->platform())),
        state_(std::move(state)),
        limits_(limits) {
    state_->apply(*base_->compiled());
  }

  ResolvedPolicies at(const LoggedDecision& record) override {
    const std::string key = record.tenant + '\n' + std::to_string(record.revision);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, build(record)).first;
    ResolvedPolicies resolved = it->second;
    resolved.platform_changed = !record.platform_hash.empty() && record.platform_hash != base_hash_;
    return resolved;
  }

 private:
  ResolvedPolicies build(const LoggedDecision& record) const {
    ResolvedPolicies resolved;
    const units::Unit* served = base_->find(record.tenant);
    if (record.revision == 0 || (served != nullptr && served->revision == record.revision)) {
      resolved.policies = base_->compiled();
      resolved.source = directory_.string() + " (served)";
      return resolved;
    }
    const std::string name =
        "revision " + std::to_string(record.revision) + " of tenant '" + record.tenant + "'";
    const std::optional<std::string> source = history_.source_of(record.tenant, record.revision);
    if (!source) {
      resolved.not_reproducible = name + " is not in " + (directory_ / ".tenet-history").string();
      return resolved;
    }
    units::PutRequest request;
    request.tenant = record.tenant;
    request.source = *source;
    request.max_bytes = std::numeric_limits<std::size_t>::max();  // it was served once
    // In memory only: units::put builds a version and writes nothing (the
    // server writes the unit file itself).
    const units::PutReport put = units::put(*base_, request, limits_);
    if (!put.ok || !put.version) {
      resolved.not_reproducible = name + " from the history does not compile against the " +
                                  "current platform part: " + put.message;
      return resolved;
    }
    state_->apply(*put.version->compiled());
    resolved.policies = put.version->compiled();
    resolved.source = (directory_ / ".tenet-history").string();
    return resolved;
  }

  fs::path directory_;
  server::PolicyHistory history_;
  std::shared_ptr<const units::Version> base_;
  std::string base_hash_;
  std::unique_ptr<server::FeatureState> state_;
  ParseLimits limits_;
  std::map<std::string, ResolvedPolicies> cache_;
};

std::unique_ptr<ReplayPolicies> open_directory(const ReplaySourceOptions& options,
                                               std::string_view command, std::ostream& err) {
  const fs::path& directory = *options.directory;
  auto state = std::make_unique<server::FeatureState>();
  if (auto failure = server::FeatureState::load(options.state, *state)) {
    err << command << ": error: " << *failure << '\n';
    return nullptr;
  }
  units::UnitOptions unit_options;
  unit_options.limits = options.limits;
  // Numbered as `tenet serve` numbers them at start.
  unit_options.known = server::PolicyHistory(directory, 1).known();
  units::Report report = units::load(directory, unit_options);
  if (!report.version) {
    for (const std::string& io_error : report.io_errors)
      err << command << ": error: " << io_error << '\n';
    if (report.sources) {
      for (const Diagnostic& diagnostic : report.platform_diagnostics)
        err << render(diagnostic, *report.sources);
    }
    err << command << ": error: cannot load " << directory.string()
        << (report.message.empty() ? std::string() : ": " + report.message) << '\n';
    return nullptr;
  }
  return std::make_unique<DirectoryPolicies>(directory, std::move(report.version), std::move(state),
                                             options.limits);
}

// ---- the fleet's store ------------------------------------------------------

FeatureSwitch switch_of(const std::string& state) {
  if (state == "on") return FeatureSwitch::On;
  if (state == "off") return FeatureSwitch::Off;
  return FeatureSwitch::Default;
}

class StorePolicies final : public ReplayPolicies {
 public:
  StorePolicies(std::unique_ptr<store::Connection> connection,
                std::vector<store::SwitchRow> switches, ParseLimits limits)
      : connection_(std::move(connection)), switches_(std::move(switches)), limits_(limits) {}

  ResolvedPolicies at(const LoggedDecision& record) override {
    const std::string key = record.tenant + '\n' + std::to_string(record.revision) + '\n' +
                            std::to_string(record.platform_revision);
    auto it = cache_.find(key);
    if (it == cache_.end()) {
      ResolvedPolicies built;
      try {
        built = build(record);
      } catch (const store::StoreError& error) {
        built.not_reproducible = std::string("the store: ") + error.what();
      }
      it = cache_.emplace(key, std::move(built)).first;
    }
    ResolvedPolicies resolved = it->second;
    const auto platform = platforms_.find(record.platform_revision);
    resolved.platform_changed = platform != platforms_.end() && platform->second &&
                                !record.platform_hash.empty() &&
                                record.platform_hash != platform->second->hash;
    return resolved;
  }

 private:
  ResolvedPolicies build(const LoggedDecision& record) {
    ResolvedPolicies resolved;
    if (record.platform_revision == 0) {
      resolved.not_reproducible = "the record names no platform revision";
      return resolved;
    }
    auto platform = platforms_.find(record.platform_revision);
    if (platform == platforms_.end()) {
      platform = platforms_
                     .emplace(record.platform_revision,
                              store::platform_at(*connection_, record.platform_revision))
                     .first;
    }
    if (!platform->second) {
      resolved.not_reproducible =
          "platform revision " + std::to_string(record.platform_revision) + " is not in the store";
      return resolved;
    }
    std::vector<units::PolicyText> texts;
    for (const auto& [path, source] : platform->second->files) texts.push_back({path, source});
    units::UnitOptions options;
    options.limits = limits_;
    options.platform_revision = record.platform_revision;
    if (record.revision != 0) {
      const std::optional<store::UnitRow> unit =
          store::unit_at(*connection_, record.tenant, record.revision);
      if (!unit || !unit->source) {
        resolved.not_reproducible = "revision " + std::to_string(record.revision) + " of tenant '" +
                                    record.tenant + "' is not in the store" +
                                    (unit ? " (it is a removal)" : "");
        return resolved;
      }
      texts.push_back({unit->path, *unit->source});
      options.assigned[record.tenant] = {unit->revision, unit->hash};
    }
    const units::Report report = units::load_texts(std::move(texts), options);
    if (!report.version) {
      resolved.not_reproducible = "the store's platform revision " +
                                  std::to_string(record.platform_revision) +
                                  " does not load: " + report.message;
      return resolved;
    }
    const CompiledPolicySet& compiled = *report.version->compiled();
    for (const store::SwitchRow& row : switches_) {
      const Index t = compiled.find_tenant(row.tenant);
      if (t == kNone) continue;
      const Index f = compiled.find_feature(t, row.feature);
      if (f != kNone) compiled.set_feature_switch(t, f, switch_of(row.state));
    }
    resolved.policies = report.version->compiled();
    resolved.source =
        "the store (platform revision " + std::to_string(record.platform_revision) + ")";
    return resolved;
  }

  std::unique_ptr<store::Connection> connection_;
  std::vector<store::SwitchRow> switches_;
  ParseLimits limits_;
  std::map<std::uint64_t, std::optional<store::PlatformRow>> platforms_;
  std::map<std::string, ResolvedPolicies> cache_;
};

std::unique_ptr<ReplayPolicies> open_store(const ReplaySourceOptions& options,
                                           std::string_view command, std::ostream& err) {
  try {
    auto connection = std::make_unique<store::Connection>(*options.store);
    // The switches as they are now: the store keeps no history of them.
    std::vector<store::SwitchRow> switches = store::read_changes(*connection, 0).switches;
    return std::make_unique<StorePolicies>(std::move(connection), std::move(switches),
                                           options.limits);
  } catch (const store::StoreError& error) {
    err << command << ": error: the store: " << error.what() << '\n';
    return nullptr;
  }
}

}  // namespace

std::unique_ptr<ReplayPolicies> open_replay_policies(const ReplaySourceOptions& options,
                                                     std::string_view command, std::ostream& err) {
  if (options.directory && options.store) {
    err << command << ": error: give --policies DIR or --store URL, not both\n";
    return nullptr;
  }
  if (options.directory) return open_directory(options, command, err);
  if (options.store) return open_store(options, command, err);
  err << command
      << ": error: where are the policies? give --policies DIR (the directory `tenet serve` "
         "served, with its .tenet-history) or --store URL (or TENET_STORE)\n";
  return nullptr;
}

}  // namespace tenet::cli
