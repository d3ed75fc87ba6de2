// The service serving the fleet's store (docs/FLEET.md): catching up with
// the store's changes, and put_policy / rollback / set_feature / history
// written through the store. Every write takes the store's change lock
// (store::Change), first applies what this replica missed (so it checks
// against the store's latest state, never an older one), commits, and only
// then applies the change here: `ok` means committed, and served by this
// replica (read-your-writes).
#include <chrono>
#include <nlohmann/json.hpp>

#include "server/log.hpp"
#include "server/service.hpp"
#include "server/store/fleet_rows.hpp"

namespace tenet::server {
namespace {

std::string revision_json(std::uint64_t revision, const std::string& hash) {
  return nlohmann::json{{"revision", revision}, {"hash", hash}}.dump();
}

// A write that waited too long for the store's writers' lock (a stuck
// writer; PostgreSQL ends it once it stays silent as long).
constexpr std::string_view kLockTaken =
    "another writer has held the store's writers' lock for 30 s; nothing changed, retry";

// The connection broke during COMMIT: PostgreSQL may or may not have
// committed, and no one can say until the store is back.
constexpr std::string_view kCommitUnknown =
    "the connection to the fleet's store broke while committing: the change may or may not "
    "have been applied; this server shows which once it reconnects (health store.revision, "
    "policy_history)";

// SQLSTATE insufficient_privilege: the replica's database role may not write.
constexpr std::string_view kNoPrivilege = "42501";

std::string refused_write(const store::StoreError& error) {
  return std::string("the store refused the write: ") + error.what() +
         " (a replica's database role needs the writer grants of docs/FLEET.md to serve "
         "put_policy, rollback and set_feature); nothing changed";
}

std::string state_name(FeatureSwitch state) {
  return state == FeatureSwitch::On ? "on" : state == FeatureSwitch::Off ? "off" : "default";
}

FeatureSwitch switch_state(const std::string& name) {
  return name == "on"    ? FeatureSwitch::On
         : name == "off" ? FeatureSwitch::Off
                         : FeatureSwitch::Default;
}

std::array<unsigned char, 32> hash_bytes(const std::string& hex) {
  std::array<unsigned char, 32> bytes{};
  const auto digit = [](char c) {
    return static_cast<unsigned char>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  };
  for (std::size_t i = 0; i < bytes.size() && 2 * i + 1 < hex.size(); ++i)
    bytes[i] = static_cast<unsigned char>(digit(hex[2 * i]) << 4U | digit(hex[2 * i + 1]));
  return bytes;
}

}  // namespace

void Service::serve_store(StoreSettings settings, store::FleetState state, bool from_cache) {
  {
    const std::lock_guard<std::mutex> lock(admin_);
    store_ = std::make_unique<store::StoreLink>(settings.url, settings.cache_dir);
    unit_settings_ = settings.units;
    store_->set_from_cache(from_cache);
    if (from_cache) {
      store_->set_status(false, "the store could not be reached at start; serving the cache");
    } else {
      store_->set_status(true, {});
    }
    file_tokens_ = tokens();
    for (const auto& [key, row] : state.switches()) {
      (void)features_->set(row.tenant, row.feature, switch_state(row.state));
      engine_->set_feature(row.tenant, row.feature, switch_state(row.state));
    }
    store_->state = std::move(state);
    store_revision_.store(store_->state.revision(), std::memory_order_release);
    install_store_tokens();
    if (!from_cache) store_->save_cache();
  }
  follower_ = std::make_unique<store::StoreFollower>(
      settings.url, store::StoreFollower::Callbacks{[this] { return catch_up(); },
                                                    [this](bool connected, const std::string& why) {
                                                      store_->set_status(connected, why);
                                                    }});
}

Service::StoreStatus Service::store_status() const {
  StoreStatus status;
  if (!store_) return status;
  const store::StoreLink::Status link = store_->status();
  status.connected = link.connected;
  status.since = link.since;
  status.from_cache = link.from_cache;
  status.revision = store_revision_.load(std::memory_order_acquire);
  return status;
}

bool Service::catch_up() {
  const std::lock_guard<std::mutex> lock(admin_);
  return catch_up_locked();
}

bool Service::catch_up_locked() {
  store::Connection* connection = store_->connect();
  if (connection == nullptr) return false;
  try {
    const store::Changes changes = store::read_changes(*connection, store_->state.revision());
    if (changes.revision < store_->state.revision()) {
      // A store restored from a backup, or another one: start over from
      // its whole state rather than trust revisions that mean other things.
      LogLine("warning")
          .field("what", "store_revision")
          .field("message", "the store is at revision " + std::to_string(changes.revision) +
                                ", behind this replica's " +
                                std::to_string(store_->state.revision()) +
                                "; reading its whole state")
          .emit();
      apply_store_changes(store::read_changes(*connection, 0), true);
      return true;
    }
    catch_up_failure_.clear();
    if (changes.revision == store_->state.revision() && changes.empty()) {
      // Started from a cache that was the store's latest state: what it
      // serves is the store's now, so health must stop saying from_cache.
      store_->set_from_cache(false);
      return true;
    }
    apply_store_changes(changes, false);
    return true;
  } catch (const store::StoreError& error) {
    // Retried every second by the follower: said once, not every second.
    if (!store_->lost(error) && catch_up_failure_ != error.what()) {
      catch_up_failure_ = error.what();
      LogLine("error")
          .field("what", "store_catch_up")
          .field("message", catch_up_failure_ + "; serving the revisions applied")
          .emit();
    }
    return false;
  } catch (const std::exception& error) {  // out of memory while compiling, say
    if (catch_up_failure_ != error.what()) {
      catch_up_failure_ = error.what();
      LogLine("error").field("what", "store_catch_up").field("message", catch_up_failure_).emit();
    }
    return false;
  }
}

void Service::apply_store_changes(const store::Changes& changes, bool from_scratch) {
  const auto started = std::chrono::steady_clock::now();
  if (from_scratch) store_->state = store::FleetState();
  store_->state.apply(changes);
  store_->set_from_cache(false);
  for (const store::SwitchRow& row : changes.switches)
    (void)features_->set(row.tenant, row.feature, switch_state(row.state));
  const bool policies = changes.platform || !changes.units.empty() || from_scratch;
  if (policies && units_) {
    units::UnitOptions options;
    options.limits = policy_options_.limits;
    options.assigned = store_->state.assigned();
    options.platform_revision = store_->state.platform_revision();
    units::Report report =
        units::reload_texts(*units_, store_->state.texts(), options, /*allow_removal=*/true);
    std::string applied;
    std::string refused;
    for (const units::UnitReport& unit : report.units) {
      if (unit.outcome == units::Outcome::Unchanged) continue;
      std::string& into = unit.outcome == units::Outcome::Refused ? refused : applied;
      into += (into.empty() ? "" : ", ") + unit.tenant + ' ' +
              std::string(units::outcome_name(unit.outcome));
    }
    if (report.version) {
      swap_in(report.version);
      version_.fetch_add(1, std::memory_order_acq_rel);
    }
    LogLine line("store_change");
    line.field("store_revision", changes.revision)
        .field("compile_us",
               static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count()));
    if (!applied.empty()) line.field("units", applied);
    if (report.refused || !refused.empty()) {
      // The store holds what this replica cannot compile (other parse
      // limits, or a newer tenet published it): it keeps serving the
      // revisions it has for those, and says so.
      line.field("refused", refused.empty() ? std::string("the whole change") : refused)
          .field("message", report.message);
    }
    line.emit();
  }
  for (const store::SwitchRow& row : changes.switches)
    engine_->set_feature(row.tenant, row.feature, switch_state(row.state));
  if (!changes.tokens.empty() || from_scratch) install_store_tokens();
  store_revision_.store(store_->state.revision(), std::memory_order_release);
  store_->save_cache();
}

