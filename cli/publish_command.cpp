#include "cli/publish_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "engine/engine.hpp"
#include "grammar/source/diagnostic.hpp"
#include "server/store/fleet_rows.hpp"
#include "server/store/migrations.hpp"

namespace tenet::cli {
namespace {

constexpr std::string_view kCommand = "tenet publish";

// Who publishes when --actor is not given: the operator's login.
std::string default_actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr && *user != '\0' ? user : "unknown");
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// An audit row's before / after: {"revision":N,"hash":"..."}.
std::string revision_json(std::uint64_t revision, const std::string& hash) {
  return nlohmann::json{{"revision", revision}, {"hash", hash}}.dump();
}

void render_diagnostics(const units::UnitReport& unit, std::ostream& err) {
  if (!unit.sources) return;
  for (const Diagnostic& diagnostic : unit.diagnostics) err << render(diagnostic, *unit.sources);
}

// One revision this publish writes: the platform part's (tenant empty) or
// a partner's.
struct Planned {
  std::string tenant;  // empty: the platform part
  std::uint64_t revision = 0;
  std::string outcome;  // "added", "applied", "removed"
  std::optional<std::string> before;
  std::optional<std::string> after;
  std::string subject;  // the unit's path; "platform" for the platform part
};

// What DIR holds, loaded once before the store is touched (the writers' lock
// is not held while a thousand partners compile).
struct LoadedDirectory {
  units::Report report;
  std::map<std::string, const units::UnitReport*> unit_reports;  // tenant → its load report
  std::map<std::string, std::string> platform_files;             // path → source
  std::string platform_hash;
};

// The store's latest row per tenant, by tenant.
using StoreUnits = std::map<std::string, const store::UnitRow*>;

struct PublishPlan {
  int exit_code = kOk;
  std::vector<Planned> planned;
  store::PlatformRow platform;            // when planned holds the platform part
  std::vector<store::UnitRow> unit_rows;  // parallel to the units of `planned`
  bool refused_whole = false;
};

// Decides what to write (docs/FLEET.md#publishing); refusals on `err`.
PublishPlan plan(const PublishOptions& options, const LoadedDirectory& loaded,
                 const store::Changes& state, std::ostream& err) {
  PublishPlan outcome;
  const units::Version& version = *loaded.report.version;
  StoreUnits stored;
  for (const store::UnitRow& row : state.units) stored[row.tenant] = &row;
  const bool platform_changed = !state.platform || state.platform->hash != loaded.platform_hash;

  // A partner the store serves that DIR no longer declares. A tenant whose
  // old file is still there but broken may have lost its declaration to a
  // syntax error: that is a broken unit, never a removal.
  std::set<std::string> broken_paths;
  for (const auto& unit : version.units()) {
    if (!unit->served) broken_paths.insert(unit->path);
  }
  std::vector<std::string> removed;
  std::vector<std::string> lost_to_errors;
  for (const store::UnitRow& row : state.units) {
    if (!row.source || version.find(row.tenant) != nullptr) continue;
    (broken_paths.count(row.path) != 0 ? lost_to_errors : removed).push_back(row.tenant);
  }

  if (platform_changed) {
    std::vector<std::string> broken;
    for (const auto& unit : version.units()) {
      if (unit->served) continue;
      broken.push_back(unit->tenant);
      render_diagnostics(*loaded.unit_reports.at(unit->tenant), err);
    }
    broken.insert(broken.end(), lost_to_errors.begin(), lost_to_errors.end());
    if (!broken.empty()) {
      err << kCommand << ": error: the platform part changed and partner(s) " << joined(broken)
          << " do not compile against it; nothing was published\n";
      outcome.refused_whole = true;
    }
  }
  if (!removed.empty() && !options.allow_removal) {
    err << kCommand << ": error: " << options.directory.string() << " no longer declares tenant(s) "
        << joined(removed) << "; --allow-removal removes them; nothing was published\n";
    outcome.refused_whole = true;
  }
  if (outcome.refused_whole) {
    outcome.exit_code = kPolicyErrors;
    return outcome;
  }

  if (platform_changed) {
    const std::uint64_t revision = state.platform ? state.platform->revision + 1 : 1;
    outcome.platform = {revision, loaded.platform_hash, loaded.platform_files};
    outcome.planned.push_back({"", revision, state.platform ? "applied" : "added",
                               state.platform ? std::optional(revision_json(
                                                    state.platform->revision, state.platform->hash))
                                              : std::nullopt,
                               revision_json(revision, loaded.platform_hash), "platform"});
  }
  for (const auto& unit : version.units()) {
    const auto found = stored.find(unit->tenant);
    const store::UnitRow* row = found == stored.end() ? nullptr : found->second;
    const bool live = row != nullptr && row->source.has_value();
    // The same text at the same place: nothing to write. (A unit moved to
    // another file is written again, so replicas read it where it is.)
    if (live && row->hash == unit->hash && row->path == unit->path) continue;
    if (!unit->served) {
      // Only when the platform part did not change: else refused whole above.
      render_diagnostics(*loaded.unit_reports.at(unit->tenant), err);
      err << kCommand << ": error: " << unit->tenant
          << ": the unit does not compile; not published ("
          << (live ? "the store keeps revision " + std::to_string(row->revision)
                   : std::string("it is not in the store"))
          << ")\n";
      outcome.exit_code = kPolicyErrors;
      continue;
    }
    const std::uint64_t revision = row != nullptr ? row->revision + 1 : 1;
    outcome.unit_rows.push_back(
        {unit->tenant, revision, unit->path, unit->hash, std::string(unit->text())});
    outcome.planned.push_back(
        {unit->tenant, revision, live ? "applied" : "added",
         live ? std::optional(revision_json(row->revision, row->hash)) : std::nullopt,
         revision_json(revision, unit->hash), unit->path});
  }
  for (const std::string& tenant : lost_to_errors) {
    const store::UnitRow& row = *stored.at(tenant);
    err << kCommand << ": error: " << tenant << ": " << row.path
        << " no longer declares it and does not compile; not published (the store keeps "
           "revision "
        << row.revision << ")\n";
    outcome.exit_code = kPolicyErrors;
  }
  for (const std::string& tenant : removed) {
    const store::UnitRow& row = *stored.at(tenant);
    // A removal keeps the path; its hash is empty (there is no text).
    outcome.unit_rows.push_back({tenant, row.revision + 1, row.path, "", std::nullopt});
    outcome.planned.push_back({tenant, row.revision + 1, "removed",
                               revision_json(row.revision, row.hash), std::nullopt, row.path});
  }
  return outcome;
}

// Reads and loads DIR; on failure the exit code, diagnostics rendered as
// `tenet check` renders them.
std::optional<int> load_directory(const PublishOptions& options, LoadedDirectory& loaded,
                                  std::ostream& err) {
  units::UnitOptions unit_options;
  unit_options.limits = options.limits;
  loaded.report = units::load(options.directory, unit_options);
  const units::Report& report = loaded.report;
  if (!report.io_errors.empty()) {
    for (const std::string& problem : report.io_errors)
      err << kCommand << ": error: " << problem << '\n';
    return kUsageOrIo;
  }
  if (!report.version) {
    if (report.sources) {
      for (const Diagnostic& diagnostic : report.platform_diagnostics)
        err << render(diagnostic, *report.sources);
    }
    err << kCommand
        << ": error: " << (report.message.empty() ? "the policy set does not load" : report.message)
        << "; nothing was published\n";
    return kPolicyErrors;
  }
  for (const units::UnitReport& unit : report.units) loaded.unit_reports[unit.tenant] = &unit;
  const units::PlatformPart& platform = report.version->platform();
  loaded.platform_hash = units::platform_hash(platform);
  for (std::size_t id = 0; id < report.sources->size(); ++id) {
    const SourceFile& file = report.sources->file(static_cast<FileId>(id));
    if (platform.hashes.count(file.path) != 0) loaded.platform_files[file.path] = file.text;
  }
  return std::nullopt;
}

void print_planned(const Planned& planned, std::ostream& out) {
  out << (planned.tenant.empty() ? "platform part" : planned.tenant) << ": revision "
      << planned.revision << " (" << planned.outcome << ")\n";
}

}  // namespace

