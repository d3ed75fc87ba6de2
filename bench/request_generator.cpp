#include "bench/request_generator.hpp"

#include <initializer_list>
#include <random>
#include <string_view>

namespace tenet::bench {

std::string tenant_name(std::size_t index) {
  std::string digits = std::to_string(index);
  digits.insert(0, digits.size() < 5 ? 5 - digits.size() : 0, '0');
  if (index % 7 == 3) return "partner-" + digits + ".example";
  return "t" + digits;
}

std::string action_name(std::size_t index) {
  static constexpr std::string_view kCommon[] = {"read",   "write", "create",
                                                 "delete", "share", "export"};
  if (index < std::size(kCommon)) return std::string(kCommon[index]);
  return "action" + std::to_string(index);
}

std::vector<std::string> generate_check_requests(std::size_t tenants, std::size_t actions,
                                                 std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  const auto pick = [&](std::initializer_list<std::string_view> items) {
    return std::string(items.begin()[random() % items.size()]);
  };
  const auto number = [&](std::uint64_t below) { return std::to_string(random() % below); };
  // Every draw is its own statement: the order in which the operands of one
  // expression are evaluated is unspecified, and the lines must not depend on
  // the compiler.
  std::vector<std::string> lines;
  lines.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::string tenant = tenant_name(random() % tenants);
    const std::string user = "u" + number(4);
    const std::string type = pick({"document", "account", "subscription"});
    std::string attrs = R"("owner":"u)" + number(4) + "\"";
    if (type == "document") {
      attrs += R"(,"locked":)" + pick({"true", "false"});
      attrs += R"(,"classification":")" + pick({"public", "internal", "secret"}) + "\"";
      attrs += R"(,"size_kb":)" + number(2000);
    } else if (type == "account") {
      attrs += R"(,"frozen":)" + pick({"true", "false"});
      attrs += R"(,"balance":)" + number(10000);
    } else {
      attrs += R"(,"plan":"gold","overdue_days":)" + number(60);
    }
    std::string line = R"({"id":)" + std::to_string(i) + R"(,"op":"check","tenant":")" + tenant;
    line += R"(","principal":{"id":")" + user;
    line += R"(","role":")" + pick({"guest", "basic", "advanced", "company", "specialist"});
    line += R"(","attrs":{"kyc":")" + pick({"none", "pending", "verified"});
    line += R"(","account_age_days":)" + number(400);
    line += R"(,"country":")" + pick({"DE", "FR", "US", "PL"});
    line += R"(","tags":["vip","beta"]}},"action":")" + action_name(random() % actions);
    line += R"(","resource":{"type":")" + type + R"(","id":"r)" + std::to_string(i);
    line += R"(","tenant":")" + tenant + R"(","attrs":{)" + attrs + "}}";
    line += R"(,"context":{"mfa":)" + pick({"true", "false"});
    line += R"(,"risk_score":)" + number(100) + "}}";
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace tenet::bench
