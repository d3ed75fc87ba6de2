// Partner units (issue 13): what one partner's change costs against a whole
// set, and what a full load costs, on generated sets of T partners × 20 rules
// (bench/policy_generator, seed 1: one file per partner, tenants/tNNNNN.tenet).
//
//   BM_CompileDirectory/T  tenet::compile_policy_directory: the path every
//                          full reload took before units ("as fast as today")
//   BM_FullLoad/T          tenet::units::load of the whole directory
//   BM_PutOneUnit/T        tenet::units::put of one partner's unit with one rule
//                          added, against the loaded version (the new version
//                          built and dropped); counters: its share of a full load
//   BM_ReloadOneUnit/T     tenet::units::reload after one partner's file changed
//                          (the directory read and hashed again, one unit recompiled)
//   BM_ReloadPlatform/T    tenet::units::reload after the schema file changed:
//                          every partner recompiled (the full reload of a server)
//
//   tenet-bench-units --memory T    RSS (VmRSS / VmHWM of /proc/self/status)
//                                   after a load, and its peak during 10
//                                   successive puts, then 10 one-unit reloads
//
// Each process writes its sets into a fresh temporary folder and removes it
// at exit; the reload benchmarks edit a file there and put it back.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "bench/policy_generator.hpp"
#include "engine/engine.hpp"
#include "engine/units/policy_units.hpp"

namespace {

namespace fs = std::filesystem;
using tenet::units::Version;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kRules = 20;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "tenet-bench-units: %s\n", message.c_str());
  std::exit(2);
}

// The process's temporary folder, removed at exit (sets are generated anew
// by each run, so an edit left behind by a killed run never skews the next).
class ScratchRoot {
 public:
  ScratchRoot()
      : path_(fs::temp_directory_path() / ("tenet-bench-units-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
  }
  ~ScratchRoot() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const fs::path& scratch_root() {
  static const ScratchRoot root;
  return root.path();
}

fs::path set_dir(std::size_t tenants) {
  const fs::path dir = scratch_root() / (std::to_string(tenants) + "x" + std::to_string(kRules));
  if (!fs::exists(dir / "schema.tenet")) {
    const std::string problem =
        tenet::bench::write_policy_set({.tenants = tenants, .rules = kRules, .seed = 1}, dir);
    if (!problem.empty()) fail(problem);
  }
  return dir;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::shared_ptr<const Version> load_version(const fs::path& dir) {
  tenet::units::Report report = tenet::units::load(dir, {});
  if (!report.version || report.broken_units() != 0) fail(dir.string() + " does not load clean");
  return report.version;
}

// A loaded set, kept for the whole run, and the best full-load time seen
// (BM_FullLoad's, else the first load's): the denominator of the shares.
struct LoadedSet {
  fs::path dir;
  std::shared_ptr<const Version> version;
  double full_load_seconds = 0;
};

LoadedSet& loaded(std::size_t tenants) {
  static std::map<std::size_t, LoadedSet> sets;
  LoadedSet& set = sets[tenants];
  if (!set.version) {
    set.dir = set_dir(tenants);
    const Clock::time_point start = Clock::now();
    set.version = load_version(set.dir);
    const double took = seconds_since(start);
    if (set.full_load_seconds == 0 || took < set.full_load_seconds) set.full_load_seconds = took;
    if (set.version->units().size() != tenants) fail("unexpected partner count");
  }
  return set;
}

// The partner whose unit the benchmarks change: one in the middle.
const tenet::units::Unit& changed_partner(const LoadedSet& set, std::size_t index) {
  const tenet::units::Unit& unit = *set.version->units().at(index);
  if (unit.shares_file) fail(unit.path + " is not a file of its own");
  return unit;
}

// The unit's text with one more rule (id bench-added-N) before its closing brace.
std::string with_added_rule(std::string_view text, int n) {
  const std::size_t close = text.rfind('}');
  if (close == std::string_view::npos) fail("a unit without a closing brace");
  std::string out(text.substr(0, close));
  out +=
      "  @id(\"bench-added-" + std::to_string(n) +
      "\") permit read on document when principal.account_age_days >= " + std::to_string(10 + n) +
      ";\n";
  out += text.substr(close);
  return out;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) fail(path.string() + ": cannot write");
}

void set_load_label(benchmark::State& state, std::size_t tenants) {
  state.SetLabel(std::to_string(tenants) + " partners x " + std::to_string(kRules) + " rules");
}

// ---- full loads

void BM_CompileDirectory(benchmark::State& state) {
  const auto tenants = static_cast<std::size_t>(state.range(0));
  const fs::path dir = set_dir(tenants);
  for (auto _ : state) {
    const tenet::PolicyLoad result = tenet::compile_policy_directory(dir);
    if (!result.policies) state.SkipWithError("the set does not compile");
    benchmark::DoNotOptimize(result.policies.get());
  }
  set_load_label(state, tenants);
}

void BM_FullLoad(benchmark::State& state) {
  const auto tenants = static_cast<std::size_t>(state.range(0));
  LoadedSet& set = loaded(tenants);
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    const std::shared_ptr<const Version> version = load_version(set.dir);
    const double took = seconds_since(start);
    set.full_load_seconds = std::min(set.full_load_seconds, took);
    benchmark::DoNotOptimize(version.get());
  }
  set_load_label(state, tenants);
}

// ---- one partner's change

void BM_PutOneUnit(benchmark::State& state) {
  const auto tenants = static_cast<std::size_t>(state.range(0));
  const LoadedSet& set = loaded(tenants);
  const tenet::units::Unit& unit = changed_partner(set, tenants / 2);
  tenet::units::PutRequest request;
  request.tenant = unit.tenant;
  request.source = with_added_rule(unit.text(), 1);
  const tenet::grammar::ParseLimits limits;
  double put_seconds = 0;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    const tenet::units::PutReport report = tenet::units::put(*set.version, request, limits);
    put_seconds += seconds_since(start);
    if (!report.ok || !report.version || report.added != std::vector<std::string>{"bench-added-1"})
      state.SkipWithError(("put refused: " + report.message).c_str());
    benchmark::DoNotOptimize(report.version.get());
  }
  const double per_put =
      put_seconds / static_cast<double>(std::max<std::size_t>(1, state.iterations()));
  state.counters["put_ms"] = per_put * 1e3;
  state.counters["full_load_ms"] = set.full_load_seconds * 1e3;
  state.counters["put_pct_of_full_load"] = 100 * per_put / set.full_load_seconds;
  set_load_label(state, tenants);
}

