// The server's per-decision CPU without sockets (issue 4's batch target).
//
//   BM_ServerBatch/K   Protocol::handle on `batch` lines of K check items
//   BM_ServerLine      Protocol::handle on single check lines
//   BM_ServerLineAuthenticated  the same after a hello with a global check
//                      token: the session checks of a token server, the
//                      token generation compare (server/protocol) included
//   BM_ServerLineAuthenticatedExpiring  the same with a token that has an
//                      expiry (far ahead): the cached expiry deadline
//                      compared on every line
//
// The same path as `tenet serve` after a read: session checks, parse, the
// decisions, the response, the stats counters. The requests are what
// tenet-loadgen sends in the README's measurement: 4,096 generated checks
// over the 1,000 tenants × 20 rules set (seed 1, requests seed 42), so most
// decisions touch a tenant that is not in cache, as on the server. Time per
// decision is 1 / items_per_second. The kernel's share (socket reads and
// writes) is not here: see tenet-loadgen for the whole round trip.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/policy_generator.hpp"
#include "bench/request_generator.hpp"
#include "engine/engine.hpp"
#include "server/protocol.hpp"
#include "tests/support/allocation_counter.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTenants = 1000;
constexpr std::size_t kRules = 20;
constexpr std::size_t kRequests = 4096;

fs::path policy_directory() {
  // `v2`: the generator since actions are declared (an older set kept here
  // would no longer check).
  const fs::path dir = fs::temp_directory_path() / "tenet-bench-v2-server-1000x20";
  if (!fs::exists(dir / "schema.tenet")) {
    fs::remove_all(dir);
    const std::string problem =
        tenet::bench::write_policy_set({.tenants = kTenants, .rules = kRules, .seed = 1}, dir);
    if (!problem.empty()) {
      std::fprintf(stderr, "%s\n", problem.c_str());
      std::exit(2);
    }
  }
  return dir;
}

// `authenticated`: a service with one global `check` token, kToken, and
// kExpiringToken, which expires in 2999.
constexpr std::string_view kToken = "bench-token";
constexpr std::string_view kExpiringToken = "bench-expiring-token";

tenet::server::Service& service(bool authenticated = false) {
  static const auto make = [](bool with_token) {
    const fs::path dir = policy_directory();
    auto loaded = tenet::Engine::load(dir);
    if (!loaded.engine) {
      std::fprintf(stderr, "the generated policy set does not load\n");
      std::exit(2);
    }
    std::optional<tenet::server::TokenStore> tokens;
    if (with_token) {
      tenet::server::HashedToken entry;
      entry.hash = tenet::server::sha256(kToken);
      entry.grant.tenant = "*";
      entry.grant.check = true;
      tenet::server::HashedToken expiring = entry;
      expiring.hash = tenet::server::sha256(kExpiringToken);
      expiring.grant.expires = tenet::server::parse_utc_time("2999-01-01T00:00:00Z");
      tokens = tenet::server::TokenStore::from_entries({entry, expiring});
    }
    return std::make_unique<tenet::server::Service>(
        dir, std::move(loaded.engine), std::move(tokens),
        std::make_unique<tenet::server::FeatureState>());
  };
  if (authenticated) {
    static const std::unique_ptr<tenet::server::Service> instance = make(true);
    return *instance;
  }
  static const std::unique_ptr<tenet::server::Service> instance = make(false);
  return *instance;
}

// The check lines, or batch lines of `batch` of them (round robin, as tenet-loadgen).
std::vector<std::string> request_lines(std::size_t batch, std::size_t requests) {
  const std::vector<std::string> checks =
      tenet::bench::generate_check_requests(kTenants, 6, requests, 42);
  if (batch == 0) return checks;
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < checks.size(); at += batch) {
    std::string line = R"({"op":"batch","requests":[)";
    for (std::size_t i = 0; i < batch; ++i) {
      if (i > 0) line += ',';
      line += checks[(at + i) % checks.size()];
    }
    line += "]}";
    lines.push_back(std::move(line));
  }
  return lines;
}

void run(benchmark::State& state, std::size_t batch, std::size_t requests,
         bool authenticated = false, std::string_view token = kToken) {
  tenet::server::Service& server = service(authenticated);
  const std::vector<std::string> lines = request_lines(batch, requests);
  tenet::server::Protocol protocol(server);
  tenet::server::Scratch scratch;
  auto policies = server.engine().snapshot();
  std::string out;
  if (authenticated) {
    protocol.handle(policies, R"({"op":"hello","token":")" + std::string(token) + "\"}", scratch,
                    out);
    if (!protocol.grant()) {
      state.SkipWithError(("hello failed: " + out).c_str());
      return;
    }
  }
  for (const std::string& line : lines) {  // warm up; every answer must be a decision
    out.clear();
    protocol.handle(policies, line, scratch, out);
    if (out.find("\"error\"") != std::string::npos) {
      state.SkipWithError(("a request was refused: " + out.substr(0, 300)).c_str());
      return;
    }
  }
  std::size_t i = 0;
  const std::uint64_t allocations_before = tenet::test_support::thread_allocations();
  for (auto _ : state) {
    out.clear();
    protocol.handle(policies, lines[i], scratch, out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % lines.size();
  }
  const std::uint64_t allocations = tenet::test_support::thread_allocations() - allocations_before;
  const std::size_t per_line = batch == 0 ? 1 : batch;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_line));
  state.counters["allocs_per_line"] =
      benchmark::Counter(static_cast<double>(allocations), benchmark::Counter::kAvgIterations);
}

void BM_ServerBatch(benchmark::State& state) {
  run(state, static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
}
BENCHMARK(BM_ServerBatch)->Args({64, kRequests})->Args({64, 256});

void BM_ServerLine(benchmark::State& state) {
  run(state, 0, static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_ServerLine)->Arg(kRequests)->Arg(256);

void BM_ServerLineAuthenticated(benchmark::State& state) {
  run(state, 0, static_cast<std::size_t>(state.range(0)), true);
}
BENCHMARK(BM_ServerLineAuthenticated)->Arg(kRequests)->Arg(256);

void BM_ServerLineAuthenticatedExpiring(benchmark::State& state) {
  run(state, 0, static_cast<std::size_t>(state.range(0)), true, kExpiringToken);
}
BENCHMARK(BM_ServerLineAuthenticatedExpiring)->Arg(kRequests)->Arg(256);

}  // namespace

BENCHMARK_MAIN();
