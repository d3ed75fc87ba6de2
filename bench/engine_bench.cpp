// Decision latency on generated policy sets (issue 3's targets).
//
//   BM_CheckEngineForm   check() on requests already in engine form; counts heap
//                        allocations per decision (must be 0)
//   BM_JsonLine          request line → decision → response line, all in
//   BM_ParseOnly         the JSON → engine form part alone
//   BM_Filter            the filter op (partial evaluation), line to line
//   BM_LoadAndCompile    load + check + compile the whole directory
//
// Policy sets: 1,000 tenants × 20 rules and 10 tenants × 2,000 rules, both
// from bench/policy_generator (seed 1), written once to a temporary folder.
// Requests: a fixed, seeded mix over tenants, roles, actions, types and
// attribute values; the allow/deny share is reported as a counter.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/one_cell_policy.hpp"
#include "bench/policy_generator.hpp"
#include "bench/request_generator.hpp"
#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"
#include "tests/support/allocation_counter.hpp"

namespace {

namespace fs = std::filesystem;

struct PolicySetCase {
  std::size_t tenants;
  std::size_t rules;
  std::size_t actions = 6;
  std::size_t wildcard_per_mille = 50;

  [[nodiscard]] std::string name() const {
    return std::to_string(tenants) + " tenants x " + std::to_string(rules) + " rules, " +
           std::to_string(actions) + " actions";
  }
};

// Kept between runs; `v2`: sets of the generator since actions are declared
// (an older set in the same place would no longer check).
fs::path generated_dir(const PolicySetCase& c) {
  const fs::path dir =
      fs::temp_directory_path() /
      ("tenet-bench-v2-" + std::to_string(c.tenants) + "x" + std::to_string(c.rules) + "-a" +
       std::to_string(c.actions) + "-w" + std::to_string(c.wildcard_per_mille));
  if (!fs::exists(dir / "schema.tenet")) {
    fs::remove_all(dir);
    const std::string problem =
        tenet::bench::write_policy_set({.tenants = c.tenants,
                                        .rules = c.rules,
                                        .seed = 1,
                                        .actions = c.actions,
                                        .wildcard_per_mille = c.wildcard_per_mille},
                                       dir);
    if (!problem.empty()) {
      std::fprintf(stderr, "%s\n", problem.c_str());
      std::exit(2);
    }
  }
  return dir;
}

std::shared_ptr<const tenet::CompiledPolicySet> load(const PolicySetCase& c) {
  static std::map<std::string, std::shared_ptr<const tenet::CompiledPolicySet>> cache;
  auto& slot = cache[c.name()];
  if (!slot) {
    auto compiled = tenet::Engine::compile_directory(generated_dir(c));
    if (!compiled.policies) {
      std::fprintf(stderr, "generated policy set does not compile\n");
      std::exit(2);
    }
    slot = compiled.policies;
  }
  return slot;
}

// A seeded mix of check requests, as docs/PROTOCOL.md lines.
std::vector<std::string> check_lines(const PolicySetCase& c, std::size_t count) {
  return tenet::bench::generate_check_requests(c.tenants, c.actions, count, 42);
}

constexpr std::size_t kRequests = 256;

// 0: the reference set. 1: 100× the rules per tenant, drawn from the same six
// actions: every request has ~100× the candidate rules, all of which the
// semantics make it evaluate (every true forbid, else every true permit, is a
// reason). 2: 100× the rules spread over 100× the actions (wildcards kept at
// about one rule per tenant), as a large real policy set would be: what the
// (action, type, role) index is for.
const PolicySetCase kCases[] = {{1000, 20}, {10, 2000}, {10, 2000, 600, 1}};

// check() on `lines` put in engine form once, round robin: the body of the
// engine-form benchmarks.
void run_checks(benchmark::State& state, const tenet::CompiledPolicySet& policies,
                const std::vector<std::string>& lines, const std::string& label) {
  // One parser per request: the engine-form views stay valid for the whole run.
  std::vector<std::unique_ptr<tenet::json::RequestParser>> parsers;
  std::vector<const tenet::CheckRequest*> requests;
  for (const std::string& line : lines) {
    parsers.push_back(std::make_unique<tenet::json::RequestParser>());
    const tenet::json::ParsedRequest& parsed = parsers.back()->parse(policies, line);
    if (!parsed.ok()) {
      state.SkipWithError("request did not parse");
      return;
    }
    requests.push_back(&std::get<tenet::CheckRequest>(parsed.request));
  }
  tenet::Decision decision;
  std::size_t allowed = 0;
  for (const auto* request : requests) {  // warm the decision's vectors; count the mix
    tenet::eval::check(policies, *request, decision);
    allowed += decision.allow ? 1 : 0;
  }
  std::size_t i = 0;
  const std::uint64_t allocations_before = tenet::test_support::thread_allocations();
  for (auto _ : state) {
    tenet::eval::check(policies, *requests[i], decision);
    benchmark::DoNotOptimize(decision.allow);
    i = (i + 1) % requests.size();
  }
  const std::uint64_t allocations = tenet::test_support::thread_allocations() - allocations_before;
  state.counters["allocs_per_op"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  state.counters["allow_share"] =
      static_cast<double>(allowed) / static_cast<double>(requests.size());
  state.SetLabel(label);
}

void BM_CheckEngineForm(benchmark::State& state) {
  const PolicySetCase c = kCases[state.range(0)];
  const auto policies = load(c);
  run_checks(state, *policies, check_lines(c, kRequests), c.name());
}
BENCHMARK(BM_CheckEngineForm)->Arg(0)->Arg(1)->Arg(2)->Repetitions(5)->ReportAggregatesOnly(true);

// Check on one cell holding state.range(0) rules (bench/one_cell_policy):
// what a cell indexed by value (engine/compile/cell_index.hpp) costs
// against BM_CheckEngineForm/0's cells of a handful of rules.
void BM_CheckOneCell(benchmark::State& state) {
  const auto rules = static_cast<std::size_t>(state.range(0));
  const fs::path dir =
      fs::temp_directory_path() / ("tenet-bench-one-cell-" + std::to_string(rules));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const tenet::bench::GeneratedFile& file : tenet::bench::generate_one_cell_set(rules))
    std::ofstream(dir / file.path) << file.text;
  const auto compiled = tenet::Engine::compile_directory(dir);
  fs::remove_all(dir);
  if (!compiled.policies) {
    state.SkipWithError("the one-cell set does not compile");
    return;
  }
  run_checks(state, *compiled.policies,
             tenet::bench::generate_one_cell_requests(rules, kRequests, 42),
             std::to_string(rules) + " rules in one cell");
}
BENCHMARK(BM_CheckOneCell)->Arg(100)->Arg(10'000)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_JsonLine(benchmark::State& state) {
  const PolicySetCase c = kCases[state.range(0)];
  const auto policies = load(c);
  const std::vector<std::string> lines = check_lines(c, kRequests);
  tenet::json::LineHandler handler;
  std::string out;
  for (const std::string& line : lines) {  // warm up
    out.clear();
    handler.handle(*policies, line, out);
  }
  std::size_t i = 0;
  const std::uint64_t allocations_before = tenet::test_support::thread_allocations();
  for (auto _ : state) {
    out.clear();
    handler.handle(*policies, lines[i], out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % lines.size();
  }
  const std::uint64_t allocations = tenet::test_support::thread_allocations() - allocations_before;
  state.counters["allocs_per_op"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  state.SetLabel(c.name());
}
BENCHMARK(BM_JsonLine)->Arg(0)->Arg(1)->Arg(2)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_ParseOnly(benchmark::State& state) {
  const PolicySetCase c = kCases[0];
  const auto policies = load(c);
  const std::vector<std::string> lines = check_lines(c, kRequests);
  tenet::json::RequestParser parser;
  std::size_t i = 0;
  for (auto _ : state) {
    const tenet::json::ParsedRequest& parsed = parser.parse(*policies, lines[i]);
    benchmark::DoNotOptimize(&parsed);
    i = (i + 1) % lines.size();
  }
}
BENCHMARK(BM_ParseOnly)->Repetitions(5)->ReportAggregatesOnly(true);

// The filter op (partial evaluation + SQL + JSON), request line to response
// line. Not a hot path; measured so it stays reasonable. 0: the shipped
// policies (documents, mapped: with SQL); 1, 2: the generated sets above
// (unmapped types: the condition tree only), each check request turned into
// a filter for its resource type.
std::vector<std::string> filter_lines(const std::vector<std::string>& checks) {
  std::vector<std::string> out;
  for (std::string line : checks) {
    const std::size_t type_at = line.find(R"("resource":{"type":")");
    const std::size_t op_at = line.find(R"("op":"check")");
    if (type_at == std::string::npos || op_at == std::string::npos) continue;
    const std::size_t begin = type_at + std::string_view(R"("resource":{"type":")").size();
    const std::string type = line.substr(begin, line.find('"', begin) - begin);
    line.replace(op_at, std::string_view(R"("op":"check")").size(),
                 R"("op":"filter","resource_type":")" + type + '"');
    out.push_back(std::move(line));
  }
  return out;
}

void BM_Filter(benchmark::State& state) {
  std::shared_ptr<const tenet::CompiledPolicySet> policies;
  std::vector<std::string> lines;
  if (state.range(0) == 0) {
    const fs::path shipped = fs::path(__FILE__).parent_path().parent_path() / "policies";
    policies = tenet::Engine::compile_directory(shipped).policies;
    lines = {
        R"({"id":1,"op":"filter","tenant":"acme","principal":{"id":"u1","role":"company","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[],"company_id":"c1"}},"action":"read","resource_type":"document","context":{"mfa":false}})"};
    state.SetLabel("shipped policies, read document");
  } else {
    const PolicySetCase c = kCases[state.range(0)];
    policies = load(c);
    lines = filter_lines(check_lines(c, kRequests));
    state.SetLabel(c.name());
  }
  if (!policies || lines.empty()) {
    state.SkipWithError("no policies or requests");
    return;
  }
  tenet::json::LineHandler handler;
  std::string out;
  std::size_t i = 0;
  const std::uint64_t allocations_before = tenet::test_support::thread_allocations();
  for (auto _ : state) {
    out.clear();
    handler.handle(*policies, lines[i], out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % lines.size();
  }
  const std::uint64_t allocations = tenet::test_support::thread_allocations() - allocations_before;
  state.counters["allocs_per_op"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  state.counters["response_bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Filter)->Arg(0)->Arg(1)->Arg(2)->Repetitions(3)->ReportAggregatesOnly(true);

void BM_LoadAndCompile(benchmark::State& state) {
  const fs::path dir = generated_dir(kCases[0]);
  for (auto _ : state) {
    auto compiled = tenet::Engine::compile_directory(dir);
    benchmark::DoNotOptimize(compiled.policies.get());
  }
  state.SetLabel("1000 tenants x 20 rules");
}
BENCHMARK(BM_LoadAndCompile)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
