#include "cli/test_coverage.hpp"

#include <algorithm>
#include <tuple>

namespace tenet::cli {
namespace {

std::string instance_key(std::string_view kind, std::string_view rule) {
  std::string key(kind);
  key += '\0';
  key += rule;
  return key;
}

// The last line of a span: its first line plus the line breaks inside it.
std::uint32_t end_line(const Span& span, const SourceSet& sources) {
  const std::string& text = sources.file(span.file).text;
  const std::size_t begin = std::min<std::size_t>(span.offset, text.size());
  const std::size_t end = std::min<std::size_t>(begin + span.length, text.size());
  std::uint32_t line = span.line;
  for (std::size_t i = begin; i < end; ++i) {
    if (text[i] == '\n' && i + 1 < end) ++line;
  }
  return line;
}

}  // namespace

std::string_view kind_name(CoverageKind kind) {
  switch (kind) {
    case CoverageKind::Forbid:
      return "forbid";
    case CoverageKind::Permit:
      return "permit";
    case CoverageKind::Transition:
      return "transition";
    case CoverageKind::Plan:
      return "plan";
    case CoverageKind::Edge:
      return "edge";
    case CoverageKind::Feature:
      return "feature";
  }
  return "permit";
}

Outcomes CoveredDeclaration::outcomes() const {
  Outcomes sum;
  for (const PartnerInstance& partner : partners) sum.add(partner.outcomes);
  return sum;
}

double CoverageReport::percent() const {
  if (all.total == 0) return 100.0;
  return 100.0 * static_cast<double>(all.reached) / static_cast<double>(all.total);
}

TestCoverage::TestCoverage(const CompiledPolicySet& policies) : policies_(policies) {
  exercised_.resize(policies.tenant_count());
  for (Index t = 0; t < policies.tenant_count(); ++t) {
    const compile::Tenant& tenant = policies.tenant(t);
    if (tenant.unavailable || tenant.model_tenant == nullptr || !tenant.model) continue;
    const model::Tenant& source = *tenant.model_tenant;
    const SourceSet& sources = *tenant.model->sources;
    exercised_[t].assign(
        static_cast<std::size_t>(tenant.local_actions) * tenant.type_count * tenant.role_count,
        false);
    // The compiler keeps the model's order (engine/compile/compiler.cpp), so
    // compiled entry i is model entry i.
    for (std::size_t i = 0; i < tenant.rules.size() && i < source.rules.size(); ++i) {
      add(tenant.rules[i].forbid ? CoverageKind::Forbid : CoverageKind::Permit, tenant.name,
          tenant.rules[i].id, source.rules[i].id, source.rules[i].span, sources);
    }
    for (std::size_t i = 0; i < tenant.transitions.size() && i < source.transitions.size(); ++i) {
      add(CoverageKind::Transition, tenant.name, tenant.transitions[i].id, source.transitions[i].id,
          source.transitions[i].span, sources);
    }
    for (std::size_t i = 0; i < tenant.plans.size() && i < source.plans.size(); ++i) {
      add(CoverageKind::Plan, tenant.name, tenant.plans[i].id, source.plans[i].id,
          source.plans[i].span, sources);
    }
    for (std::size_t l = 0; l < tenant.lifecycles.size() && l < source.lifecycles.size(); ++l) {
      const auto& edges = tenant.lifecycles[l].edges;
      const auto& source_edges = source.lifecycles[l].edges;
      for (std::size_t e = 0; e < edges.size() && e < source_edges.size(); ++e) {
        add(CoverageKind::Edge, tenant.name, edges[e].id, source_edges[e].id, source_edges[e].span,
            sources);
      }
    }
    for (std::size_t i = 0; i < tenant.features.size() && i < source.features.size(); ++i) {
      add(CoverageKind::Feature, tenant.name, tenant.features[i].trace_id, tenant.features[i].name,
          source.features[i].span, sources);
    }
  }
}

void TestCoverage::add(CoverageKind kind, std::string_view tenant, std::string_view full_id,
                       std::string_view local_id, const Span& span, const SourceSet& sources) {
  const std::string& file = sources.file(span.file).path;
  std::string where = file;
  where += '\0';
  where += std::to_string(span.offset);
  auto [found, inserted] = declaration_index_.try_emplace(std::move(where), declarations_.size());
  if (inserted) {
    CoveredDeclaration declaration;
    declaration.kind = kind;
    declaration.file = file;
    declaration.line = span.line;
    declaration.end_line = end_line(span, sources);
    declaration.column = span.column;
    declaration.id = std::string(local_id);
    declarations_.push_back(std::move(declaration));
  }
  CoveredDeclaration& declaration = declarations_[found->second];
  instances_.try_emplace(instance_key(kind_name(kind), full_id),
                         Instance{found->second, declaration.partners.size()});
  declaration.partners.push_back({std::string(tenant), std::string(full_id), {}});
}

void TestCoverage::record_trace(std::string_view kind, std::string_view rule,
                                std::string_view outcome) {
  const auto found = instances_.find(instance_key(kind, rule));
  if (found == instances_.end()) {
    ++unknown_entries_;
    return;
  }
  Outcomes& outcomes =
      declarations_[found->second.declaration].partners[found->second.partner].outcomes;
  if (outcome == "matched") {
    ++outcomes.matched;
  } else if (outcome == "not_matched") {
    ++outcomes.not_matched;
  } else {
    ++outcomes.error;
  }
}

void TestCoverage::record_check(std::string_view tenant_name, std::string_view role_name,
                                std::string_view action_name, std::string_view type_name) {
  const Index t = policies_.find_tenant(tenant_name);
  if (t == kNone || exercised_[t].empty()) return;
  const Index role = policies_.find_role(t, role_name);
  const Index action = policies_.find_action(t, action_name);
  const Index type = policies_.find_resource_type(type_name);
  const compile::Tenant& tenant = policies_.tenant(t);
  if (role == kNone || action == kNone || type == kNone || !tenant.declares(action, type)) return;
  exercised_[t][tenant.dense_index(action, type, role)] = true;
}

CoverageReport TestCoverage::report() const {
  CoverageReport report;
  report.declarations = declarations_;
  std::sort(report.declarations.begin(), report.declarations.end(),
            [](const CoveredDeclaration& a, const CoveredDeclaration& b) {
              return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
            });
  for (const CoveredDeclaration& declaration : report.declarations) {
    const Outcomes outcomes = declaration.outcomes();
    for (KindSummary* summary :
         {&report.all, &report.by_kind[static_cast<std::size_t>(declaration.kind)]}) {
      ++summary->total;
      if (outcomes.reached()) ++summary->reached;
      if (outcomes.both_ways()) ++summary->both_ways;
    }
  }

  const auto& type_names = policies_.platform().type_names;
  for (Index t = 0; t < policies_.tenant_count(); ++t) {
    if (exercised_[t].empty()) continue;
    const compile::Tenant& tenant = policies_.tenant(t);
    PartnerCells partner;
    partner.tenant = std::string(tenant.name);
    for (Index role = 0; role < tenant.role_count; ++role) {
      for (Index type = 0; type < tenant.type_count; ++type) {
        for (Index action = 1; action < tenant.local_actions; ++action) {
          if (!tenant.declares(action, type)) continue;
          ++partner.total;
          const bool exercised = exercised_[t][tenant.dense_index(action, type, role)];
          std::vector<Cell>& list = exercised ? partner.exercised : partner.not_exercised;
          if (!exercised && list.size() >= kMaxListedCells) continue;
          list.push_back({std::string(tenant.role_names[role]),
                          std::string(tenant.action_names[action]), std::string(type_names[type])});
        }
      }
    }
    report.cells_total += partner.total;
    report.cells_exercised += partner.exercised.size();
    report.cells.push_back(std::move(partner));
  }
  return report;
}

}  // namespace tenet::cli
