#include "server/service.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "grammar/source/diagnostic.hpp"
#include "server/durable_file.hpp"
#include "server/log.hpp"
#include "server/store/fleet_rows.hpp"

namespace tenet::server {

Service::Service(std::filesystem::path policy_directory,
                 std::shared_ptr<const units::Version> version, std::optional<TokenStore> tokens,
                 std::unique_ptr<FeatureState> features, PolicyOptions policy_options)
    : Service(std::move(policy_directory), std::make_unique<Engine>(version->compiled()),
              std::move(tokens), std::move(features), std::move(policy_options)) {
  units_ = std::move(version);
  platform_revision_.store(units_->platform().revision, std::memory_order_release);
}

Service::Service(std::filesystem::path policy_directory, std::unique_ptr<Engine> engine,
                 std::optional<TokenStore> tokens, std::unique_ptr<FeatureState> features,
                 PolicyOptions policy_options)
    : directory_(std::move(policy_directory)),
      policy_options_(std::move(policy_options)),
      engine_(std::move(engine)),
      authenticates_(tokens.has_value()),
      tokens_(tokens ? std::make_shared<const TokenStore>(std::move(*tokens)) : nullptr),
      features_(std::move(features)),
      history_(directory_, unit_settings_.keep_revisions) {
  features_->apply(*engine_->snapshot());
  if (const auto current = this->tokens()) warn_about_token_tenants(*current, *engine_->snapshot());
}

bool Service::replace_tokens(std::shared_ptr<const TokenStore> tokens) {
  if (!install_tokens(tokens)) return false;
  warn_about_token_tenants(*tokens, *engine_->snapshot());
  return true;
}

bool Service::install_tokens(std::shared_ptr<const TokenStore> tokens) {
  if (!authenticates_ || !tokens) {
    LogLine("error")
        .field("what", "tokens")
        .field("message", authenticates_
                              ? "a token change without a token set was refused: authentication "
                                "stays on with the tokens serving"
                              : "a token change was refused: this server runs without "
                                "authentication (start it with tokens to use them)")
        .emit();
    return false;
  }
  const std::size_t count = tokens->size();
  tokens_.store(std::move(tokens), std::memory_order_release);
  // After the store: a session that sees the new generation reads the new
  // set (or a later one, whose own increment it will see next time).
  const std::uint64_t generation = token_generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
  LogLine("tokens")
      .field("count", static_cast<std::uint64_t>(count))
      .field("generation", generation)
      .emit();
  // Lines left in the file after their expiry are loaded (a restart must
  // not fail because time passed) but refused: say so, they are clutter.
  const std::shared_ptr<const TokenStore> installed = this->tokens();
  const auto now = std::chrono::system_clock::now();
  const auto expired = static_cast<std::uint64_t>(
      std::count_if(installed->entries().begin(), installed->entries().end(),
                    [&](const HashedToken& entry) { return entry.grant.expired_at(now); }));
  if (expired > 0) {
    LogLine("warning")
        .field("what", "tokens_expired")
        .field("count", expired)
        .field("message", std::to_string(expired) +
                              " token(s) of the set have expired and are refused; remove "
                              "their lines")
        .emit();
  }
  return true;
}

void Service::set_token_file(std::filesystem::path file) {
  const std::lock_guard<std::mutex> lock(admin_);
  token_file_ = std::move(file);
}

Service::ReloadResult::Tokens Service::reload_token_file() {
  ReloadResult::Tokens outcome;
  TokenStore::LoadResult loaded = TokenStore::load(*token_file_);
  if (!loaded.store) {
    // The old tokens keep working: a file caught half-written or a typo
    // must not lock every client out (or let a revoked token in).
    const std::shared_ptr<const TokenStore> serving = tokens();
    outcome.count = serving ? serving->size() : 0;
    outcome.message = loaded.error + "; the tokens serving are kept";
    LogLine("error").field("what", "tokens").field("message", outcome.message).emit();
    return outcome;
  }
  outcome.count = loaded.store->size();
  // reload() warns about tokens of undeclared tenants once it knows which
  // policy set serves.
  outcome.ok = install_tokens(std::make_shared<const TokenStore>(std::move(*loaded.store)));
  if (!outcome.ok) outcome.message = "this server does not authenticate; the token file is ignored";
  return outcome;
}

void warn_about_token_tenants(const TokenStore& tokens, const CompiledPolicySet& policies) {
  for (const std::string& tenant : tokens.bound_tenants()) {
    if (policies.find_tenant(tenant) != kNone) continue;
    LogLine("warning")
        .field("what", "token_tenant")
        .field("tenant", tenant)
        .field("message", "a token is bound to tenant '" + tenant +
                              "', which the policy set does not declare; its requests can only get "
                              "unknown-tenant answers")
        .emit();
  }
}

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

std::shared_ptr<const units::Version> Service::version() const {
  const std::lock_guard<std::mutex> lock(admin_);
  return units_;
}

namespace {

// The load or reload report as ReloadResult's texts: I/O errors, the
// refusal, the platform part's diagnostics, then each refused unit's.
std::string rendered_problems(const units::Report& report) {
  std::string text;
  for (const std::string& problem : report.io_errors) text += "error: " + problem + '\n';
  if (!report.message.empty()) text += "error: " + report.message + '\n';
  for (const Diagnostic& diagnostic : report.platform_diagnostics)
    text += render(diagnostic, *report.sources);
  for (const units::UnitReport& unit : report.units) {
    if (unit.outcome != units::Outcome::Refused) continue;
    if (!unit.message.empty() && unit.diagnostics.empty())
      text += "error: tenant '" + unit.tenant + "': " + unit.message + '\n';
    for (const Diagnostic& diagnostic : unit.diagnostics) text += render(diagnostic, *unit.sources);
  }
  return text;
}

}  // namespace

namespace {

std::string state_text(FeatureSwitch state) {
  return state == FeatureSwitch::On ? "on" : state == FeatureSwitch::Off ? "off" : "default";
}

std::string token_id(const HashedToken& token) { return "sha256:" + to_hex(token.hash.data(), 8); }

// The token ids `after` adds, removes, or keeps with another tenant,
// other rights or another expiry than `before` (each sorted): the audit of a token file
// read again. Empty when nothing changed.
nlohmann::json token_changes(const TokenStore* before, const TokenStore& after) {
  std::map<std::string, std::string> old_grants;
  std::map<std::string, std::string> new_grants;
  const auto grant_text = [](const Grant& grant) {
    return grant.tenant + (grant.check ? " check" : "") + (grant.admin ? " admin" : "") +
           (grant.author ? " author" : "") +
           (grant.expires ? " expires=" + format_utc_time(*grant.expires) : "");
  };
  if (before != nullptr) {
    for (const HashedToken& token : before->entries())
      old_grants.emplace(token_id(token), grant_text(token.grant));
  }
  for (const HashedToken& token : after.entries())
    new_grants.emplace(token_id(token), grant_text(token.grant));
  nlohmann::json added = nlohmann::json::array();
  nlohmann::json removed = nlohmann::json::array();
  nlohmann::json changed = nlohmann::json::array();
  for (const auto& [id, grant] : new_grants) {
    const auto found = old_grants.find(id);
    if (found == old_grants.end()) {
      added.push_back(id);
    } else if (found->second != grant) {
      changed.push_back(id);
    }
  }
  for (const auto& [id, grant] : old_grants) {
    if (new_grants.count(id) == 0) removed.push_back(id);
  }
  if (added.empty() && removed.empty() && changed.empty()) return nullptr;
  return {{"count", after.size()}, {"added", added}, {"removed", removed}, {"changed", changed}};
}

}  // namespace

Service::ReloadResult Service::reload(bool allow_removal, const std::string& actor) {
  const std::lock_guard<std::mutex> lock(admin_);
  const std::shared_ptr<const TokenStore> tokens_before = tokens();
  nlohmann::json before = {
      {"policy_version", version_.load(std::memory_order_acquire)},
      {"platform_revision", platform_revision_.load(std::memory_order_acquire)}};
  if (store_) before["store_revision"] = store_revision_.load(std::memory_order_acquire);
  ReloadResult result = reload_locked(allow_removal);

  if (result.tokens && token_file_) {
    AuditRecord record;
    record.actor = actor;
    record.action = "tokens";
    record.target = token_file_->string();
    record.before = {{"count", tokens_before ? tokens_before->size() : 0}};
    if (!result.tokens->ok) {
      record.after = record.before;
      record.outcome = "failed";
      record.message = result.tokens->message;
      audit_locked(record);
    } else if (const auto now = tokens()) {
      record.after = token_changes(tokens_before.get(), *now);
      if (!record.after.is_null()) audit_locked(record);  // a file read again unchanged: no record
    }
  }

  AuditRecord record;
  record.actor = actor;
  record.action = "reload";
  if (!store_) record.target = directory_.string();
  record.before = std::move(before);
  record.after = {{"policy_version", result.policy_version},
                  {"platform_revision", result.platform_revision}};
  if (store_) record.after["store_revision"] = store_revision_.load(std::memory_order_acquire);
  nlohmann::json units = nlohmann::json::array();
  std::string refused;
  for (const units::UnitReport& unit : result.units) {
    units.push_back({{"tenant", unit.tenant},
                     {"outcome", units::outcome_name(unit.outcome)},
                     {"revision", unit.revision}});
    if (unit.outcome == units::Outcome::Refused)
      refused += (refused.empty() ? "" : ", ") + unit.tenant;
  }
  if (!units.empty()) record.after["units"] = std::move(units);
  if (!result.ok) {
    record.outcome = result.unavailable ? "failed" : "refused";
    record.message = !result.message.empty() ? result.message : result.diagnostics;
  } else if (!refused.empty()) {
    record.message = "partner unit(s) refused, serving their previous revision: " + refused;
  }
  // A refusal's diagnostics can be long: the audit says what and why, the
  // answer and the log carry every line.
  constexpr std::size_t kMessageLimit = 4096;
  if (record.message.size() > kMessageLimit) record.message.resize(kMessageLimit);
  audit_locked(record);
  return result;
}

void Service::record_audit(const AuditRecord& record) {
  const std::lock_guard<std::mutex> lock(admin_);
  audit_locked(record);
}

void Service::audit_locked(const AuditRecord& record, bool in_store) {
  audit_.record(record);
  if (!store_ || in_store) return;
  if (auto failure = audit_to_store(record)) audit_.count_failure(record, *failure);
}

Service::ReloadResult Service::reload_locked(bool allow_removal) {
  if (store_) {
    // A replica of the fleet's store has no directory to read: a reload
    // (or SIGHUP) fetches what the store has now.
    ReloadResult result;
    result.ok = catch_up_locked();
    if (!result.ok) {
      result.unavailable = true;
      result.message = store_unavailable();
    }
    result.policy_version = version_.load(std::memory_order_acquire);
    result.platform_revision = platform_revision_.load(std::memory_order_acquire);
    stats_.count_reload(result.ok);
    return result;
  }
  // The tokens first, whatever becomes of the policies: a token withdrawn
  // from the file stops working even when the new policy set is refused.
  std::optional<ReloadResult::Tokens> token_outcome;
  if (token_file_) token_outcome = reload_token_file();
  units::UnitOptions options;
  options.limits = policy_options_.limits;
  units::Report report;
  if (units_) {
    options.known = known_;  // a partner added again continues its numbering
    report = units::reload(*units_, directory_, options, allow_removal);
  } else {
    // A service built on a bare engine: the first reload is a whole load,
    // judged as before (any error refuses it; removal must be allowed).
    report = units::load(directory_, options);
    report.platform_changed = true;
    if (!report.version || report.broken_units() > 0) {
      report.refused = true;
    } else if (!allow_removal) {
      const std::shared_ptr<const CompiledPolicySet> serving = engine_->snapshot();
      for (Index t = 0; t < serving->tenant_count(); ++t) {
        if (report.version->find(serving->tenant_name(t)) == nullptr)
          report.removed_tenants.emplace_back(serving->tenant_name(t));
      }
      if (!report.removed_tenants.empty()) report.refused = true;
    }
    if (report.refused) report.version = nullptr;
  }
  if (!units_ && report.version) {
    // Judged against what the bare engine served: its tenants are not new,
    // and those the new set drops are removed.
    const std::shared_ptr<const CompiledPolicySet> serving = engine_->snapshot();
    for (units::UnitReport& unit : report.units) {
      if (unit.outcome == units::Outcome::Added && serving->find_tenant(unit.tenant) != kNone)
        unit.outcome = units::Outcome::Applied;
    }
    for (Index t = 0; t < serving->tenant_count(); ++t) {
      if (report.version->find(serving->tenant_name(t)) != nullptr) continue;
      units::UnitReport gone;
      gone.tenant = serving->tenant_name(t);
      gone.outcome = units::Outcome::Removed;
      report.units.push_back(std::move(gone));
    }
  }
  // Rendered before the loop below moves the unit reports (and their
  // diagnostics) out of `report`.
  const std::string problems = rendered_problems(report);
  ReloadResult result;
  result.tokens = std::move(token_outcome);
  result.platform_changed = report.platform_changed;
  result.removed_tenants = report.removed_tenants;
  std::sort(result.removed_tenants.begin(), result.removed_tenants.end());
  for (units::UnitReport& unit : report.units) {
    if (report.version && unit.outcome == units::Outcome::Removed)
      result.removed_tenants.push_back(unit.tenant);
    if (unit.outcome != units::Outcome::Unchanged) result.units.push_back(std::move(unit));
  }
  std::sort(result.removed_tenants.begin(), result.removed_tenants.end());
  if (report.refused) {
    // Refused whole: nothing was applied, so the answer lists only the
    // partners that break (a unit the engine would have applied is not).
    std::erase_if(result.units, [](const units::UnitReport& unit) {
      return unit.outcome != units::Outcome::Refused;
    });
    result.message = report.message;
    result.diagnostics = problems;
    if (result.diagnostics.empty() && !result.removed_tenants.empty())
      result.diagnostics = "error: the new policy set no longer declares tenant(s) " +
                           joined(result.removed_tenants) + '\n';
    result.policy_version = version_.load(std::memory_order_acquire);
    result.platform_revision = units_ ? units_->platform().revision : 0;
    if (result.tokens && result.tokens->ok)
      warn_about_token_tenants(*tokens(), *engine_->snapshot());
    stats_.count_reload(false);
    stats_.count_units_refused(result.units.size());  // only the refused ones are left
    LogLine line("reload");
    line.field("ok", false).field("policy_version", result.policy_version);
    if (!result.removed_tenants.empty())
      line.field("removed_tenants", joined(result.removed_tenants));
    line.field("diagnostics", result.diagnostics).emit();
    return result;
  }
  std::string refused;
  for (const units::UnitReport& unit : result.units) {
    if (unit.outcome == units::Outcome::Refused) {
      refused += (refused.empty() ? "" : ", ") + unit.tenant;
      stats_.count_units_refused(1);
    }
  }
  if (report.version) {
    for (const units::UnitReport& unit : result.units) {
      if (unit.outcome == units::Outcome::Applied) remember_first_revision(unit.tenant);
    }
    swap_in(report.version);
    std::vector<std::shared_ptr<const units::Unit>> changed;
    for (const units::UnitReport& unit : result.units) {
      if (unit.outcome != units::Outcome::Applied && unit.outcome != units::Outcome::Added)
        continue;
      const Index at = units_->compiled()->find_tenant(unit.tenant);
      if (at != kNone) changed.push_back(units_->units()[at]);
    }
    record_revisions(changed, "disk");
  }
  if (const auto current = tokens()) warn_about_token_tenants(*current, *engine_->snapshot());
  // Every successful reload counts, whether or not a unit changed (clients
  // wait for the number to move after a reload).
  result.policy_version = version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  result.ok = true;
  result.platform_revision = units_ ? units_->platform().revision : 0;
  result.diagnostics = problems;
  stats_.count_reload(true);
  LogLine line("reload");
  line.field("ok", true).field("policy_version", result.policy_version);
  std::string applied;
  for (const units::UnitReport& unit : result.units) {
    if (unit.outcome != units::Outcome::Refused)
      applied += (applied.empty() ? "" : ", ") + unit.tenant + ' ' +
                 std::string(units::outcome_name(unit.outcome));
  }
  if (!applied.empty()) line.field("units", applied);
  if (!refused.empty()) line.field("refused", refused).field("diagnostics", result.diagnostics);
  line.emit();
  return result;
}

void Service::swap_in(std::shared_ptr<const units::Version> version) {
  const std::shared_ptr<const CompiledPolicySet>& compiled = version->compiled();
  // The durable switches go on the new set before anyone can see it, and
  // again over the switches Engine::replace carried from the old set.
  features_->apply(*compiled);
  engine_->replace(compiled);
  features_->apply(*compiled);
  units_ = std::move(version);
  platform_revision_.store(units_->platform().revision, std::memory_order_release);
  note_platform(*units_);
}

void Service::enable_decision_log(std::unique_ptr<decision_log::DecisionLogging> logging) {
  const std::lock_guard<std::mutex> lock(admin_);
  decision_logging_ = std::move(logging);
  if (units_) note_platform(*units_);
}

void Service::note_platform(const units::Version& version) {
  if (!decision_logging_) return;
  const units::PlatformPart& platform = version.platform();
  decision_logging_->note_platform(
      version.compiled()->platform_ptr(),
      decision_log::PlatformInfo{platform.revision, units::platform_hash(platform)});
}

void Service::adopt_units(UnitSettings settings) {
  const std::lock_guard<std::mutex> lock(admin_);
  unit_settings_ = settings;
  history_ = PolicyHistory(directory_, settings.keep_revisions);
  known_ = history_.known();
  // Only partners with a history whose unit changed while the server was
  // down: a partner still at its first revision gets its history with its
  // first change (remember_first_revision), so serving a directory writes
  // nothing into it until something changes.
  if (!units_) return;
  std::vector<std::shared_ptr<const units::Unit>> changed;
  for (const auto& unit : units_->units()) {
    if (known_.count(unit->tenant) != 0) changed.push_back(unit);
  }
  record_revisions(changed, "disk");
}

void Service::remember_first_revision(const std::string& tenant) {
  if (!units_ || known_.count(tenant) != 0) return;
  const Index at = units_->compiled()->find_tenant(tenant);
  if (at != kNone) record_revisions({units_->units()[at]}, "disk");
}

void Service::record_revisions(const std::vector<std::shared_ptr<const units::Unit>>& changed,
                               const std::string& actor) {
  for (const auto& unit : changed) {
    if (!unit) continue;
    const auto known = known_.find(unit->tenant);
    if (known != known_.end() && known->second.revision == unit->revision &&
        known->second.hash == unit->hash)
      continue;
    if (auto failure =
            history_.record(unit->tenant, unit->revision, actor, unit->hash, unit->text())) {
      // Once, not per unit: a read-only directory would repeat it ten
      // thousand times. The units still serve; their numbers restart from
      // what the history holds.
      LogLine("warning")
          .field("what", "policy_history")
          .field("message", *failure + "; revisions of this change are not kept")
          .emit();
      return;
    }
    known_[unit->tenant] = units::KnownRevision{unit->revision, unit->hash};
  }
}

std::shared_ptr<const units::Unit> Service::unit(const std::string& tenant) const {
  const std::lock_guard<std::mutex> lock(admin_);
  if (!units_) return nullptr;
  const Index at = units_->compiled()->find_tenant(tenant);
  return at == kNone ? nullptr : units_->units()[at];
}

std::optional<std::vector<PolicyHistory::Entry>> Service::policy_history(
    const std::string& tenant, std::string& unavailable) const {
  const std::lock_guard<std::mutex> lock(admin_);
  if (store_) {
    store::Connection* connection = store_->connect();
    if (connection == nullptr) {
      unavailable = store_unavailable();
      return std::nullopt;
    }
    try {
      std::vector<PolicyHistory::Entry> entries;
      for (const store::UnitHistoryEntry& entry :
           store::unit_history(*connection, tenant, unit_settings_.keep_revisions)) {
        if (!entry.removed) entries.push_back({entry.revision, entry.at, entry.actor, entry.hash});
      }
      return entries;
    } catch (const store::StoreError& error) {
      (void)store_->lost(error);
      unavailable = store_unavailable();
      return std::nullopt;
    }
  }
  std::vector<PolicyHistory::Entry> entries = history_.list(tenant);
  if (!entries.empty() || !units_) return entries;
  // A partner never changed through the server has no history written yet
  // (adopt_units): its one revision is the file as read, dated by the file.
  const units::Unit* unit = units_->find(tenant);
  if (unit == nullptr) return entries;
  std::error_code error;
  const auto modified = std::filesystem::last_write_time(directory_ / unit->path, error);
  entries.push_back(
      {unit->revision,
       error ? std::string() : PolicyHistory::utc_text(std::chrono::file_clock::to_sys(modified)),
       "disk", unit->hash});
  return entries;
}

namespace {

// A unit as an audit's before or after (the shape tenet.admin_audit has).
nlohmann::json unit_json(const units::Version* version, const std::string& tenant) {
  const units::Unit* unit = version != nullptr ? version->find(tenant) : nullptr;
  if (unit == nullptr) return nullptr;
  return {{"revision", unit->revision}, {"hash", unit->hash}};
}

}  // namespace

void Service::audit_put(const std::string& action, const std::string& tenant,
                        const std::string& actor, nlohmann::json before, const PutResult& result,
                        nlohmann::json requested) {
  AuditRecord record;
  record.actor = actor;
  record.action = action;
  record.tenant = tenant;
  const units::Unit* serving = units_ ? units_->find(tenant) : nullptr;
  record.target = !result.report.path.empty() ? result.report.path
                  : serving != nullptr        ? serving->path
                                              : std::string();
  record.before = std::move(before);
  if (result.report.ok) {
    record.after = unit_json(units_.get(), tenant);
  } else {
    // Nothing changed: `after` is what was asked for.
    record.after = std::move(requested);
    const bool failed = !result.failure.empty() || result.report.error_code == "unavailable";
    record.outcome = failed ? "failed" : "refused";
    record.message = !result.failure.empty() ? result.failure : result.report.message;
  }
  // Through the store, the change's own transaction wrote its audit row.
  audit_locked(record, store_ && result.report.ok);
}

Service::PutResult Service::put_policy(const std::string& tenant, const std::string& source,
                                       bool dry_run, const std::string& actor) {
  const std::lock_guard<std::mutex> lock(admin_);
  nlohmann::json before = unit_json(units_.get(), tenant);
  PutResult result = store_ ? put_to_store(tenant, source, dry_run, actor)
                            : put_locked(tenant, source, dry_run, actor);
  // A dry run changes nothing and is not an admin action: not audited.
  if (!dry_run) {
    count_if_refused(result);
    audit_put("put_policy", tenant, actor, std::move(before), result,
              {{"hash", units::content_hash(source)}});
  }
  return result;
}

void Service::count_if_refused(const PutResult& result) {
  // The unit itself refused (it does not compile, or is too large), not a
  // store or a disk that failed.
  const std::string& code = result.report.error_code;
  if (!result.report.ok && (code == "invalid_policy" || code == "too_large"))
    stats_.count_units_refused(1);
}

Service::PutResult Service::rollback(const std::string& tenant, std::uint64_t revision,
                                     const std::string& actor) {
  const std::lock_guard<std::mutex> lock(admin_);
  nlohmann::json before = unit_json(units_.get(), tenant);
  PutResult result = rollback_locked(tenant, revision, actor);
  audit_put("rollback", tenant, actor, std::move(before), result, {{"rollback_to", revision}});
  return result;
}

Service::PutResult Service::rollback_locked(const std::string& tenant, std::uint64_t revision,
                                            const std::string& actor) {
  if (store_) {
    PutResult result;
    store::Connection* connection = store_->connect();
    if (connection == nullptr) {
      result.report.error_code = "unavailable";
      result.report.message = store_unavailable();
      return result;
    }
    std::optional<std::string> source;
    try {
      source = store::unit_source(*connection, tenant, revision);
    } catch (const store::StoreError& error) {
      result.report.error_code = store_->lost(error) ? "unavailable" : "invalid_request";
      result.report.message = store_unavailable();
      return result;
    }
    if (!source) {
      result.report.error_code = "invalid_request";
      result.report.message = "tenant '" + tenant + "' has no revision " +
                              std::to_string(revision) + " with a source in the store";
      return result;
    }
    result = put_to_store(tenant, *source, false, actor, "rollback");
    count_if_refused(result);
    return result;
  }
  const std::optional<std::string> source = history_.source_of(tenant, revision);
  if (!source) {
    PutResult result;
    result.report.error_code = "invalid_request";
    result.report.message =
        "tenant '" + tenant + "' has no revision " + std::to_string(revision) + " in its history";
    return result;
  }
  PutResult result = put_locked(tenant, *source, false, actor);
  count_if_refused(result);
  return result;
}

Service::PutResult Service::put_locked(const std::string& tenant, const std::string& source,
                                       bool dry_run, const std::string& actor) {
  PutResult result;
  if (!units_) {
    result.report.error_code = "invalid_request";
    result.report.message = "this server does not serve partner units yet; reload first";
    return result;
  }
  units::PutRequest request;
  request.tenant = tenant;
  request.source = source;
  request.dry_run = dry_run;
  request.max_bytes = unit_settings_.max_unit_bytes;
  if (const auto known = known_.find(tenant); known != known_.end())
    request.last_known_revision = known->second.revision;
  result.report = units::put(*units_, request, policy_options_.limits);
  if (!result.report.ok || dry_run) return result;

  remember_first_revision(tenant);  // so that rollback can go back to it
  // Durable before acknowledged: the unit file, then its history entry; the
  // swap after both (a restart serves exactly what was acknowledged).
  if (auto failure = write_file_durably(directory_ / result.report.path, source)) {
    result.failure = *failure;
  } else {
    const units::Version& next = *result.report.version;
    record_revisions({next.units()[next.compiled()->find_tenant(tenant)]}, actor);
  }
  if (!result.failure.empty()) {
    LogLine("error").field("what", "put_policy").field("message", result.failure).emit();
    result.report.ok = false;
    return result;
  }
  swap_in(result.report.version);
  version_.fetch_add(1, std::memory_order_acq_rel);
  LogLine("put_policy")
      .field("tenant", tenant)
      .field("revision", result.report.revision)
      .field("actor", actor)
      .emit();
  return result;
}

Service::SetFeatureResult Service::set_feature(const std::string& tenant,
                                               const std::string& feature, FeatureSwitch state,
                                               std::string& error, const std::string& actor) {
  const std::lock_guard<std::mutex> lock(admin_);
  AuditRecord record;
  record.actor = actor;
  record.action = "set_feature";
  record.tenant = tenant;
  record.target = feature;
  record.before = {{"state", state_text(features_->state(tenant, feature))}};
  record.after = {{"state", state_text(state)}};
  const SetFeatureResult result = set_feature_locked(tenant, feature, state, error, actor);
  switch (result) {
    case SetFeatureResult::Ok:
      break;
    case SetFeatureResult::UnknownFeature:
      record.outcome = "refused";
      record.message = "tenant '" + tenant + "' has no feature '" + feature + "'";
      break;
    case SetFeatureResult::Refused:
      record.outcome = "refused";
      record.message = error;
      break;
    case SetFeatureResult::PersistFailed:
    case SetFeatureResult::Unavailable:
      record.outcome = "failed";
      record.message = error;
      break;
  }
  // Through the store, the switch's own transaction wrote its audit row.
  audit_locked(record, store_ && result == SetFeatureResult::Ok);
  return result;
}

Service::SetFeatureResult Service::set_feature_locked(const std::string& tenant,
                                                      const std::string& feature,
                                                      FeatureSwitch state, std::string& error,
                                                      const std::string& actor) {
  if (store_) return set_feature_in_store(tenant, feature, state, error, actor);
  const std::shared_ptr<const CompiledPolicySet> policies = engine_->snapshot();
  const Index t = policies->find_tenant(tenant);
  if (t == kNone || policies->find_feature(t, feature) == kNone)
    return SetFeatureResult::UnknownFeature;
  if (auto failure = features_->set(tenant, feature, state)) {
    error = *failure;
    LogLine("error").field("what", "set_feature").field("message", error).emit();
    return SetFeatureResult::PersistFailed;
  }
  engine_->set_feature(tenant, feature, state);
  LogLine("set_feature")
      .field("tenant", tenant)
      .field("feature", feature)
      .field("state", state == FeatureSwitch::On    ? "on"
                      : state == FeatureSwitch::Off ? "off"
                                                    : "default")
      .emit();
  return SetFeatureResult::Ok;
}

}  // namespace tenet::server
