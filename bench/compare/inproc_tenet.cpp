// tenet's in-process figures for bench/compare, measured the way
// bench/compare/node/inproc.mjs measures Cedar and casbin:
//
//   tenet-compare-inproc POLICY_DIR REQUESTS.ndjson [--seconds S] [--decisions OUT]
//
//   1. load (timed): the policy directory read, checked and compiled
//   2. every request once, in order: the decisions, written to OUT (one
//      "allow"/"deny" per line) for the agreement check; also the warm-up
//   3. latency: one request line at a time through the line handler (parse,
//      decide, write the response: what `tenet serve` does per line), each
//      timed, cycling over the requests, for S seconds (at most 200,000)
//   4. throughput: lines back to back for S seconds
//
// Prints one JSON line: load_ms, rss_kib (VmHWM), p50_us, p99_us,
// decisions_per_s, calls, allow. Exit 1 if the policies do not compile, 2 on
// bad arguments or unreadable files.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string policy_dir;
  std::string requests_file;
  std::string decisions_file;
  double seconds = 3;
};

bool parse_options(int argc, char** argv, Options& options) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      options.seconds = std::atof(argv[++i]);
    } else if (arg == "--decisions" && i + 1 < argc) {
      options.decisions_file = argv[++i];
    } else if (arg.starts_with("--")) {
      return false;
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() != 2) return false;
  options.policy_dir = positional[0];
  options.requests_file = positional[1];
  return true;
}

// A field ("VmHWM", "VmRSS") of /proc/self/status, in KiB; 0 if absent.
long status_kib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::atol(line.c_str() + field.size() + 1);
    }
  }
  return 0;
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Nearest-rank percentile, as measure.mjs computes it.
double percentile_us(const std::vector<Clock::duration>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(sorted.size()))));
  return micros(sorted[std::min(sorted.size(), rank) - 1]);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: tenet-compare-inproc POLICY_DIR REQUESTS.ndjson [--seconds S] "
                 "[--decisions OUT]\n");
    return 2;
  }
  std::vector<std::string> lines;
  {
    std::ifstream in(options.requests_file);
    if (!in) {
      std::fprintf(stderr, "tenet-compare-inproc: cannot read %s\n", options.requests_file.c_str());
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(std::move(line));
    }
  }
  if (lines.empty()) {
    std::fprintf(stderr, "tenet-compare-inproc: no requests in %s\n",
                 options.requests_file.c_str());
    return 2;
  }

  const Clock::time_point load_start = Clock::now();
  const tenet::PolicyLoad loaded = tenet::compile_policy_directory(options.policy_dir);
  const Clock::duration load_time = Clock::now() - load_start;
  if (!loaded.policies) {
    std::fprintf(stderr, "tenet-compare-inproc: %s does not compile (%zu errors%s)\n",
                 options.policy_dir.c_str(), loaded.error_count,
                 loaded.io_errors.empty() ? "" : ", I/O errors");
    return 1;
  }
  const tenet::CompiledPolicySet& policies = *loaded.policies;

  tenet::json::LineHandler handler;
  std::string out;
  std::size_t allowed = 0;
  {
    std::ofstream decisions;
    if (!options.decisions_file.empty()) decisions.open(options.decisions_file);
    for (const std::string& line : lines) {
      out.clear();
      handler.handle(policies, line, out);
      const bool allow = out.find("\"decision\":\"allow\"") != std::string::npos;
      allowed += allow ? 1 : 0;
      if (decisions.is_open()) decisions << (allow ? "allow\n" : "deny\n");
    }
  }

  const auto budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  constexpr std::size_t kMaxTimedCalls = 200'000;
  std::vector<Clock::duration> latencies;
  latencies.reserve(kMaxTimedCalls);
  std::size_t next = 0;
  for (const Clock::time_point deadline = Clock::now() + budget;
       latencies.size() < kMaxTimedCalls && Clock::now() < deadline;) {
    const Clock::time_point t = Clock::now();
    out.clear();
    handler.handle(policies, lines[next], out);
    latencies.push_back(Clock::now() - t);
    next = (next + 1) % lines.size();
  }
  std::sort(latencies.begin(), latencies.end());

  // Back to back, the clock read once per 16 lines.
  std::size_t count = 0;
  const Clock::time_point throughput_start = Clock::now();
  Clock::duration elapsed{};
  while (elapsed < budget) {
    for (int k = 0; k < 16; ++k) {
      out.clear();
      handler.handle(policies, lines[next], out);
      next = (next + 1) % lines.size();
    }
    count += 16;
    elapsed = Clock::now() - throughput_start;
  }

  std::printf(
      "{\"engine\":\"tenet\",\"load_ms\":%.3f,\"rss_kib\":%ld,\"p50_us\":%.3f,\"p99_us\":%.3f,"
      "\"calls\":%zu,\"decisions_per_s\":%.1f,\"allow\":%zu}\n",
      micros(load_time) / 1000, status_kib("VmHWM"), percentile_us(latencies, 0.5),
      percentile_us(latencies, 0.99), latencies.size(),
      count == 0 ? 0.0
                 : static_cast<double>(count) / std::chrono::duration<double>(elapsed).count(),
      allowed);
  return 0;
}