int run_publish(const PublishOptions& options, std::ostream& out, std::ostream& err) {
  LoadedDirectory loaded;
  if (const std::optional<int> failed = load_directory(options, loaded, err)) return *failed;
  const std::string actor = options.actor.empty() ? default_actor() : options.actor;
  try {
    store::Connection connection(options.store_url);
    store::require_latest(connection);
    // Holds the writers' lock until commit or rollback: the state read here
    // is the state written over.
    store::Change change(connection);
    const store::Changes state = store::read_changes(change, 0);
    PublishPlan outcome = plan(options, loaded, state, err);
    if (outcome.refused_whole) return outcome.exit_code;  // rolled back: nothing taken
    if (outcome.planned.empty()) {
      // Rolled back: the store revision taken by the change is given back.
      if (outcome.exit_code == kOk) {
        out << "nothing to publish; the store is at revision " << change.revision() - 1 << '\n';
      } else {
        err << kCommand << ": error: nothing was published\n";
      }
      return outcome.exit_code;
    }
    if (outcome.platform.revision != 0)
      store::insert_platform_revision(change, outcome.platform, actor);
    for (const store::UnitRow& row : outcome.unit_rows)
      store::insert_unit_revision(change, row, actor);
    for (const Planned& planned : outcome.planned) {
      store::audit(change, actor, "publish",
                   planned.tenant.empty() ? std::nullopt : std::optional(planned.tenant),
                   planned.subject, planned.before, planned.after);
    }
    if (options.dry_run) {
      for (const Planned& planned : outcome.planned) print_planned(planned, out);
      out << "dry run: nothing was written (this would have been store revision "
          << change.revision() << ")\n";
      return outcome.exit_code;  // rolled back by the Change
    }
    change.commit();
    for (const Planned& planned : outcome.planned) print_planned(planned, out);
    out << "published store revision " << change.revision() << '\n';
    return outcome.exit_code;
  } catch (const store::StoreError& error) {
    err << kCommand << ": error: " << error.what() << "; nothing was published\n";
    return kUsageOrIo;
  }
}