void Service::catch_up_inside(store::Change& change) {
  // What this replica missed, first, inside the writers' lock: a write is
  // checked against the store's latest state, never an older one.
  const store::Changes missed = store::read_changes(change, store_->state.revision());
  if (!missed.empty() || missed.revision != store_->state.revision())
    apply_store_changes(missed, false);
}

void Service::record_own_change(const store::Changes& mine) {
  // Already served by the caller: only the state, its revision and the cache.
  store_->state.apply(mine);
  store_revision_.store(mine.revision, std::memory_order_release);
  store_->save_cache();
}

void Service::install_store_tokens() {
  std::vector<HashedToken> entries;
  if (file_tokens_) entries = file_tokens_->entries();
  for (const auto& [hash, token] : store_->state.tokens()) {
    HashedToken entry;
    entry.hash = hash_bytes(token.hash_hex);
    entry.grant.tenant = token.tenant;
    if (token.expires)
      entry.grant.expires = std::chrono::sys_seconds(std::chrono::seconds(*token.expires));
    for (const std::string& right : token.rights) {
      entry.grant.check = entry.grant.check || right == "check";
      entry.grant.admin = entry.grant.admin || right == "admin";
      entry.grant.author = entry.grant.author || right == "author";
    }
    entries.push_back(std::move(entry));
  }
  (void)install_tokens(std::make_shared<const TokenStore>(TokenStore::from_entries(entries)));
}

