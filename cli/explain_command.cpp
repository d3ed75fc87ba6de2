#include "cli/explain_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"

namespace tenet::cli {
namespace {

using nlohmann::json;

// The exit codes of explain (and 0/1 of replay).
constexpr int kSame = 0;
constexpr int kDifferent = 1;
constexpr int kNotReproducible = 2;

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::string logged_outcome(const LoggedDecision& record) {
  std::string text = record.decision.empty() ? std::string("no decision") : record.decision;
  if (!record.reasons.empty()) text += " (reasons " + joined(record.reasons) + ")";
  if (!record.plans.empty()) text += " plans " + record.plans;
  if (!record.features.empty()) text += " features " + record.features;
  if (!record.error_code.empty()) text += " error " + record.error_code;
  return text;
}

void print_summary(const LoggedDecision& record, std::ostream& out) {
  out << "decision " << record.id << '\n'
      << "  time      " << record.time << '\n'
      << "  tenant    " << record.tenant << "  revision "
      << (record.revision == 0 ? std::string("none") : std::to_string(record.revision))
      << "  platform revision " << record.platform_revision << '\n'
      << "  op        " << record.op << '\n'
      << "  logged    " << logged_outcome(record) << '\n';
  if (!record.withheld.empty()) out << "  withheld  " << joined(record.withheld) << '\n';
}

// The replayed response, as a reader wants it: decision, reasons, unmet,
// errors, and the trace one rule a line (kind, outcome, rule, location).
void print_replay(const ReplayResult& result, std::ostream& out) {
  out << "replayed against " << result.source << '\n';
  const json response = json::parse(result.response, nullptr, false);
  if (!response.is_object()) {
    out << "  response  " << result.response << '\n';
    return;
  }
  out << "  decision  " << response.value("decision", std::string("none")) << '\n';
  const auto list = [&](const char* name) {
    const auto it = response.find(name);
    if (it == response.end() || !it->is_array() || it->empty()) return;
    out << "  " << std::left << std::setw(10) << name;
    bool first = true;
    for (const json& item : *it) {
      out << (first ? "" : ", ") << (item.is_string() ? item.get<std::string>() : item.dump());
      first = false;
    }
    out << '\n';
  };
  list("reasons");
  list("plans");
  list("features");
  list("unmet");
  if (const auto errors = response.find("errors"); errors != response.end() && errors->is_array()) {
    for (const json& error : *errors) {
      out << "  error     " << error.value("rule", std::string()) << ": "
          << error.value("message", std::string()) << '\n';
    }
  }
  if (const auto error = response.find("error"); error != response.end() && error->is_object()) {
    out << "  error     " << error->value("code", std::string()) << ": "
        << error->value("message", std::string()) << '\n';
  }
  const auto trace = response.find("trace");
  if (trace == response.end() || !trace->is_array() || trace->empty()) {
    out << "  trace     (no rule looked at)\n";
    return;
  }
  out << "  trace\n";
  for (const json& step : *trace) {
    out << "    " << std::left << std::setw(11) << step.value("kind", std::string()) << ' '
        << std::setw(12) << step.value("outcome", std::string()) << ' '
        << step.value("rule", std::string()) << "  " << step.value("location", std::string())
        << '\n';
  }
}

constexpr std::string_view kPlatformWarning =
    "WARNING: the platform part changed since this decision; replaying against the current one";

bool time_in_range(const LoggedDecision& record, const std::optional<std::int64_t>& from,
                   const std::optional<std::int64_t>& to) {
  if (!from && !to) return true;
  if (!record.time_ms) return false;
  return (!from || *record.time_ms >= *from) && (!to || *record.time_ms <= *to);
}

json result_json(const LoggedDecision& record, const ReplayResult& result) {
  json line = {{"decision_id", record.id},
               {"time", record.time},
               {"tenant", record.tenant},
               {"revision", record.revision},
               {"logged", record.decision},
               {"replayed", result.decision.empty() ? json(nullptr) : json(result.decision)},
               {"verdict", verdict_name(result.verdict)},
               {"platform_changed", result.platform_changed}};
  if (!result.why.empty()) line["why"] = result.why;
  return line;
}

}  // namespace

int run_explain(const ExplainOptions& options, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCommand = "tenet explain";
  if (!options.source.directory && !options.source.store) {
    // A usage error before any work (open_replay_policies words it).
    (void)open_replay_policies(options.source, kCommand, err);
    return kUsageOrIo;
  }
  std::optional<LoggedDecision> found;
  try {
    (void)read_log(
        options.logs,
        [&](const LoggedDecision& record) {
          if (record.id != options.id) return true;
          found = record;
          return false;
        },
        err);
  } catch (const std::runtime_error& error) {
    err << kCommand << ": error: " << error.what() << '\n';
    return kUsageOrIo;
  }
  if (!found) {
    err << kCommand << ": error: no record with decision_id " << options.id << " in";
    for (const auto& log : options.logs) err << ' ' << log.string();
    err << '\n';
    return kUsageOrIo;
  }
  const std::unique_ptr<ReplayPolicies> policies =
      open_replay_policies(options.source, kCommand, err);
  if (!policies) return kUsageOrIo;
  Replayer replayer(*policies);
  const ReplayResult result = replayer.replay(*found);
  if (result.platform_changed) err << kCommand << ": " << kPlatformWarning << '\n';

  if (options.json) {
    if (!result.response.empty()) out << result.response << '\n';
    json summary = {{"logged", found->decision},
                    {"replayed", result.decision.empty() ? json(nullptr) : json(result.decision)},
                    {"same", result.verdict == Verdict::Same},
                    {"verdict", verdict_name(result.verdict)},
                    {"platform_changed", result.platform_changed}};
    if (!result.why.empty()) summary["why"] = result.why;
    out << summary.dump() << '\n';
  } else {
    print_summary(*found, out);
    if (!result.response.empty()) print_replay(result, out);
    if (result.platform_changed) out << kPlatformWarning << '\n';
    switch (result.verdict) {
      case Verdict::Same:
        out << "same decision as logged\n";
        break;
      case Verdict::Different:
        out << "!!! DIFFERENT from the log: " << result.why << " !!!\n";
        break;
      case Verdict::NotReproducible:
        out << "not reproducible: " << result.why << '\n';
        break;
    }
  }
  switch (result.verdict) {
    case Verdict::Same:
      return kSame;
    case Verdict::Different:
      return kDifferent;
    case Verdict::NotReproducible:
      return kNotReproducible;
  }
  return kNotReproducible;
}

int run_replay(const ReplayOptions& options, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kCommand = "tenet replay";
  std::optional<std::int64_t> from;
  std::optional<std::int64_t> to;
  if (options.from && !(from = rfc3339_ms(*options.from))) {
    err << kCommand << ": error: --from " << *options.from
        << " is not an RFC 3339 time (2026-12-07T08:12:46Z)\n";
    return kUsageOrIo;
  }
  if (options.to && !(to = rfc3339_ms(*options.to))) {
    err << kCommand << ": error: --to " << *options.to
        << " is not an RFC 3339 time (2026-12-07T08:12:46Z)\n";
    return kUsageOrIo;
  }
  const std::unique_ptr<ReplayPolicies> policies =
      open_replay_policies(options.source, kCommand, err);
  if (!policies) return kUsageOrIo;
  Replayer replayer(*policies);

  std::size_t records = 0;
  std::size_t same = 0;
  std::size_t different = 0;
  std::size_t not_reproducible = 0;
  std::size_t platform_changed = 0;
  std::size_t skipped = 0;
  try {
    skipped = read_log(
        options.logs,
        [&](const LoggedDecision& record) {
          if (options.tenant && record.tenant != *options.tenant) return true;
          if (!time_in_range(record, from, to)) return true;
          ++records;
          const ReplayResult result = replayer.replay(record);
          if (result.platform_changed) ++platform_changed;
          switch (result.verdict) {
            case Verdict::Same:
              ++same;
              break;
            case Verdict::Different:
              ++different;
              break;
            case Verdict::NotReproducible:
              ++not_reproducible;
              break;
          }
          const bool noteworthy = result.verdict != Verdict::Same;
          if (options.json) {
            if (noteworthy || !options.quiet) out << result_json(record, result).dump() << '\n';
          } else if (noteworthy && !options.quiet) {
            out << record.id << ' ' << record.time << ' ' << record.tenant << " revision "
                << record.revision << ": "
                << (result.verdict == Verdict::Different ? "DIFFERENT from the log: "
                                                         : "not reproducible: ")
                << result.why << (result.platform_changed ? " [platform part changed since]" : "")
                << '\n';
          }
          return true;
        },
        err);
  } catch (const std::runtime_error& error) {
    err << kCommand << ": error: " << error.what() << '\n';
    return kUsageOrIo;
  }
  if (platform_changed > 0) {
    err << kCommand << ": WARNING: " << platform_changed
        << " records were made under another platform part than the current one; they were "
           "replayed against the current one\n";
  }
  if (options.json) {
    out << json{{"records", records},
                {"same", same},
                {"different", different},
                {"not_reproducible", not_reproducible},
                {"skipped", skipped}}
               .dump()
        << '\n';
  } else {
    out << records << " records: " << same << " same, " << different << " different, "
        << not_reproducible << " not reproducible, " << skipped << " skipped (unreadable)\n";
  }
  return different > 0 ? kDifferent : kSame;
}

namespace {

void add_source_options(CLI::App& command, ReplaySourceOptions& source,
                        std::optional<std::string>& store_flag) {
  command.add_option("--policies", source.directory,
                     "The policy directory `tenet serve` served (its .tenet-history gives older "
                     "revisions)");
  command.add_option("--store", store_flag,
                     "The fleet's store: libpq connection string or URI (default: $TENET_STORE "
                     "when --policies is not given)");
  command.add_option("--state", source.state,
                     "With --policies: the feature-switch file `tenet serve --state` used (the "
                     "switches as they are now)");
  add_parse_limit_options(command, source.limits);
}

// --store, else TENET_STORE when --policies is not given either.
void resolve_store(ReplaySourceOptions& source, const std::optional<std::string>& store_flag) {
  source.store = store_flag;
  if (!source.store && !source.directory) {
    if (const char* from_env = std::getenv("TENET_STORE"); from_env != nullptr && *from_env != 0)
      source.store = from_env;
  }
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExplainOptions>();
  auto store_flag = std::make_shared<std::optional<std::string>>();
  CLI::App* command = app.add_subcommand(
      "explain",
      "Replay one logged decision (tenet serve --decision-log) against the policy revision "
      "recorded in it and print the full trace. Exit status: 0 same decision as logged, 1 "
      "DIFFERENT, 2 not reproducible, unknown id, usage or I/O error.");
  command->add_option("--log", options->logs, "Decision log file (repeat for rotated files)")
      ->required();
  command->add_option("--id", options->id, "The decision_id to explain")->required();
  add_source_options(*command, options->source, *store_flag);
  command->add_flag("--json", options->json,
                    "Print the replayed response line, then "
                    "{\"logged\",\"replayed\",\"same\",\"verdict\",...}");
  command->callback([options, store_flag, &exit_code] {
    resolve_store(options->source, *store_flag);
    exit_code = run_explain(*options, std::cout, std::cerr);
  });
}

void add_replay_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReplayOptions>();
  auto store_flag = std::make_shared<std::optional<std::string>>();
  CLI::App* command = app.add_subcommand(
      "replay",
      "Replay every logged decision (optionally in a time range or of one tenant) against the "
      "policy revisions recorded in them; print the records whose replay differs and a summary. "
      "Exit status: 0 none differs, 1 some differ, 2 usage or I/O error.");
  command->add_option("--log", options->logs, "Decision log file (repeat for rotated files)")
      ->required();
  command->add_option("--from", options->from, "Only records at or after this RFC 3339 time");
  command->add_option("--to", options->to, "Only records at or before this RFC 3339 time");
  command->add_option("--tenant", options->tenant, "Only this tenant's records");
  add_source_options(*command, options->source, *store_flag);
  command->add_flag("--quiet", options->quiet,
                    "Only the summary (with --json: only the records that are not the same)");
  command->add_flag("--json", options->json,
                    "One JSON line per record, then "
                    "{\"records\",\"same\",\"different\",\"not_reproducible\",\"skipped\"}");
  command->callback([options, store_flag, &exit_code] {
    resolve_store(options->source, *store_flag);
    exit_code = run_replay(*options, std::cout, std::cerr);
  });
}

}  // namespace tenet::cli
