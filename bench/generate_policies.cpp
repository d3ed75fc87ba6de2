// tenet-gen-policies: writes a large, valid policy set for benchmarks.
//
//   tenet-gen-policies --tenants 1000 --rules 20 --out /tmp/gen1000 [--seed 7]
//
// Exit codes follow the `tenet` CLI: 0 done, 2 usage or I/O error.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <string>

#include "bench/policy_generator.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Writes a benchmark policy set: a schema, a shared template and T tenants with R "
      "permit/forbid rules each. The same seed always gives the same files."};
  app.name("tenet-gen-policies");
  tenet::bench::GeneratorOptions options;
  std::string out;
  app.add_option("--tenants,-t", options.tenants, "Number of tenants (T)")
      ->required()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  app.add_option("--rules,-r", options.rules, "Permit/forbid rules per tenant (R)")
      ->required()
      ->check(CLI::Range(std::size_t{0}, std::size_t{100'000}));
  app.add_option("--out,-o", out, "Directory to write; must be new or empty")->required();
  app.add_option("--seed,-s", options.seed, "Random seed")->capture_default_str();
  app.add_option("--actions", options.actions,
                 "Distinct action names the rules draw from (more: rules spread thinner)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, tenet::bench::kMaxActions));
  app.add_option("--wildcard-per-mille", options.wildcard_per_mille,
                 "Share of rules on every action (`*`), per mille")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, std::size_t{1000}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 returns 0 for --help; usage errors map to our exit code 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (const std::string problem = tenet::bench::write_policy_set(options, out); !problem.empty()) {
    std::cerr << "tenet-gen-policies: " << problem << '\n';
    return 2;
  }
  std::cout << "wrote " << options.tenants << " tenants x " << options.rules << " rules to " << out
            << '\n';
  return 0;
}