std::string Service::store_unavailable() const {
  // What libpq said (hosts, roles) goes to the log, not to a client: a
  // partner's token should not learn the platform's database layout.
  const store::StoreLink::Status status = store_->status();
  std::string message = "the fleet's store cannot be reached";
  if (!status.since.empty()) message += " (since " + status.since + ")";
  return message + "; nothing changed (the server's log says why)";
}

std::optional<std::string> Service::audit_to_store(const AuditRecord& record) {
  // Not a store::Change: an audit row is no change a replica must fetch,
  // so it takes no store revision and wakes no replica. tenet.admin_audit
  // has no outcome or message columns: they go into `after` (docs/AUDIT.md).
  nlohmann::json after = record.after;
  if (!after.is_object())
    after = after.is_null() ? nlohmann::json::object() : nlohmann::json{{"value", after}};
  after["replica"] = audit_.replica();
  if (record.outcome != "ok") after["outcome"] = record.outcome;
  if (!record.message.empty()) after["message"] = record.message;
  const auto text = [](const nlohmann::json& json) -> std::optional<std::string> {
    if (json.is_null()) return std::nullopt;
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  store::Connection* connection = store_->connect();
  if (connection == nullptr) return "the fleet's store cannot be reached";
  try {
    (void)connection->query(
        "INSERT INTO tenet.admin_audit (actor, action, tenant, subject, before, after) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)",
        {record.actor, record.action, record.tenant,
         record.target.empty() ? std::nullopt : std::optional(record.target), text(record.before),
         text(after)});
  } catch (const store::StoreError& error) {
    (void)store_->lost(error);
    return std::string("tenet.admin_audit: ") + error.what();
  }
  return std::nullopt;
}

Service::PutResult Service::put_to_store(const std::string& tenant, const std::string& source,
                                         bool dry_run, const std::string& actor,
                                         const std::string& action) {
  PutResult result;
  const auto unavailable = [&]() {
    result.report = {};
    result.report.error_code = "unavailable";
    result.report.message = store_unavailable();
    return result;
  };
  store::Connection* connection = store_->connect();
  if (connection == nullptr) return unavailable();
  std::uint64_t committed = 0;
  store::UnitRow row;
  try {
    store::Change change(*connection);
    // What this replica missed, first: the unit is checked against the
    // store's latest platform part, and numbered after its latest revision.
    catch_up_inside(change);
    const std::uint64_t latest = store_->state.latest_unit_revision(tenant);
    units::PutRequest request;
    request.tenant = tenant;
    request.source = source;
    request.dry_run = dry_run;
    request.max_bytes = unit_settings_.max_unit_bytes;
    request.last_known_revision = latest;
    result.report = units::put(*units_, request, policy_options_.limits);
    if (!result.report.ok || dry_run) return result;  // rolled back: no revision taken
    if (result.report.revision != latest + 1) {
      // This replica serves another revision than the store's latest (it
      // could not compile that one): numbering from it would fork the history.
      result.report.ok = false;
      result.failure = "this replica serves revision " +
                       std::to_string(result.report.revision - 1) + " of '" + tenant +
                       "' but the store's latest is " + std::to_string(latest);
      return result;
    }
    const units::Unit* before = units_->find(tenant);
    row = {tenant, result.report.revision, result.report.path, units::content_hash(source), source};
    store::insert_unit_revision(change, row, actor);
    store::audit(change, actor, action, tenant, row.path,
                 before != nullptr ? std::optional(revision_json(before->revision, before->hash))
                                   : std::nullopt,
                 revision_json(row.revision, row.hash));
    committed = change.revision();
    change.commit();
  } catch (const store::StoreError& error) {
    if (store_->lost(error)) {
      PutResult gone = unavailable();
      if (committed != 0) gone.report.message = kCommitUnknown;
      return gone;
    }
    result.report.ok = false;
    if (error.sqlstate() == store::kLockNotAvailable) {
      result.report.error_code = "unavailable";
      result.report.message = kLockTaken;
      return result;
    }
    if (error.sqlstate() == kNoPrivilege) {
      result.report.error_code = "forbidden";
      result.report.message = refused_write(error);
      return result;
    }
    result.failure = error.what();
    LogLine("error").field("what", "put_policy").field("message", result.failure).emit();
    return result;
  }
  // Committed: serve it here before answering.
  swap_in(result.report.version);
  version_.fetch_add(1, std::memory_order_acq_rel);
  store::Changes mine;
  mine.revision = committed;
  mine.units.push_back(std::move(row));
  record_own_change(mine);
  LogLine("put_policy")
      .field("tenant", tenant)
      .field("revision", result.report.revision)
      .field("store_revision", committed)
      .field("actor", actor)
      .emit();
  return result;
}

Service::SetFeatureResult Service::set_feature_in_store(const std::string& tenant,
                                                        const std::string& feature,
                                                        FeatureSwitch state, std::string& error,
                                                        const std::string& actor) {
  store::Connection* connection = store_->connect();
  if (connection == nullptr) {
    error = store_unavailable();
    return SetFeatureResult::Unavailable;
  }
  std::uint64_t committed = 0;
  const store::SwitchRow row{tenant, feature, state_name(state)};
  try {
    store::Change change(*connection);
    catch_up_inside(change);
    const std::shared_ptr<const CompiledPolicySet> policies = engine_->snapshot();
    const Index t = policies->find_tenant(tenant);
    if (t == kNone || policies->find_feature(t, feature) == kNone)
      return SetFeatureResult::UnknownFeature;
    const std::string before = store::set_switch(change, row, actor);
    store::audit(change, actor, "set_feature", tenant, feature,
                 nlohmann::json{{"state", before}}.dump(),
                 nlohmann::json{{"state", row.state}}.dump());
    committed = change.revision();
    change.commit();
  } catch (const store::StoreError& failure) {
    if (store_->lost(failure)) {
      error = committed != 0 ? std::string(kCommitUnknown) : store_unavailable();
      return SetFeatureResult::Unavailable;
    }
    if (failure.sqlstate() == kNoPrivilege) {
      error = refused_write(failure);
      return SetFeatureResult::Refused;
    }
    if (failure.sqlstate() == store::kLockNotAvailable) {
      error = kLockTaken;
      return SetFeatureResult::Unavailable;
    }
    error = failure.what();
    LogLine("error").field("what", "set_feature").field("message", error).emit();
    return SetFeatureResult::PersistFailed;
  }
  (void)features_->set(tenant, feature, state);
  engine_->set_feature(tenant, feature, state);
  store::Changes mine;
  mine.revision = committed;
  mine.switches.push_back(row);
  record_own_change(mine);
  LogLine("set_feature")
      .field("tenant", tenant)
      .field("feature", feature)
      .field("state", row.state)
      .field("store_revision", committed)
      .field("actor", actor)
      .emit();
  return SetFeatureResult::Ok;
}

}  // namespace tenet::server
