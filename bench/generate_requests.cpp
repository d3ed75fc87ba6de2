// tenet-gen-requests: check requests matching a policy set written by
// tenet-gen-policies (same tenant and action names, the schema's attributes),
// one PROTOCOL.md line each, for tenet-loadgen --requests. The same seeded
// mix as bench/engine_bench.cpp's check_lines: random tenants, roles, types,
// actions and attribute values, so both allow and deny come out.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <random>
#include <string>

namespace {

std::string tenant_name(std::size_t index) {
  std::string digits = std::to_string(index);
  digits.insert(0, digits.size() < 5 ? 5 - digits.size() : 0, '0');
  return index % 7 == 3 ? "partner-" + digits + ".example" : "t" + digits;
}

std::string action_name(std::size_t index) {
  static const char* const kCommon[] = {"read", "write", "create", "delete", "share", "export"};
  return index < 6 ? kCommon[index] : "action" + std::to_string(index);
}

}  // namespace

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

  std::mt19937_64 random(seed);
  const auto pick = [&](std::initializer_list<const char*> items) {
    return std::string(items.begin()[random() % items.size()]);
  };
  std::ofstream file(out, std::ios::binary);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string tenant = tenant_name(random() % tenants);
    const std::string user = "u" + std::to_string(random() % 4);
    const std::string type = pick({"document", "account", "subscription"});
    std::string attrs;
    if (type == "document") {
      attrs = R"("owner":"u)" + std::to_string(random() % 4) + R"(","locked":)" + pick({"true", "false"}) +
              R"(,"classification":")" + pick({"public", "internal", "secret"}) + R"(","size_kb":)" +
              std::to_string(random() % 2000);
    } else if (type == "account") {
      attrs = R"("owner":"u)" + std::to_string(random() % 4) + R"(","frozen":)" + pick({"true", "false"}) +
              R"(,"balance":)" + std::to_string(random() % 10000);
    } else {
      attrs = R"("owner":"u)" + std::to_string(random() % 4) + R"(","plan":"gold","overdue_days":)" +
              std::to_string(random() % 60);
    }
    file << R"({"id":)" << i << R"(,"op":"check","tenant":")" << tenant << R"(","principal":{"id":")" << user
         << R"(","role":")" << pick({"guest", "basic", "advanced", "company", "specialist"})
         << R"(","attrs":{"kyc":")" << pick({"none", "pending", "verified"}) << R"(","account_age_days":)"
         << random() % 400 << R"(,"country":")" << pick({"DE", "FR", "US", "PL"})
         << R"(","tags":["vip","beta"]}},"action":")" << action_name(random() % actions)
         << R"(","resource":{"type":")" << type << R"(","id":"r)" << i << R"(","tenant":")" << tenant
         << R"(","attrs":{)" << attrs << R"(}},"context":{"mfa":)" << pick({"true", "false"}) << R"(,"risk_score":)"
         << random() % 100 << "}}\n";
  }
  if (!file) {
    std::cerr << "tenet-gen-requests: cannot write " << out << "\n";
    return 1;
  }
  return 0;
}
