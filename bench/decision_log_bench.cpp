// The decision log's producer path (server/decision_log/, docs/DECISION_LOG.md):
// what one decision pays to log its record, with the writer thread really
// writing to a file (in the system's temporary folder).
//
//   BM_DecisionLogAppend/threads:T   DecisionLog::append of a ~400-byte NDJSON
//                                    record (every decision sampled), T I/O
//                                    threads; backpressure on (the default),
//                                    so a writer that falls behind shows here
//   BM_DecisionLogProducerAppend     the same through a Producer handle (no
//                                    per-thread lookup)
//   BM_DecisionIdNext/threads:T      DecisionIds::next
//   BM_ServerLine/log:0|1            one check line through the server's
//                                    protocol (parse, decide, answer), without
//                                    and with the decision log (every decision
//                                    recorded: the record written from the
//                                    request, queued, written by the writer):
//                                    the difference is what a record costs the
//                                    I/O thread; lines of bench/requests/check_mix
//
// Time per record is the benchmark's time; `allocs/record` must stay 0; the
// counters `blocked` and `written` say whether the writer kept up.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "server/decision_id.hpp"
#include "server/decision_log/decision_log.hpp"
#include "server/decision_log/decision_logging.hpp"
#include "server/protocol.hpp"
#include "tests/support/allocation_counter.hpp"

namespace {

namespace fs = std::filesystem;
using tenet::server::decision_log::DecisionLog;

// A decision record of about 400 bytes, shaped like the server's.
std::string sample_record() {
  std::string record =
      R"({"id":"01J9Z3NDEKTSV4RRFFQ69G5FAV","time":"2024-10-08T09:12:44.123Z","replica":"r1",)"
      R"("tenant":"acme","revision":42,"op":"check","principal":{"id":"user-1234","role":"member",)"
      R"("attributes":{"kyc_level":2,"country":"DE"}},"action":"trade","resource":{"type":"account",)"
      R"("id":"acc-99","tenant":"acme","state":"active","attributes":{"limit":5000}},)"
      R"("context":{"ip":"10.0.0.1"},"decision":"deny","reasons":["kyc_required"],"unmet":[],)"
      R"("errors":[],"latency_us":12})";
  return record;
}

std::unique_ptr<DecisionLog> shared_log;
fs::path log_path() { return fs::temp_directory_path() / "tenet-bench-decision-log.ndjson"; }

void open_shared_log() {
  fs::remove(log_path());
  tenet::server::decision_log::Options options;
  options.path = log_path();
  options.max_file_bytes = 512ULL << 20;  // rotation on, at the default-ish size
  options.files_kept = 1;
  auto opened = DecisionLog::open(options);
  if (!opened.log) {
    std::fprintf(stderr, "%s\n", opened.error.c_str());
    std::exit(2);
  }
  shared_log = std::move(opened.log);
}

void close_shared_log(benchmark::State& state) {
  shared_log->stop();
  const auto counters = shared_log->counters();
  state.counters["written"] = static_cast<double>(counters.written);
  state.counters["blocked"] = static_cast<double>(counters.blocked);
  state.counters["dropped"] = static_cast<double>(counters.dropped);
  shared_log.reset();
  std::error_code ignored;
  fs::remove(log_path(), ignored);
  fs::remove(log_path().string() + ".1", ignored);
}

void BM_DecisionLogAppend(benchmark::State& state) {
  if (state.thread_index() == 0) open_shared_log();
  const std::string record = sample_record();
  std::uint64_t allocations = 0;
  bool ok = true;
  for (auto _ : state) {
    const std::uint64_t before = tenet::test_support::thread_allocations();
    ok &= shared_log->append(record);
    allocations += tenet::test_support::thread_allocations() - before;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * record.size()));
  state.counters["allocs/record"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  if (!ok) state.SkipWithError("a record was refused");
  if (state.thread_index() == 0) close_shared_log(state);
}
BENCHMARK(BM_DecisionLogAppend)->Threads(1)->Threads(2)->UseRealTime();

void BM_DecisionLogProducerAppend(benchmark::State& state) {
  open_shared_log();
  DecisionLog::Producer producer = shared_log->producer();
  const std::string record = sample_record();
  bool ok = true;
  for (auto _ : state) ok &= producer.append(record);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * record.size()));
  if (!ok) state.SkipWithError("a record was refused");
  close_shared_log(state);
}
BENCHMARK(BM_DecisionLogProducerAppend)->UseRealTime();

tenet::server::DecisionIds ids;

void BM_DecisionIdNext(benchmark::State& state) {
  std::array<char, tenet::server::kDecisionIdLength> id{};
  for (auto _ : state) {
    ids.next(id);
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_DecisionIdNext)->Threads(1)->Threads(2);

// The check lines of bench/requests/check_mix.ndjson (over policies/).
std::vector<std::string> check_lines() {
  std::ifstream in(std::string(TENET_SOURCE_DIR) + "/bench/requests/check_mix.ndjson");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

void BM_ServerLine(benchmark::State& state) {
  using namespace tenet;
  const units::Report loaded =
      units::load(fs::path(TENET_SOURCE_DIR) / "policies", units::UnitOptions{});
  if (!loaded.version) {
    state.SkipWithError("policies/ does not load");
    return;
  }
  server::Service service(fs::path(TENET_SOURCE_DIR) / "policies", loaded.version, std::nullopt,
                          std::make_unique<server::FeatureState>());
  const bool logging = state.range(0) != 0;
  if (logging) {
    fs::remove(log_path());
    server::decision_log::Options options;
    options.path = log_path();
    options.files_kept = 1;
    auto opened = DecisionLog::open(options);
    if (!opened.log) {
      state.SkipWithError(opened.error.c_str());
      return;
    }
    service.enable_decision_log(std::make_unique<server::decision_log::DecisionLogging>(
        std::move(opened.log), std::nullopt, server::decision_log::Sampling{}));
  }
  server::Protocol protocol(service);
  server::Scratch scratch;
  const std::vector<std::string> lines = check_lines();
  std::shared_ptr<const compile::CompiledPolicySet> policies = service.engine().snapshot();
  std::string out;
  std::size_t next = 0;
  std::uint64_t allocations = 0;
  for (auto _ : state) {
    out.clear();
    const std::uint64_t before = tenet::test_support::thread_allocations();
    protocol.handle(policies, lines[next], scratch, out);
    allocations += tenet::test_support::thread_allocations() - before;
    next = next + 1 == lines.size() ? 0 : next + 1;
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["allocs/line"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
  if (logging) {
    service.decision_logging()->log().stop();
    const auto counters = service.decision_logging()->log().counters();
    state.counters["written"] = static_cast<double>(counters.written);
    state.counters["blocked"] = static_cast<double>(counters.blocked);
    std::error_code ignored;
    fs::remove(log_path(), ignored);
    fs::remove(log_path().string() + ".1", ignored);
  }
}
BENCHMARK(BM_ServerLine)->ArgName("log")->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
