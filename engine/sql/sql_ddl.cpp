#include "engine/sql/sql_ddl.hpp"

#include <cstdint>
#include <cstdio>
#include <map>
#include <utility>

#include "engine/partial/partial_evaluator.hpp"
#include "engine/partial/residual.hpp"
#include "engine/sql/sql_render.hpp"
#include "engine/sql/sql_text.hpp"

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

// The session's tenant: NULL when unset or '' (no tenant: no row matches).
std::string tenant_setting() { return read_setting(setting_name("tenant")); }

std::string role_setting() { return read_setting(setting_name("principal.role")); }

// SQL true when the json `v` is what check reads as an int: a JSON number
// written as an integer (no fraction, no exponent: 7.0 and 1e3 are floats to
// check) that fits in 64 bits. The CASE keeps the cast from seeing other text.
std::string json_is_int(std::string_view v) {
  const std::string text = std::string(v) + "::text";
  return "(json_typeof(" + std::string(v) + ") = 'number' AND CASE WHEN " + text +
         " ~ '^-?(0|[1-9][0-9]*)$' THEN " + text +
         "::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE FALSE END)";
}

std::string enum_members(const model::PolicySet& model, const model::Attribute& attribute,
                         bool quoted_for_sql) {
  std::string members;
  for (const model::Symbol member : model.schema.enums.at(attribute.type.enum_index).members) {
    const std::string_view name = model.name(member);
    // A member PostgreSQL cannot hold (a NUL byte) equals no value it reads: left out.
    if (quoted_for_sql && !quote_literal(name)) continue;
    members += members.empty() ? "" : (quoted_for_sql ? ", " : " | ");
    members += quoted_for_sql ? literal(name) : "\"" + std::string(name) + "\"";
  }
  // `x IN (NULL)` is never true, and never a syntax error as `IN ()` would be.
  return members.empty() && quoted_for_sql ? "NULL" : members;
}

// SQL true when the json `v` has the attribute's schema type, as check reads
// it (engine/json/internal/attribute_reader.cpp), and what check calls it otherwise.
std::pair<std::string, std::string> json_has_type(const model::PolicySet& model,
                                                  const model::Attribute& attribute) {
  switch (attribute.type.kind) {
    case model::AttributeKind::Bool:
      return {"json_typeof(v) = 'boolean'", "bool"};
    case model::AttributeKind::Int:
      return {json_is_int("v"), "int"};
    case model::AttributeKind::String:
      return {"json_typeof(v) = 'string'", "string"};
    case model::AttributeKind::Enum:
      return {"(json_typeof(v) = 'string' AND (v #>> '{}') IN (" +
                  enum_members(model, attribute, true) + "))",
              "one of " + enum_members(model, attribute, false)};
    case model::AttributeKind::SetOfString:
    case model::AttributeKind::SetOfInt:
      break;
  }
  const bool ints = attribute.type.kind == model::AttributeKind::SetOfInt;
  return {
      "CASE WHEN json_typeof(v) = 'array' THEN NOT EXISTS (SELECT FROM json_array_elements(v) "
      "e WHERE NOT " +
          (ints ? json_is_int("e") : std::string("json_typeof(e) = 'string'")) + ") ELSE FALSE END",
      ints ? "set<int>" : "set<string>"};
}

