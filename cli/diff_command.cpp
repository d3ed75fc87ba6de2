#include "cli/diff_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include "cli/check_command.hpp"
#include "cli/decision_replay.hpp"
#include "cli/diff_report.hpp"
#include "cli/policy_loading.hpp"
#include "cli/request_synth.hpp"
#include "engine/json/line_framer.hpp"
#include "engine/json/line_handler.hpp"

namespace tenet::cli {
namespace {

namespace fs = std::filesystem;

// A request to evaluate and the partner it is counted under.
struct RequestLine {
  std::string tenant;
  std::string line;
};

std::string_view op_name(json::RequestOp op) {
  switch (op) {
    case json::RequestOp::Check:
      return "check";
    case json::RequestOp::Transition:
      return "transition";
    case json::RequestOp::Subscribe:
      return "subscribe";
    case json::RequestOp::Plans:
      return "plans";
    case json::RequestOp::Features:
      return "features";
    case json::RequestOp::Lifecycle:
      return "lifecycle";
    default:
      return "request";
  }
}

bool is_decision_op_name(std::string_view op) {
  return op == "check" || op == "transition" || op == "subscribe" || op == "plans" ||
         op == "features" || op == "lifecycle";
}

// One set's answer to a line, read from the handler's Decision (valid until
// the handler answers again).
struct Answer {
  json::RequestOp op = json::RequestOp::None;
  const eval::Decision* decision = nullptr;  // null: a protocol error
  std::string_view error;                    // its code, when no decision
};

bool same_views(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

DiffOutcome outcome_of(const Answer& answer) {
  DiffOutcome outcome;
  outcome.listing = answer.op == json::RequestOp::Plans || answer.op == json::RequestOp::Features;
  if (answer.decision == nullptr) {
    outcome.error = answer.error;
    return outcome;
  }
  const eval::Decision& decision = *answer.decision;
  outcome.allow = decision.allow;
  outcome.reasons.assign(decision.reasons.begin(), decision.reasons.end());
  outcome.names.assign(decision.names.begin(), decision.names.end());
  outcome.error = decision.error_code;
  return outcome;
}

// Evaluates lines under both sets (one per thread).
class Comparer {
 public:
  Comparer(const CompiledPolicySet& old_set, const CompiledPolicySet& new_set)
      : old_(old_set), new_(new_set) {}

  void compare(std::string_view tenant, std::string_view line, DiffReport& report) {
    report.count(tenant);
    const Answer before = answer(old_handler_, old_, line);
    const Answer after = answer(new_handler_, new_, line);
    if (same(before, after)) return;
    report.add(tenant, op_name(before.op != json::RequestOp::None ? before.op : after.op), line,
               outcome_of(before), outcome_of(after));
  }

 private:
  Answer answer(json::LineHandler& handler, const CompiledPolicySet& set, std::string_view line) {
    Answer result;
    scratch_.clear();
    try {
      const json::ParsedRequest& parsed = handler.parse(set, line);
      result.op = parsed.op;
      if (!parsed.ok()) {
        result.error = json::error_name(*parsed.error);
      } else if (!json::is_decision_op(parsed.op)) {
        result.error = "bad_request";
      } else {
        (void)handler.answer(set, parsed, scratch_);
        result.decision = &handler.decision();
      }
    } catch (const std::exception&) {
      result.decision = nullptr;
      result.error = "internal";
    }
    return result;
  }

  static bool same(const Answer& a, const Answer& b) {
    if (a.decision == nullptr || b.decision == nullptr)
      return a.decision == b.decision && a.error == b.error;
    const eval::Decision& x = *a.decision;
    const eval::Decision& y = *b.decision;
    return x.allow == y.allow && x.error_code == y.error_code && same_views(x.names, y.names) &&
           same_views(x.reasons, y.reasons);
  }

  const CompiledPolicySet& old_;
  const CompiledPolicySet& new_;
  json::LineHandler old_handler_;
  json::LineHandler new_handler_;
  std::string scratch_;
};

// ---------------------------------------------------------------- sources

// A request object as lines to evaluate: itself, or a batch's items.
// Returns an error text, empty when it is a decision request.
std::string add_request(const nlohmann::json& request, std::string_view text,
                        std::vector<RequestLine>& out) {
  if (!request.is_object()) return "not a JSON object";
  const auto op = request.find("op");
  if (op == request.end() || !op->is_string()) return "no \"op\" (a string)";
  const std::string name = op->get<std::string>();
  if (name == "batch") {
    const auto items = request.find("requests");
    if (items == request.end() || !items->is_array()) return "a batch without \"requests\"";
    for (const nlohmann::json& item : *items) {
      if (std::string error = add_request(item, {}, out); !error.empty())
        return "batch item: " + error;
    }
    return {};
  }
  if (!is_decision_op_name(name)) {
    return "op '" + name +
           "' is not a decision op (tenet diff compares check, transition, subscribe, plans, "
           "features and lifecycle requests, and batch items)";
  }
  const auto tenant = request.find("tenant");
  out.push_back({tenant != request.end() && tenant->is_string() ? tenant->get<std::string>() : "",
                 text.empty() ? request.dump() : std::string(text)});
  return {};
}

// Cut into lines by the framer `tenet eval` and the server use, so a line
// over --max-line is refused once its bytes prove it, never held whole.
bool read_request_file(const std::string& name, std::size_t max_line, std::istream& standard_input,
                       std::vector<RequestLine>& out, std::ostream& err) {
  std::ifstream file;
  std::istream* in = &standard_input;
  if (name != "-") {
    file.open(name, std::ios::binary);
    if (!file) {
      err << "tenet diff: error: cannot open " << name << '\n';
      return false;
    }
    in = &file;
  }
  json::LineFramer framer(max_line);
  std::size_t number = 0;
  // False (with the reason on `err`) at the first line that is not a request.
  const auto take = [&](const json::LineFramer::Next& next) {
    ++number;
    std::string error;
    if (next.kind == json::LineFramer::Kind::TooLarge) {
      error = "request line longer than " + std::to_string(max_line) + " bytes (--max-line)";
    } else if (next.line.find_first_not_of(" \t") == std::string_view::npos) {
      return true;
    } else {
      const nlohmann::json request = nlohmann::json::parse(next.line, nullptr, false);
      error =
          request.is_discarded() ? std::string("not JSON") : add_request(request, next.line, out);
    }
    if (error.empty()) return true;
    err << "tenet diff: error: " << (name == "-" ? "standard input" : name) << ':' << number << ": "
        << error << '\n';
    return false;
  };
  while (*in) {
    const std::span<char> room = framer.room();
    in->read(room.data(), static_cast<std::streamsize>(room.size()));
    if (in->gcount() == 0) break;
    framer.filled(static_cast<std::size_t>(in->gcount()));
    for (auto next = framer.next(); next.kind != json::LineFramer::Kind::NeedInput;
         next = framer.next()) {
      if (!take(next)) return false;
    }
    framer.release_large_input();
  }
  if (in->bad()) {
    err << "tenet diff: error: cannot read " << name << '\n';
    return false;
  }
  if (const auto last = framer.finish(); last.kind != json::LineFramer::Kind::NeedInput)
    return take(last);
  return true;
}

bool read_decision_logs(const std::vector<fs::path>& logs, std::vector<RequestLine>& out,
                        std::ostream& err) {
  try {
    std::size_t other_ops = 0;
    (void)read_log(
        logs,
        [&](const LoggedDecision& record) {
          if (!is_decision_op_name(record.op)) {
            ++other_ops;
            return true;
          }
          // Replay asks for a trace; a diff needs none.
          nlohmann::json request = nlohmann::json::parse(record.request_line, nullptr, false);
          if (request.is_object()) request.erase("explain");
          out.push_back({record.tenant, request.dump()});
          return true;
        },
        err);
    if (other_ops > 0)
      err << "tenet diff: skipped " << other_ops << " logged records of other ops\n";
  } catch (const std::exception& error) {
    err << "tenet diff: error: " << error.what() << '\n';
    return false;
  }
  return true;
}

std::vector<std::string> tenant_names(const CompiledPolicySet& set) {
  std::vector<std::string> names;
  for (Index t = 0; t < set.tenant_count(); ++t) names.emplace_back(set.tenant_name(t));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

int run_diff(const DiffOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  const LoadedPolicies old_load = load_policies(
      options.old_directory, policy_options, "tenet diff: " + options.old_directory.string(), err);
  const LoadedPolicies new_load = load_policies(
      options.new_directory, policy_options, "tenet diff: " + options.new_directory.string(), err);
  if (old_load.exit_code != kOk || new_load.exit_code != kOk)
    return std::max(old_load.exit_code, new_load.exit_code);
  const CompiledPolicySet& old_set = *old_load.load.policies;
  const CompiledPolicySet& new_set = *new_load.load.policies;

  // The requests: read ones, or synthesized per partner while evaluating.
  std::vector<RequestLine> given;
  for (const std::string& file : options.request_files) {
    if (!read_request_file(file, options.max_line, in, given, err)) return kUsageOrIo;
  }
  if (!options.decision_logs.empty() && !read_decision_logs(options.decision_logs, given, err))
    return kUsageOrIo;
  const bool synthesized = options.request_files.empty() && options.decision_logs.empty();
  std::unique_ptr<RequestSynthesizer> synthesizer;
  if (synthesized) synthesizer = std::make_unique<RequestSynthesizer>(old_set, new_set);

  std::ofstream saved_file;
  if (!options.save_requests.empty()) {
    saved_file.open(options.save_requests, std::ios::binary | std::ios::trunc);
    if (!saved_file) {
      err << "tenet diff: error: cannot write " << options.save_requests << '\n';
      return kUsageOrIo;
    }
  }

  // Units of work: a partner's synthesized requests, or a run of given lines.
  constexpr std::size_t kChunk = 2048;
  const std::size_t units =
      synthesized ? synthesizer->tenants().size() : (given.size() + kChunk - 1) / kChunk;
  std::vector<DiffReport> reports(units, DiffReport(options.samples, options.json));
  std::vector<std::vector<std::string>> saved(options.save_requests.empty() ? 0 : units);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&] {
    try {
      Comparer comparer(old_set, new_set);
      std::vector<std::string> lines;
      for (std::size_t unit = next++; unit < units; unit = next++) {
        if (synthesized) {
          const std::string& tenant = synthesizer->tenants()[unit];
          lines.clear();
          synthesizer->synthesize(tenant, lines);
          for (const std::string& line : lines) comparer.compare(tenant, line, reports[unit]);
          if (!saved.empty()) saved[unit] = std::move(lines);
        } else {
          const std::size_t end = std::min(given.size(), (unit + 1) * kChunk);
          for (std::size_t i = unit * kChunk; i < end; ++i) {
            comparer.compare(given[i].tenant, given[i].line, reports[unit]);
            if (!saved.empty()) saved[unit].push_back(given[i].line);
          }
        }
      }
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  unsigned jobs =
      options.jobs != 0 ? options.jobs : std::max(1U, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, std::max<std::size_t>(units, 1)));
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < jobs; ++i) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);  // out of memory: main's handler

  DiffReport report(options.samples, options.json);
  for (DiffReport& part : reports) report.merge(std::move(part));
  for (const std::vector<std::string>& lines : saved) {
    for (const std::string& line : lines) saved_file << line << '\n';
  }
  if (saved_file.is_open()) {
    saved_file.flush();
    if (!saved_file) {
      err << "tenet diff: error: cannot write " << options.save_requests << '\n';
      return kUsageOrIo;
    }
  }

  DiffReport::Context context;
  context.old_dir = options.old_directory.string();
  context.new_dir = options.new_directory.string();
  context.source = synthesized                     ? "synthesized"
                   : options.request_files.empty() ? "logged"
                   : options.decision_logs.empty() ? ""
                                                   : "given and logged";
  context.list_reasons = options.reasons;
  const std::vector<std::string> old_names = tenant_names(old_set);
  const std::vector<std::string> new_names = tenant_names(new_set);
  std::set_difference(new_names.begin(), new_names.end(), old_names.begin(), old_names.end(),
                      std::back_inserter(context.added));
  std::set_difference(old_names.begin(), old_names.end(), new_names.begin(), new_names.end(),
                      std::back_inserter(context.removed));
  if (options.json) {
    report.print_json(context, out);
  } else {
    report.print_text(context, out);
  }
  const bool changed = report.changed() > 0 || !context.added.empty() || !context.removed.empty() ||
                       (options.reasons && report.reasons_only() > 0);
  return changed ? kPolicyErrors : kOk;
}

void add_diff_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command = app.add_subcommand(
      "diff",
      "Evaluate the same requests under the policies in OLD_DIR and NEW_DIR and report every "
      "request whose decision changes, per partner and per rule id gained or lost, with samples "
      "and a summary. Requests: --requests FILE, --decision-log FILE, or (neither) synthesized "
      "from the schema and the policies of both sets. Exit status: 0 no decision changes, 1 "
      "changes (or policy errors), 2 usage or I/O error.");
  command->add_option("OLD_DIR", options->old_directory, "Policy directory before the change")
      ->required();
  command->add_option("NEW_DIR", options->new_directory, "Policy directory after the change")
      ->required();
  command
      ->add_option("--requests", options->request_files,
                   "Request lines to evaluate, one JSON request per line as `tenet eval` reads "
                   "('-': standard input; repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command
      ->add_option("--decision-log", options->decision_logs,
                   "A decision log of `tenet serve --decision-log`: evaluate its requests "
                   "(repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command->add_option("--samples", options->samples, "Request lines shown per group of changes")
      ->capture_default_str();
  command->add_flag("--json", options->json,
                    "One JSON object with every change (instead of groups and samples)");
  command->add_flag("--reasons", options->reasons,
                    "Also list the requests whose decision is the same but whose reasons differ, "
                    "and count them as changes (exit 1)");
  command->add_option("--save-requests", options->save_requests,
                      "Write every request evaluated to this file, one line each");
  command->add_option("-j,--jobs", options->jobs, "Threads (0: one per core)")
      ->capture_default_str();
  command->add_option("--max-line", options->max_line, "Longest request line accepted, in bytes")
      ->capture_default_str();
  add_parse_limit_options(*command, options->limits);
  command->callback(
      [options, &exit_code] { exit_code = run_diff(*options, std::cin, std::cout, std::cerr); });
}

}  // namespace tenet::cli