// Reloads `set` against its loaded version while `edited` alternates between
// two texts that both differ from the loaded one; puts the file back after.
void reload_after_edits(benchmark::State& state, LoadedSet& set, const fs::path& edited,
                        const std::string (&variants)[2], bool platform) {
  std::string before;
  {
    std::ifstream in(edited, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    before = text.str();
  }
  double reload_seconds = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    write_file(edited, variants[i++ % 2]);
    state.ResumeTiming();
    const Clock::time_point start = Clock::now();
    const tenet::units::Report report = tenet::units::reload(*set.version, set.dir, {}, false);
    reload_seconds += seconds_since(start);
    const bool applied = platform
                             ? report.platform_changed && report.version != nullptr
                             : report.units.size() == 1 && report.version != nullptr &&
                                   report.units.front().outcome == tenet::units::Outcome::Applied;
    if (!applied || report.refused) state.SkipWithError("the reload did not apply the edit");
    benchmark::DoNotOptimize(report.version.get());
  }
  write_file(edited, before);
  const double per_reload =
      reload_seconds / static_cast<double>(std::max<std::size_t>(1, state.iterations()));
  state.counters["reload_ms"] = per_reload * 1e3;
  state.counters["full_load_ms"] = set.full_load_seconds * 1e3;
  state.counters["reload_pct_of_full_load"] = 100 * per_reload / set.full_load_seconds;
  set_load_label(state, set.version->units().size());
}

void BM_ReloadOneUnit(benchmark::State& state) {
  const auto tenants = static_cast<std::size_t>(state.range(0));
  LoadedSet& set = loaded(tenants);
  const tenet::units::Unit& unit = changed_partner(set, tenants / 2);
  const std::string variants[2] = {with_added_rule(unit.text(), 1),
                                   with_added_rule(unit.text(), 2)};
  reload_after_edits(state, set, set.dir / unit.path, variants, false);
}

void BM_ReloadPlatform(benchmark::State& state) {
  const auto tenants = static_cast<std::size_t>(state.range(0));
  LoadedSet& set = loaded(tenants);
  const fs::path schema = set.dir / "schema.tenet";
  const std::string text =
      tenet::bench::generate_schema({.tenants = tenants, .rules = kRules, .seed = 1}).text;
  const std::string variants[2] = {text + "// edit 1\n", text + "// edit 2\n"};
  reload_after_edits(state, set, schema, variants, true);
}