void add_publish_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PublishOptions>();
  CLI::App* command = app.add_subcommand(
      "publish",
      "Write the policy directory DIR into the fleet's store (docs/FLEET.md), as one store "
      "revision: by the rules of a reload, a changed platform part with every changed unit "
      "(refused whole if a partner breaks), else each changed unit that compiles. Exit "
      "status: 0 published or nothing to publish, 1 refused in whole or in part, 2 usage, "
      "I/O or store error (nothing written).");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  command->add_option("--store", options->store_url,
                      "The store's libpq connection string or URI (default: $TENET_STORE)");
  command->add_flag("--allow-removal", options->allow_removal,
                    "Remove the partners the store serves that DIR no longer declares");
  command->add_flag("--dry-run", options->dry_run,
                    "Check and say what would be written; write nothing");
  command->add_option("--actor", options->actor,
                      "Who publishes, in the store's revisions and audit (default: cli:$USER)");
  add_parse_limit_options(*command, options->limits);
  command->callback([options, &exit_code] {
    if (options->store_url.empty()) {
      const char* from_env = std::getenv("TENET_STORE");
      if (from_env != nullptr) options->store_url = from_env;
    }
    if (options->store_url.empty()) {
      std::cerr << kCommand << ": error: no store: give --store URL or set TENET_STORE\n";
      exit_code = kUsageOrIo;
      return;
    }
    exit_code = run_publish(*options, std::cout, std::cerr);
  });
}

}  // namespace tenet::cli