// `tenet_set_principal(...)`: the session settings for one request, local to
// the current transaction (set_config(..., true) = SET LOCAL), so a pooled
// connection never carries one request's principal into the next. Every
// schema attribute is (re)set, absent ones to '' (= unset), so none leaks
// from an earlier call in the same transaction. It validates the attributes
// as check does and raises where check answers invalid_request: nothing in
// the transaction can then read a row. `attrs` is json, not jsonb, so that
// the numbers are seen as written (jsonb turns 1e3, a float to check, into
// 1000). A present attribute is stored as its JSON text, so "" (present,
// empty) differs from '' (absent).
std::string set_principal_function(const model::PolicySet& model) {
  std::string body =
      "\nDECLARE v json;\nBEGIN\n"
      // No attrs, or JSON null: none, as in check.
      "  IF attrs IS NULL OR json_typeof(attrs) = 'null' THEN attrs := '{}'; END IF;\n"
      "  IF json_typeof(attrs) <> 'object' THEN\n"
      "    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =\n"
      "      'tenet_set_principal: principal.attrs: expected an object, got ' || "
      "json_typeof(attrs);\n"
      "  END IF;\n"
      // check refuses a declared key given twice; json operators would read the last.
      "  IF EXISTS (SELECT FROM json_object_keys(attrs) k GROUP BY k HAVING count(*) > 1) THEN\n"
      "    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =\n"
      "      'tenet_set_principal: principal.attrs: a key is given twice';\n"
      "  END IF;\n"
      "  PERFORM set_config('tenet.tenant', coalesce(tenant, ''), true);\n"
      "  PERFORM set_config('tenet.principal.id', coalesce(principal_id, ''), true);\n"
      "  PERFORM set_config('tenet.principal.role', coalesce(principal_role, ''), true);\n";
  for (const model::Attribute& attribute : model.schema.principal) {
    const std::string name(model.name(attribute.name));
    const auto [valid, type] = json_has_type(model, attribute);
    body += "  v := attrs -> " + literal(name) + ";\n";
    body += "  IF json_typeof(v) = 'null' THEN v := NULL; END IF;\n";  // absent, as in check
    // In parentheses: a CASE's THEN would end the IF's condition early.
    // coalesce: a check that comes out NULL refuses too.
    body += "  IF v IS NOT NULL AND NOT coalesce((" + valid + "), FALSE) THEN\n";
    body +=
        "    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =\n      " +
        literal("tenet_set_principal: principal.attrs." + name + ": expected " + type + ", got ") +
        " || v::text;\n  END IF;\n";
    body += "  PERFORM set_config(" + literal(principal_setting_name(name)) +
            ", coalesce(v::jsonb::text, ''), true);\n";
  }
  body += "END\n";
  return "DROP FUNCTION IF EXISTS tenet_set_principal(text, text, text, jsonb);\n"
         "CREATE OR REPLACE FUNCTION tenet_set_principal(tenant text, principal_id text,\n"
         "    principal_role text, attrs json DEFAULT '{}'::json)\n"
         "  RETURNS void LANGUAGE plpgsql VOLATILE AS " +
         dollar_quote(body) + ";\n";
}

// What check rejects as an invalid request, or cannot decide without: a
// session without principal id, principal settings that are not the JSON
// text of a value of their type (enum values outside their members, set
// elements of the wrong type). tenet_set_principal never writes those; this
// holds for settings written any other way.
std::string session_valid(const model::PolicySet& model) {
  std::string out = "(" + read_setting(setting_name("principal.id")) + " IS NOT NULL)";
  for (const model::Attribute& attribute : model.schema.principal) {
    const std::string name(model.name(attribute.name));
    const std::string text = read_setting(principal_setting_name(name));
    const std::string json = text + "::jsonb";
    std::string valid;
    switch (attribute.type.kind) {
      case model::AttributeKind::Bool:
        valid = "jsonb_typeof(" + json + ") = 'boolean'";
        break;
      case model::AttributeKind::Int:
        valid = "jsonb_typeof(" + json + ") = 'number' AND " + text + " ~ '^-?[0-9]+$'";
        break;
      case model::AttributeKind::String:
        valid = "jsonb_typeof(" + json + ") = 'string'";
        break;
      case model::AttributeKind::Enum:
        valid = "jsonb_typeof(" + json + ") = 'string' AND (" + json + " #>> '{}') IN (" +
                enum_members(model, attribute, true) + ")";
        break;
      case model::AttributeKind::SetOfString:
      case model::AttributeKind::SetOfInt: {
        const std::string element =
            attribute.type.kind == model::AttributeKind::SetOfInt ? "number" : "string";
        valid = "jsonb_typeof(" + json + ") = 'array' AND NOT jsonb_path_exists(" + json +
                ", '$[*] ? (@.type() != \"" + element + "\")')";
        break;
      }
    }
    out += "\n    AND (" + text + " IS NULL OR (" + valid + "))";
  }
  return out;
}

struct RoleResidual {
  std::string_view role;
  partial::residual::Expr permits;  // rows some permit grants
  partial::residual::Expr forbids;  // rows no forbid denies
};

class Generator {
 public:
  Generator(const compile::CompiledPolicySet& policies, const DdlOptions& options)
      : policies_(policies), model_(policies.model()), options_(options) {}

