#include "cli/coverage_report.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

namespace tenet::cli {
namespace {

using nlohmann::json;

std::string location(const CoveredDeclaration& declaration) {
  return declaration.file + ':' + std::to_string(declaration.line);
}

std::string percent_text(std::uint64_t part, std::uint64_t whole) {
  const double value =
      whole == 0 ? 100.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", value);
  return buffer;
}

void pad(std::ostream& out, const std::string& text, std::size_t width, bool right) {
  const std::string fill(width > text.size() ? width - text.size() : 0, ' ');
  if (right)
    out << fill << text;
  else
    out << text << fill;
}

json outcomes_json(const Outcomes& outcomes) {
  return {{"evaluated", outcomes.evaluated()},
          {"matched", outcomes.matched},
          {"not_matched", outcomes.not_matched},
          {"error", outcomes.error}};
}

json summary_json(const KindSummary& summary) {
  return {{"total", summary.total}, {"reached", summary.reached}, {"both_ways", summary.both_ways}};
}

json cells_json(const std::vector<Cell>& cells) {
  json list = json::array();
  for (const Cell& cell : cells) {
    list.push_back({{"role", cell.role}, {"action", cell.action}, {"type", cell.type}});
  }
  return list;
}

// lcov separates a function's line from its name with the first comma and
// ends it at the line break: keep both out of names.
std::string lcov_name(std::string name) {
  std::replace(name.begin(), name.end(), ',', ';');
  std::replace(name.begin(), name.end(), '\n', ' ');
  return name;
}

}  // namespace

void write_coverage_table(const CoverageReport& report, std::ostream& out) {
  static const std::string kHeader[] = {"LOCATION", "KIND",        "ID",   "EVALUATED",
                                        "MATCHED",  "NOT MATCHED", "ERROR"};
  std::vector<std::vector<std::string>> rows;
  for (const CoveredDeclaration& declaration : report.declarations) {
    const Outcomes outcomes = declaration.outcomes();
    rows.push_back({location(declaration), std::string(kind_name(declaration.kind)), declaration.id,
                    std::to_string(outcomes.evaluated()), std::to_string(outcomes.matched),
                    std::to_string(outcomes.not_matched), std::to_string(outcomes.error)});
  }
  std::size_t widths[7];
  for (std::size_t c = 0; c < 7; ++c) widths[c] = kHeader[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < 7; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  const auto print_row = [&](const std::string* cells, const char* note) {
    for (std::size_t c = 0; c < 7; ++c) {
      if (c > 0) out << "  ";
      pad(out, cells[c], widths[c], c >= 3);  // counts right-aligned
    }
    out << note << '\n';
  };
  out << "coverage: declarations (rules, transitions, plans, lifecycle edges, features)\n";
  print_row(kHeader, "");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Outcomes outcomes = report.declarations[i].outcomes();
    const char* note = !outcomes.reached()     ? "  <- not reached"
                       : !outcomes.both_ways() ? "  <- one way only"
                                               : "";
    print_row(rows[i].data(), note);
  }

  out << "coverage: check cells (role x action on a type) per partner\n";
  std::size_t tenant_width = 0;
  for (const PartnerCells& partner : report.cells)
    tenant_width = std::max(tenant_width, partner.tenant.size());
  for (const PartnerCells& partner : report.cells) {
    out << "  ";
    pad(out, partner.tenant, tenant_width, false);
    out << "  " << partner.exercised.size() << " of " << partner.total << " exercised ("
        << percent_text(partner.exercised.size(), partner.total) << ")\n";
  }

  out << "coverage: " << report.all.reached << " of " << report.all.total
      << " declarations reached (" << percent_text(report.all.reached, report.all.total) << "), "
      << report.all.both_ways << " both matching and not matching;";
  const char* separator = " ";
  for (std::size_t k = 0; k < kCoverageKinds; ++k) {
    const KindSummary& summary = report.by_kind[k];
    if (summary.total == 0) continue;
    out << separator << kind_name(static_cast<CoverageKind>(k)) << ' ' << summary.reached << '/'
        << summary.total;
    separator = ", ";
  }
  out << "; check cells " << report.cells_exercised << '/' << report.cells_total << '\n';
}

std::string coverage_json(const CoverageReport& report) {
  json kinds = json::object();
  for (std::size_t k = 0; k < kCoverageKinds; ++k) {
    kinds[std::string(kind_name(static_cast<CoverageKind>(k)))] = summary_json(report.by_kind[k]);
  }
  json declarations = json::array();
  for (const CoveredDeclaration& declaration : report.declarations) {
    json partners = json::array();
    for (const PartnerInstance& partner : declaration.partners) {
      json item = outcomes_json(partner.outcomes);
      item["tenant"] = partner.tenant;
      item["id"] = partner.id;
      partners.push_back(std::move(item));
    }
    const Outcomes outcomes = declaration.outcomes();
    json item = outcomes_json(outcomes);
    item["kind"] = kind_name(declaration.kind);
    item["id"] = declaration.id;
    item["file"] = declaration.file;
    item["line"] = declaration.line;
    item["end_line"] = declaration.end_line;
    item["column"] = declaration.column;
    item["reached"] = outcomes.reached();
    item["both_ways"] = outcomes.both_ways();
    item["partners"] = std::move(partners);
    declarations.push_back(std::move(item));
  }
  json partners = json::array();
  for (const PartnerCells& partner : report.cells) {
    partners.push_back({{"tenant", partner.tenant},
                        {"total", partner.total},
                        {"exercised", partner.exercised.size()},
                        {"exercised_cells", cells_json(partner.exercised)},
                        {"not_exercised_cells", cells_json(partner.not_exercised)}});
  }
  json document = {
      {"percent", report.percent()},
      {"declarations",
       {{"total", report.all.total},
        {"reached", report.all.reached},
        {"both_ways", report.all.both_ways},
        {"by_kind", std::move(kinds)},
        {"items", std::move(declarations)}}},
      {"cells",
       {{"total", report.cells_total},
        {"exercised", report.cells_exercised},
        {"partners", std::move(partners)}}},
  };
  return document.dump(2) + '\n';
}

void write_lcov(const CoverageReport& report, const std::filesystem::path& directory,
                std::ostream& out) {
  std::map<std::string, std::vector<const CoveredDeclaration*>> by_file;
  for (const CoveredDeclaration& declaration : report.declarations)
    by_file[declaration.file].push_back(&declaration);

  const std::filesystem::path root = std::filesystem::absolute(directory);
  out << "TN:tenet\n";
  for (const auto& [file, declarations] : by_file) {
    out << "SF:" << (root / file).lexically_normal().string() << '\n';
    // Function names are unique per file: a second declaration with the same
    // id in one file (two tenant blocks) gets its line appended.
    std::set<std::string> seen;
    std::vector<std::string> names;
    for (const CoveredDeclaration* declaration : declarations) {
      std::string name = lcov_name(declaration->id);
      if (!seen.insert(name).second) name += " (line " + std::to_string(declaration->line) + ")";
      seen.insert(name);
      names.push_back(std::move(name));
    }
    std::uint64_t functions_hit = 0;
    for (std::size_t i = 0; i < declarations.size(); ++i)
      out << "FN:" << declarations[i]->line << ',' << names[i] << '\n';
    for (std::size_t i = 0; i < declarations.size(); ++i) {
      const std::uint64_t evaluated = declarations[i]->outcomes().evaluated();
      out << "FNDA:" << evaluated << ',' << names[i] << '\n';
      if (evaluated > 0) ++functions_hit;
    }
    out << "FNF:" << declarations.size() << "\nFNH:" << functions_hit << '\n';

    std::uint64_t branches = 0;
    std::uint64_t branches_hit = 0;
    std::map<std::uint32_t, std::uint32_t> blocks;  // line → next block number
    for (const CoveredDeclaration* declaration : declarations) {
      const Outcomes outcomes = declaration->outcomes();
      const std::uint32_t block = blocks[declaration->line]++;
      const auto branch = [&](int number, std::uint64_t taken) {
        out << "BRDA:" << declaration->line << ',' << block << ',' << number << ',';
        if (outcomes.reached())
          out << taken;
        else
          out << '-';
        out << '\n';
        ++branches;
        if (taken > 0) ++branches_hit;
      };
      branch(0, outcomes.matched);
      branch(1, outcomes.not_matched);
    }
    out << "BRF:" << branches << "\nBRH:" << branches_hit << '\n';

    // Every line of a declaration carries its count; declarations sharing a
    // line add up.
    std::map<std::uint32_t, std::uint64_t> lines;
    for (const CoveredDeclaration* declaration : declarations) {
      const std::uint64_t evaluated = declaration->outcomes().evaluated();
      for (std::uint32_t line = declaration->line; line <= declaration->end_line; ++line)
        lines[line] += evaluated;
    }
    std::uint64_t lines_hit = 0;
    for (const auto& [line, count] : lines) {
      out << "DA:" << line << ',' << count << '\n';
      if (count > 0) ++lines_hit;
    }
    out << "LF:" << lines.size() << "\nLH:" << lines_hit << "\nend_of_record\n";
  }
}

}  // namespace tenet::cli
