// tenet-gen-requests: check requests matching a policy set written by
// tenet-gen-policies (same tenant and action names, the schema's attributes),
// one docs/PROTOCOL.md line each, for tenet-loadgen --requests. The same seeded
// mix as bench/engine_bench.cpp's check_lines: random tenants, roles, types,
// actions and attribute values, so both allow and deny come out.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/request_generator.hpp"

int main(int argc, char** argv) {
  std::size_t tenants = 1000;
  std::size_t actions = 6;
  std::size_t count = 4096;
  std::uint64_t seed = 42;
  std::string out;
  CLI::App app{"tenet-gen-requests: check requests for a tenet-gen-policies set"};
  app.add_option("--tenants", tenants, "tenants of the policy set")->check(CLI::Range(1, 1000000));
  app.add_option("--actions", actions, "actions of the policy set")->check(CLI::Range(1, 100000));
  app.add_option("--count", count, "requests to write")->check(CLI::Range(1, 10000000));
  app.add_option("--seed", seed, "random seed");
  app.add_option("--out", out, "output file (NDJSON)")->required();
  CLI11_PARSE(app, argc, argv);

  std::ofstream file(out, std::ios::binary);
  for (const std::string& line :
       tenet::bench::generate_check_requests(tenants, actions, count, seed)) {
    file << line << '\n';
  }
  if (!file) {
    std::cerr << "tenet-gen-requests: cannot write " << out << "\n";
    return 1;
  }
  return 0;
}