  DdlResult run() {
    DdlResult result;
    std::vector<model::Index> tenants;
    for (model::Index t = 0; t < policies_.tenant_count(); ++t) {
      if (policies_.tenant(t).unavailable) continue;
      if (!options_.tenant || policies_.tenant_name(t) == *options_.tenant) tenants.push_back(t);
    }
    if (options_.tenant && tenants.empty()) {
      result.error = "no tenant '" + *options_.tenant + "'";
      return result;
    }
    // Two tenants with one policy-name prefix would create a policy twice
    // (the script fails), and --tenant would replace the other's policies.
    std::map<std::string, std::string_view> prefixes;
    for (model::Index t = 0; t < policies_.tenant_count(); ++t) {
      const std::string_view name = policies_.tenant_name(t);
      const auto [at, fresh] = prefixes.emplace(tenant_policy_prefix(name), name);
      if (!fresh) {
        result.error = "tenants '" + comment(std::string(at->second)) + "' and '" +
                       comment(std::string(name)) + "' get the same policy names (" + at->first +
                       "...): rename one of them";
        result.policy_error = true;
        return result;
      }
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
      // The tenant's own names exactly: another tenant's names can start
      // with this one's prefix (tenant "a_<hash of a>_b").
      which = "pol.polname IN ('tenet_isolation', 'tenet_valid'";
      const std::string prefix = tenant_policy_prefix(policies_.tenant_name(tenants.front()));
      for (const SqlAction& action : sql_actions()) {
        for (const std::string_view kind : {"_permit", "_forbid"}) {
          which += ", " + literal(prefix + std::string(action.action) + std::string(kind));
        }
      }
      which += ")";
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
    // Byte for byte, whatever the tenant column's collation: under a
    // case-insensitive one, tenant 'ACME' would otherwise read 'acme's rows.
    const std::string isolation =
        column_equals(quote_ident(model_.name(type.tenant_column)), tenant_setting());
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
    const compile::Tenant& tenant = policies_.tenant(tenant_index);
    const std::string tenant_name(tenant.own_name);
    std::vector<RoleResidual> roles;
    for (const std::string_view role : tenant.role_names) {
      roles.push_back(evaluate(tenant_name, role, action.action, compiled_type));
    }
    const std::string prefix = tenant_policy_prefix(tenant_name) + std::string(action.action);
    const std::string tenant_is = tenant_setting() + " = " + literal(tenant_name);

    std::string permit_cases;
    std::string forbid_cases;
    for (const RoleResidual& role : roles) {
      if (!partial::residual::is_never(role.permits)) {
        permit_cases +=
            "\n      WHEN " + literal(role.role) + " THEN " + render_inline(role.permits);
      }
      if (!partial::residual::is_always(role.forbids)) {
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
    partial::PartialRequest request;
    request.base.tenant_name = tenant;
    request.base.tenant = policies_.find_tenant(tenant);
    request.base.principal.role_name = role;
    request.base.principal.role = policies_.find_role(request.base.tenant, role);
    request.action = policies_.find_action(request.base.tenant, action);
    request.resource_type = type;
    request.mode = partial::PrincipalMode::Symbolic;
    RoleResidual out{role, partial::residual::never(), partial::residual::always()};
    if (!partial::partial_request_problem(policies_, request).empty()) return out;
    const partial::PartialResult result = partial::partially_evaluate(policies_, request);
    std::vector<partial::residual::Expr> permits;
    std::vector<partial::residual::Expr> forbids;
    for (const partial::RuleResidual& rule : result.permits) permits.push_back(rule.passes);
    for (const partial::RuleResidual& rule : result.forbids) forbids.push_back(rule.passes);
    out.permits = partial::residual::any_of(std::move(permits));
    out.forbids = partial::residual::all_of(std::move(forbids));
    for (const partial::Approximation& approximation : result.approximations) {
      warn(tenant, approximation);
    }
    return out;
  }

  // Points the warning at the rule's declaration (in a template, maybe).
  void warn(const std::string& tenant, const partial::Approximation& approximation) {
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
          {std::string(approximation.rule), std::to_string(partial::PartialRequest{}.max_nodes),
           permit ? "this permit grants nothing" : "this forbid denies every row"}));
      return;
    }
    warnings_.push_back(
        make_diagnostic(DiagCode::SqlApproximation, rule->span,
                        {std::string(approximation.rule), approximation.what,
                         permit ? "this permit does not grant where the value would matter"
                                : "this forbid denies wherever the value would matter"}));
  }

  const compile::CompiledPolicySet& policies_;
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

DdlResult generate_ddl(const compile::CompiledPolicySet& policies, const DdlOptions& options) {
  return Generator(policies, options).run();
}

}  // namespace tenet::sql
