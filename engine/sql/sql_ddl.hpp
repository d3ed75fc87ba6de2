// `tenet sql`: PostgreSQL row-level security that enforces, inside the
// database, what `check` decides for the actions read (SELECT), write
// (UPDATE), create (INSERT) and delete (DELETE) on every mapped resource type
// (docs/LANGUAGE.md §11; docs/DATABASE.md explains the output).
//
// For each role of each tenant, the partial evaluator (Symbolic mode) gives
// the residual of the tenant's permits and of its forbids for (action, type,
// role); they become one PERMISSIVE policy (the permits) and one RESTRICTIVE
// policy (the forbids) per tenant and SQL command, selected by the session's
// `tenet.tenant` and `tenet.principal.role`. Beside them, per table: a
// RESTRICTIVE tenant-isolation policy, a RESTRICTIVE policy rejecting what
// check calls invalid (enum values outside their members, malformed set
// settings, a session without principal id), ENABLE and FORCE ROW LEVEL
// SECURITY. Whatever the database cannot know (context, enabled(..)) made
// the residual stricter; each such place comes back as a warning.
//
// The script is one transaction, deterministic for a given policy set, and
// idempotent: it first drops every policy named `tenet_*` on the mapped
// tables (with --tenant: the table-wide ones and exactly that tenant's
// names), and only those. Used by cli/sql_command.cpp and the PostgreSQL
// tests. Pure function of the compiled set; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/compile/compiled.hpp"
#include "grammar/source/diagnostic.hpp"

namespace tenet::sql {

using model::Index;
using model::kNone;

struct DdlOptions {
  std::optional<std::string> tenant;  // only this tenant's policies
  std::string origin;                 // named in the header comment, e.g. "policies/"
};

struct DdlResult {
  std::string script;                // empty when `error` is set
  std::vector<Diagnostic> warnings;  // sql-approximation, sorted, one per (tenant, rule, read)
  std::string error;                 // e.g. no tenant of that name
  bool policy_error = false;         // `error` is the policy set's (two tenants, one prefix)
};

[[nodiscard]] DdlResult generate_ddl(const compile::CompiledPolicySet& policies,
                                     const DdlOptions& options);

// The SQL actions and the commands they map to, in output order.
struct SqlAction {
  std::string_view action;   // "read"
  std::string_view command;  // "SELECT"
};
[[nodiscard]] const std::vector<SqlAction>& sql_actions();

// The `tenet_<tenant>_<hash>_` prefix of a tenant's policy names: ASCII,
// short enough for PostgreSQL's 63-byte names. Two tenant names can share
// one (a 32-bit hash): generate_ddl() refuses such a policy set.
[[nodiscard]] std::string tenant_policy_prefix(std::string_view tenant);

}  // namespace tenet::sql