// Few iterations for the large set: a full load of 10,000 partners takes seconds.
BENCHMARK(BM_CompileDirectory)->Arg(1000)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CompileDirectory)->Arg(10000)->Iterations(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullLoad)->Arg(1000)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FullLoad)->Arg(10000)->Iterations(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PutOneUnit)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReloadOneUnit)->Arg(1000)->Iterations(10)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReloadOneUnit)->Arg(10000)->Iterations(4)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReloadPlatform)->Arg(1000)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReloadPlatform)->Arg(10000)->Iterations(2)->Unit(benchmark::kMillisecond);

// ---- memory: --memory T

// A "VmRSS:" / "VmHWM:" line of /proc/self/status, in KiB.
long status_kib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) return std::strtol(line.c_str() + field.size(), nullptr, 10);
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux ≥ 4.0), so it measures from here on.
bool reset_peak() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

struct Peak {
  long peak_kib = 0;
  long end_kib = 0;
};

void print_peak(const char* what, long steady_kib, const Peak& peak) {
  const double growth =
      100.0 * static_cast<double>(peak.peak_kib - steady_kib) / static_cast<double>(steady_kib);
  std::printf("%s: peak %ld KiB (+%.1f %% over steady state, %s the 10 %% target), after %ld KiB\n",
              what, peak.peak_kib, growth, growth <= 10 ? "within" : "OVER", peak.end_kib);
}

int memory_mode(std::size_t tenants) {
  const fs::path dir = set_dir(tenants);
  malloc_trim(0);
  const long before_kib = status_kib("VmRSS:");
  std::shared_ptr<const Version> current = load_version(dir);
  const long loaded_kib = status_kib("VmRSS:");
  const long load_peak_kib = status_kib("VmHWM:");
  // Steady state: what the load's freed temporaries no longer hold.
  malloc_trim(0);
  const long steady_kib = status_kib("VmRSS:");
  std::printf(
      "%zu partners x %zu rules: RSS before load %ld KiB, peak during load %ld KiB, "
      "after load %ld KiB, steady state (after malloc_trim) %ld KiB\n",
      tenants, kRules, before_kib, load_peak_kib, loaded_kib, steady_kib);
  if (!reset_peak()) fail("cannot reset VmHWM (/proc/self/clear_refs)");

  // 10 puts, each on another partner and against the version the one before
  // made; the version it replaces is dropped at once (no reader holds it).
  // Each put's text is also written to the partner's file, as a server
  // keeps the directory in step, so the reloads below see only their edits.
  const tenet::grammar::ParseLimits limits;
  std::vector<std::pair<fs::path, std::string>> edited;  // path, original text
  Peak puts;
  for (int n = 0; n < 10; ++n) {
    const tenet::units::Unit& unit =
        *current->units().at(static_cast<std::size_t>(n) * tenants / 10 + tenants / 20);
    tenet::units::PutRequest request;
    request.tenant = unit.tenant;
    request.source = with_added_rule(unit.text(), n);
    tenet::units::PutReport report = tenet::units::put(*current, request, limits);
    if (!report.ok || !report.version) fail("put refused: " + report.message);
    edited.emplace_back(dir / report.path, std::string(unit.text()));
    write_file(dir / report.path, request.source);
    current = std::move(report.version);
  }
  puts.peak_kib = status_kib("VmHWM:");
  puts.end_kib = status_kib("VmRSS:");
  print_peak("10 successive puts", steady_kib, puts);

  // 10 one-unit reloads: each edits one more partner's file on disk.
  if (!reset_peak()) fail("cannot reset VmHWM (/proc/self/clear_refs)");
  const long reload_base_kib = status_kib("VmRSS:");
  Peak reloads;
  for (int n = 0; n < 10; ++n) {
    const tenet::units::Unit& unit =
        *current->units().at(static_cast<std::size_t>(n) * tenants / 10 + tenants / 40);
    const fs::path path = dir / unit.path;
    edited.emplace_back(path, std::string(unit.text()));
    write_file(path, with_added_rule(unit.text(), 100 + n));
    tenet::units::Report report = tenet::units::reload(*current, dir, {}, false);
    if (!report.version || report.units.size() != 1) fail("the reload did not apply the edit");
    current = std::move(report.version);
  }
  reloads.peak_kib = status_kib("VmHWM:");
  reloads.end_kib = status_kib("VmRSS:");
  std::printf("(reloads start from %ld KiB) ", reload_base_kib);
  print_peak("10 successive one-unit reloads", steady_kib, reloads);
  // Back to the generated files, last edit first.
  for (auto e = edited.rbegin(); e != edited.rend(); ++e) write_file(e->first, e->second);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--memory") {
    const long tenants = std::strtol(argv[2], nullptr, 10);
    if (tenants < 1 || tenants > 1'000'000) fail("--memory takes a partner count");
    return memory_mode(static_cast<std::size_t>(tenants));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
