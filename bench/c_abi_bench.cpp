// The C ABI's embedded JSON call (libtenet.so, tenet.h): what an application
// in C, or any language with a C FFI, pays per decision. Target: median
// <= 3 us per call (issue 5).
//
//   build/tenet-bench-bindings [--benchmark_filter=...]
//
// Requests are acme's README scenario on the shipped policies/. Reported per
// benchmark: time per call, and `allocs` (operator new calls per call, from
// tests/support/allocation_counter, which also counts inside libtenet.so):
// tenet_engine_call_into must stay at 0 once warm; tenet_engine_call hands
// the caller one malloc'd string (malloc, not operator new, so not counted).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tenet/tenet.h"
#include "tests/support/allocation_counter.hpp"

namespace {

const std::string kAliceReads =
    R"({"id":1,"op":"check","tenant":"acme","principal":{"id":"alice","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}},"action":"read","resource":{"type":"document","id":"doc-1","tenant":"acme","attrs":{"owner":"alice","locked":false,"classification":"internal"}}})";
const std::string kGuestUpgrades =
    R"({"id":2,"op":"transition","tenant":"acme","principal":{"id":"bob","role":"guest","attrs":{"kyc":"pending","account_age_days":2,"country":"FR","tags":[]}},"to":"basic"})";

// One engine for the whole run, on the shipped policies.
tenet_engine* shared_engine() {
  static tenet_engine* engine = [] {
    tenet_engine* opened = nullptr;
    tenet_error* error = nullptr;
    if (tenet_engine_open(TENET_POLICIES, &opened, &error) != TENET_OK) {
      std::fprintf(stderr, "cannot open %s: %s\n", TENET_POLICIES, tenet_error_message(error));
      std::exit(2);
    }
    return opened;
  }();
  return engine;
}

const std::string& request_for(std::int64_t which) {
  return which == 0 ? kAliceReads : kGuestUpgrades;
}

// Arg 0: check (allow), 1: transition (deny with unmet).
void BM_CallInto(benchmark::State& state) {
  tenet_engine* engine = shared_engine();
  const std::string& request = request_for(state.range(0));
  std::array<char, 1024> buffer{};
  std::size_t written = 0;
  // Warm this thread's scratch first: the claim is about warm calls.
  tenet_engine_call_into(engine, request.data(), request.size(), buffer.data(), buffer.size(),
                         &written, nullptr);
  const std::uint64_t before = tenet::test_support::thread_allocations();
  for (auto _ : state) {
    const tenet_status status = tenet_engine_call_into(
        engine, request.data(), request.size(), buffer.data(), buffer.size(), &written, nullptr);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(buffer.data());
  }
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(tenet::test_support::thread_allocations() - before),
                         benchmark::Counter::kAvgIterations);
  state.SetLabel(request_for(state.range(0)) == kAliceReads ? "check" : "transition");
}
BENCHMARK(BM_CallInto)->Arg(0)->Arg(1)->Repetitions(7)->ReportAggregatesOnly(true);

void BM_Call(benchmark::State& state) {
  tenet_engine* engine = shared_engine();
  const std::string& request = request_for(state.range(0));
  for (auto _ : state) {
    char* response = nullptr;
    const tenet_status status =
        tenet_engine_call(engine, request.data(), request.size(), &response, nullptr, nullptr);
    benchmark::DoNotOptimize(status);
    tenet_string_free(response);
  }
  state.SetLabel(state.range(0) == 0 ? "check" : "transition");
}
BENCHMARK(BM_Call)->Arg(0)->Arg(1)->Repetitions(7)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
