#include "engine/sql_ddl.hpp"

#include <cstdint>
#include <cstdio>

#include "engine/partial_evaluator.hpp"
#include "engine/residual.hpp"
#include "engine/sql_render.hpp"
#include "engine/sql_text.hpp"

namespace tenet::sql {
namespace {

constexpr std::string_view kPrefix = "tenet_";
// Approximation::what of a rule whose residual was over PartialRequest::max_nodes.
constexpr std::string_view kTooLarge = "condition too large";

std::string literal(std::string_view text) { return quote_literal(text).value_or("NULL"); }

// Text for a `--` comment: a line break in a name (tenant "a\nDROP ...") would
// end the comment and turn the rest into SQL, so control characters become '?'.
std::string comment(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

// A dollar-quote tag that does not occur in `body`, so nothing in it (a
// table name, say) can end the quoted text early.
std::string dollar_quote(std::string_view body) {
  std::string tag = "$tenet$";
  for (int n = 1; body.find(tag) != std::string_view::npos; ++n) {
    tag = "$tenet" + std::to_string(n) + "$";
  }
  return tag + std::string(body) + tag;
}

std::string tenant_setting() {
  return "current_setting(" + literal(setting_name("tenant")) + ", true)";
}

std::string role_setting() { return read_setting(setting_name("principal.role")); }

// `tenet_set_principal(...)`: the session settings for one request, local to
// the current transaction (set_config(..., true) = SET LOCAL), so a pooled
// connection never carries one request's principal into the next. Every
// schema attribute is (re)set, absent ones to '' (= unset), so none leaks
// from an earlier call in the same transaction.
std::string set_principal_function(const model::PolicySet& model) {
  std::string body =
      "\nBEGIN\n"
      "  PERFORM set_config('tenet.tenant', coalesce(tenant, ''), true);\n"
      "  PERFORM set_config('tenet.principal.id', coalesce(principal_id, ''), true);\n"
      "  PERFORM set_config('tenet.principal.role', coalesce(principal_role, ''), true);\n";
  for (const model::Attribute& attribute : model.schema.principal) {
    const std::string name(model.name(attribute.name));
    const bool set = attribute.type.kind == model::ValueKind::SetOfString ||
                     attribute.type.kind == model::ValueKind::SetOfInt;
    // Sets travel as their JSON text; scalars as text ('true', '42', 'DE').
    const std::string value =
        set ? "(attrs -> " + literal(name) + ")::text" : "attrs ->> " + literal(name);
    body += "  PERFORM set_config(" + literal(setting_name("principal." + name)) + ", coalesce(" +
            value + ", ''), true);\n";
  }
  body += "END\n";
  return "CREATE OR REPLACE FUNCTION tenet_set_principal(tenant text, principal_id text,\n"
         "    principal_role text, attrs jsonb DEFAULT '{}'::jsonb)\n"
         "  RETURNS void LANGUAGE plpgsql VOLATILE AS " +
         dollar_quote(body) + ";\n";
}

// What check rejects as an invalid request, or cannot decide without: a
// session without principal id, principal enum settings outside their
// members, set settings that are not a JSON array of the element type.
std::string session_valid(const model::PolicySet& model) {
  std::string out = "(" + read_setting(setting_name("principal.id")) + " IS NOT NULL)";
  for (const model::Attribute& attribute : model.schema.principal) {
    const std::string name(model.name(attribute.name));
    const std::string text = read_setting(setting_name("principal." + name));
    if (attribute.type.kind == model::ValueKind::Enum) {
      std::string members;
      for (const model::Symbol member : model.schema.enums.at(attribute.type.enum_index).members) {
        members += (members.empty() ? "" : ", ") + literal(model.name(member));
      }
      out += "\n    AND (" + text + " IS NULL OR " + text + " IN (" + members + "))";
    } else if (attribute.type.kind == model::ValueKind::SetOfString ||
               attribute.type.kind == model::ValueKind::SetOfInt) {
      const std::string element =
          attribute.type.kind == model::ValueKind::SetOfInt ? "number" : "string";
      out += "\n    AND (" + text + " IS NULL OR (jsonb_typeof(" + text +
             "::jsonb) = 'array' AND NOT jsonb_path_exists(" + text +
             "::jsonb, '$[*] ? (@.type() != \"" + element + "\")')))";
    }
  }
  return out;
}

struct RoleResidual {
  std::string_view role;
  residual::Expr permits;  // rows some permit grants
  residual::Expr forbids;  // rows no forbid denies
};

class Generator {
 public:
  Generator(const CompiledPolicySet& policies, const DdlOptions& options)
      : policies_(policies), model_(policies.model()), options_(options) {}

  DdlResult run() {
    DdlResult result;
    std::vector<model::Index> tenants;
    for (model::Index t = 0; t < model_.tenants.size(); ++t) {
      if (!options_.tenant || model_.name(model_.tenants[t].name) == *options_.tenant) {
        tenants.push_back(t);
      }
    }
    if (options_.tenant && tenants.empty()) {
      result.error = "no tenant '" + *options_.tenant + "'";
      return result;
    }
    std::vector<const model::ResourceType*> mapped;
    for (const model::ResourceType& type : model_.schema.resources) {
      if (type.mapped) mapped.push_back(&type);
    }

    out_ += "-- PostgreSQL row-level security written by `tenet sql`";
    if (!options_.origin.empty()) out_ += " from " + comment(options_.origin);
    out_ +=
        options_.tenant ? " (tenant " + comment(literal(*options_.tenant)) + " only).\n" : ".\n";
    out_ +=
        "-- Enforces what `check` decides for read (SELECT), write (UPDATE), create (INSERT)\n"
        "-- and delete (DELETE). Apply as the owner of the tables; re-running replaces the\n"
        "-- policies named tenet_* on these tables, and only those. See docs/DATABASE.md.\n"
        "BEGIN;\n\n";
    out_ += set_principal_function(model_) + "\n";
    out_ += drop_block(mapped, tenants) + "\n";
    for (const model::ResourceType* type : mapped) table(*type, tenants);
    out_ += "COMMIT;\n";

    sort_and_unique(warnings_, *model_.sources);
    result.script = std::move(out_);
    result.warnings = std::move(warnings_);
    return result;
  }

 private:
  std::string drop_block(const std::vector<const model::ResourceType*>& mapped,
                         const std::vector<model::Index>& tenants) {
    std::string tables;
    for (const model::ResourceType* type : mapped) {
      tables += (tables.empty() ? "" : ", ") + std::string("to_regclass(") +
                literal(quote_ident(model_.name(type->table))) + ")";
    }
    if (tables.empty()) tables = "NULL";
    std::string which = "starts_with(pol.polname, " + literal(kPrefix) + ")";
    if (options_.tenant) {
      which = "(pol.polname IN ('tenet_isolation', 'tenet_valid') OR starts_with(pol.polname, " +
              literal(tenant_policy_prefix(model_.name(model_.tenants[tenants.front()].name))) +
              "))";
    }
    const std::string body =
        "\nDECLARE p record;\nBEGIN\n"
        "  FOR p IN SELECT pol.polname, pol.polrelid::regclass AS tab FROM pg_policy pol\n"
        "           WHERE pol.polrelid IN (" +
        tables + ")\n             AND " + which +
        "\n           ORDER BY 2, 1\n"
        "  LOOP\n    EXECUTE format('DROP POLICY %I ON %s', p.polname, p.tab);\n  END LOOP;\n"
        "END\n";
    return "-- Drop the policies an earlier run made, and only those.\nDO " + dollar_quote(body) +
           ";\n";
  }

  void table(const model::ResourceType& type, const std::vector<model::Index>& tenants) {
    const std::string table = quote_ident(model_.name(type.table));
    const std::string type_name(model_.name(type.name));
    const std::string isolation =
        "(" + quote_ident(model_.name(type.tenant_column)) + " = " + tenant_setting() + ")";
    const std::string valid =
        "(" + session_valid(model_) + "\n    AND " + enum_columns_valid(model_, type) + ")";
    out_ +=
        "-- Resource type " + comment(literal(type_name)) + " in table " + comment(table) + ".\n";
    out_ += "ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY;\n";
    out_ += "ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY;\n";
    out_ += "CREATE POLICY tenet_isolation ON " + table + " AS RESTRICTIVE FOR ALL\n  USING " +
            isolation + "\n  WITH CHECK " + isolation + ";\n";
    out_ += "CREATE POLICY tenet_valid ON " + table + " AS RESTRICTIVE FOR ALL\n  USING " + valid +
            "\n  WITH CHECK " + valid + ";\n";
    const model::Index compiled_type = policies_.find_resource_type(type_name);
    for (const model::Index t : tenants) {
      for (const SqlAction& action : sql_actions())
        tenant_action(type, compiled_type, t, action, table);
    }
    out_ += "\n";
  }

  void tenant_action(const model::ResourceType& type, model::Index compiled_type,
                     model::Index tenant_index, const SqlAction& action, const std::string& table) {
    const model::Tenant& tenant = model_.tenants[tenant_index];
    const std::string tenant_name(model_.name(tenant.name));
    std::vector<RoleResidual> roles;
    for (const model::Role& role : tenant.roles) {
      roles.push_back(evaluate(tenant_name, model_.name(role.name), action.action, compiled_type));
    }
    const std::string prefix = tenant_policy_prefix(tenant_name) + std::string(action.action);
    const std::string tenant_is = tenant_setting() + " = " + literal(tenant_name);

    std::string permit_cases;
    std::string forbid_cases;
    for (const RoleResidual& role : roles) {
      if (!residual::is_never(role.permits)) {
        permit_cases +=
            "\n      WHEN " + literal(role.role) + " THEN " + render_inline(role.permits);
      }
      if (!residual::is_always(role.forbids)) {
        forbid_cases +=
            "\n      WHEN " + literal(role.role) + " THEN " + render_inline(role.forbids);
      }
    }
    out_ += "-- tenant " + comment(literal(tenant_name)) + ", " + std::string(action.action) +
            " on " + comment(literal(model_.name(type.name))) + "\n";
    if (!permit_cases.empty()) {
      policy(prefix + "_permit", table, "PERMISSIVE", action,
             "(" + tenant_is + " AND CASE " + role_setting() + permit_cases +
                 "\n      ELSE FALSE END)");
    }
    if (!forbid_cases.empty()) {
      policy(prefix + "_forbid", table, "RESTRICTIVE", action,
             "(" + tenant_setting() + " IS DISTINCT FROM " + literal(tenant_name) + " OR CASE " +
                 role_setting() + forbid_cases + "\n      ELSE TRUE END)");
    }
  }

  void policy(const std::string& name, const std::string& table, std::string_view kind,
              const SqlAction& action, const std::string& condition) {
    out_ += "CREATE POLICY " + quote_ident(name) + " ON " + table + " AS " + std::string(kind) +
            " FOR " + std::string(action.command);
    if (action.command != "INSERT") out_ += "\n  USING " + condition;
    if (action.command == "UPDATE" || action.command == "INSERT") {
      out_ += "\n  WITH CHECK " + condition;
    }
    out_ += ";\n";
  }

  RoleResidual evaluate(const std::string& tenant, std::string_view role, std::string_view action,
                        model::Index type) {
    PartialRequest request;
    request.base.tenant_name = tenant;
    request.base.tenant = policies_.find_tenant(tenant);
    request.base.principal.role_name = role;
    request.base.principal.role = policies_.find_role(request.base.tenant, role);
    request.action = policies_.find_action(action);
    request.resource_type = type;
    request.mode = PrincipalMode::Symbolic;
    RoleResidual out{role, residual::never(), residual::always()};
    if (!partial_request_problem(policies_, request).empty()) return out;
    const PartialResult result = partially_evaluate(policies_, request);
    std::vector<residual::Expr> permits;
    std::vector<residual::Expr> forbids;
    for (const RuleResidual& rule : result.permits) permits.push_back(rule.passes);
    for (const RuleResidual& rule : result.forbids) forbids.push_back(rule.passes);
    out.permits = residual::any_of(std::move(permits));
    out.forbids = residual::all_of(std::move(forbids));
    for (const Approximation& approximation : result.approximations) {
      warn(tenant, approximation);
    }
    return out;
  }

  // Points the warning at the rule's declaration (in a template, maybe).
  void warn(const std::string& tenant, const Approximation& approximation) {
    const model::Tenant* model_tenant = model_.find_tenant(tenant);
    std::string_view id = approximation.rule;
    if (id.substr(0, tenant.size() + 1) == tenant + ":") id.remove_prefix(tenant.size() + 1);
    const model::Rule* rule = nullptr;
    if (model_tenant != nullptr) {
      for (const model::Rule& candidate : model_tenant->rules) {
        if (candidate.id == id) rule = &candidate;
      }
    }
    if (rule == nullptr) return;
    const bool permit = rule->effect == model::Effect::Permit;
    if (approximation.what == kTooLarge) {
      warnings_.push_back(make_diagnostic(
          DiagCode::SqlConditionTooLarge, rule->span,
          {std::string(approximation.rule), std::to_string(PartialRequest{}.max_nodes),
           permit ? "this permit grants nothing" : "this forbid denies every row"}));
      return;
    }
    warnings_.push_back(
        make_diagnostic(DiagCode::SqlApproximation, rule->span,
                        {std::string(approximation.rule), approximation.what,
                         permit ? "this permit does not grant where the value would matter"
                                : "this forbid denies wherever the value would matter"}));
  }

  const CompiledPolicySet& policies_;
  const model::PolicySet& model_;
  const DdlOptions& options_;
  std::string out_;
  std::vector<Diagnostic> warnings_;
};

}  // namespace

const std::vector<SqlAction>& sql_actions() {
  static const std::vector<SqlAction> actions{
      {"read", "SELECT"}, {"write", "UPDATE"}, {"create", "INSERT"}, {"delete", "DELETE"}};
  return actions;
}

std::string tenant_policy_prefix(std::string_view tenant) {
  std::string readable;
  for (const char c : tenant) {
    if (readable.size() == 20) break;
    const bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    readable += plain ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_';
  }
  std::uint32_t hash = 2166136261U;  // FNV-1a: stable across runs and machines
  for (const char c : tenant) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619U;
  }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  return std::string(kPrefix) + readable + "_" + hex + "_";
}

DdlResult generate_ddl(const CompiledPolicySet& policies, const DdlOptions& options) {
  return Generator(policies, options).run();
}

}  // namespace tenet::sql
