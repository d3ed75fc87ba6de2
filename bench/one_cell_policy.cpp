#include "bench/one_cell_policy.hpp"

#include <cstdint>
#include <random>

namespace tenet::bench {
namespace {

constexpr std::size_t kDepartments = 40;

std::string project(std::size_t i) { return "p" + std::to_string(i); }
std::string department(std::size_t i) { return "d" + std::to_string(i % kDepartments); }

constexpr std::string_view kSchema = R"(// Generated: one cell with many rules.
schema {
  principal { department: string; clearance: int; }
  resource document {
    project: string;
    owner: string;
    locked: bool;
    classification: "public" | "internal" | "secret";
  }
  context { mfa: bool; }
  actions read on document;
}
)";

}  // namespace

std::vector<GeneratedFile> generate_one_cell_set(std::size_t rules) {
  std::string tenant = "tenant one {\n  role member;\n";
  tenant += "  @id(\"owner-reads\") permit read on document when resource.owner == principal.id;\n";
  tenant += "  @id(\"locked\") forbid read on document when resource.locked && !context.mfa;\n";
  for (std::size_t i = 0; i < rules; ++i) {
    const std::string id = "@id(\"r" + std::to_string(i) + "\") ";
    switch (i % 10) {
      case 0:  // a secret document of the project needs clearance
        tenant += "  " + id + "forbid read on document when resource.project == \"" + project(i) +
                  "\" && resource.classification == \"secret\" && principal.clearance < 3;\n";
        break;
      case 1:  // two projects shared with one department
        tenant += "  " + id + "permit read on document when resource.project in [\"" + project(i) +
                  "\", \"" + project(i + 1) + "\"] && principal.department == \"" + department(i) +
                  "\";\n";
        break;
      default:
        tenant += "  " + id + "permit read on document when resource.project == \"" + project(i) +
                  "\" && principal.department == \"" + department(i) + "\";\n";
        break;
    }
  }
  tenant += "}\n";
  return {{"schema.tenet", std::string(kSchema)}, {"one.tenet", tenant}};
}

std::vector<std::string> generate_one_cell_requests(std::size_t rules, std::size_t count,
                                                    std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto below = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static constexpr const char* kClassifications[] = {"public", "internal", "secret"};
  std::vector<std::string> lines;
  lines.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    // One request in twenty names a project no rule does.
    const std::size_t p = below(20) == 0 ? rules + below(1000) : below(rules);
    // Half the requests come from the department the project's rule names.
    const std::string dept = below(2) == 0 ? department(p) : department(below(kDepartments));
    const std::string user = "u" + std::to_string(below(50));
    const std::string owner = below(10) == 0 ? user : "u" + std::to_string(below(50) + 50);
    lines.push_back(
        R"({"id":)" + std::to_string(i) + R"(,"op":"check","tenant":"one","principal":{"id":")" +
        user + R"(","role":"member","attrs":{"department":")" + dept + R"(","clearance":)" +
        std::to_string(below(5)) + R"(}},"action":"read","resource":{"type":"document","id":"d)" +
        std::to_string(i) + R"(","tenant":"one","attrs":{"project":")" + project(p) +
        R"(","owner":")" + owner + R"(","locked":)" + (below(10) == 0 ? "true" : "false") +
        R"(,"classification":")" + kClassifications[below(3)] + R"("}},"context":{"mfa":)" +
        (below(2) == 0 ? "true" : "false") + "}}");
  }
  return lines;
}

}  // namespace tenet::bench
