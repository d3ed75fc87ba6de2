// The shared state of one `tenet serve`: the engine, the policy directory,
// the tokens, the durable feature switches, the counters, and the two admin
// actions that change what is served (reload, set_feature).
//
// Created once by server/server (or by a test) and shared by every session
// through server/protocol. Decisions read `engine().snapshot()` without any
// lock; `reload` and `set_feature` are serialised by one mutex so a switch
// set during a reload is neither lost nor applied to a half-built set. The
// tokens are swapped the same way as the policy set (one atomic pointer),
// with a generation counter sessions compare on each request: a withdrawn
// token stops working on live connections (server/protocol). Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "server/admin_audit.hpp"
#include "server/admin_queue.hpp"
#include "server/decision_log/decision_logging.hpp"
#include "server/feature_state.hpp"
#include "server/policy_history.hpp"
#include "server/stats.hpp"
#include "server/store/decision_shipper.hpp"
#include "server/store/fleet_state.hpp"
#include "server/store/store_follower.hpp"
#include "server/store/store_link.hpp"
#include "server/tokens.hpp"

namespace tenet::server {

class Service {
 public:
  // `tokens` empty: no authentication (every op allowed), for the whole life
  // of the service; given (even with no entry): authentication is on, for
  // good. `policy_options` (the parse limits) are what every reload
  // compiles the directory with.
  Service(std::filesystem::path policy_directory, std::unique_ptr<Engine> engine,
          std::optional<TokenStore> tokens, std::unique_ptr<FeatureState> features,
          PolicyOptions policy_options = {});
  // The same, serving a version of the partner units (docs/UNITS.md): the
  // engine starts on version->compiled(), and reloads go unit by unit.
  Service(std::filesystem::path policy_directory, std::shared_ptr<const units::Version> version,
          std::optional<TokenStore> tokens, std::unique_ptr<FeatureState> features,
          PolicyOptions policy_options = {});

  [[nodiscard]] const Engine& engine() const { return *engine_; }
  // Whether sessions must authenticate (hello). Fixed at construction: a
  // token change never turns authentication off (or on).
  [[nodiscard]] bool authenticates() const { return authenticates_; }
  // The tokens valid now; null when the service does not authenticate.
  // Lock-free; the set returned stays valid while it is held.
  [[nodiscard]] std::shared_ptr<const TokenStore> tokens() const {
    return tokens_.load(std::memory_order_acquire);
  }
  // Moves on each replace_tokens(): a session compares it with the one its
  // hello saw (one atomic load per request) and checks its token again only
  // when it moved.
  [[nodiscard]] std::uint64_t token_generation() const {
    return token_generation_.load(std::memory_order_acquire);
  }
  // Moves when the server's TLS settings were reloaded (SIGHUP): a session
  // bound to a client certificate checks it again against the new CA and
  // CRL on its next request (server/protocol).
  [[nodiscard]] std::uint64_t trust_generation() const {
    return trust_generation_.load(std::memory_order_acquire);
  }
  void note_trust_reloaded() { trust_generation_.fetch_add(1, std::memory_order_acq_rel); }
  // Swaps in a new token set: sessions whose token it no longer holds get
  // `unauthenticated` on their next request; a changed tenant or changed
  // rights apply from their next request. Only a non-null set replaces a
  // non-null set (whether the service authenticates never changes): a null
  // set, or any set on a service without authentication, is refused
  // (logged, false). Logged; warns about tokens of undeclared tenants.
  bool replace_tokens(std::shared_ptr<const TokenStore> tokens);
  // The token file (`tenet serve --tokens`) that every reload (the op and
  // SIGHUP) reads again. Set once, before serving, on a service that
  // authenticates.
  void set_token_file(std::filesystem::path file);
  [[nodiscard]] Stats& stats() { return stats_; }
  [[nodiscard]] std::uint64_t policy_version() const {
    return version_.load(std::memory_order_acquire);
  }
  // The platform part's revision serving now (docs/UNITS.md); 0 before the
  // service serves partner units. Lock-free (health reads it).
  [[nodiscard]] std::uint64_t platform_revision() const {
    return platform_revision_.load(std::memory_order_acquire);
  }
  // The admin thread, where reload and set_feature run: a compile or an
  // fsync never blocks an I/O thread.
  [[nodiscard]] AdminQueue::Executor admin_executor() { return admin_work_.executor(); }

  // Runs `work` on the admin thread in the turn of `queue` (the tenant it
  // acts for, "*" for reload: server/admin_queue shares the thread fairly
  // between tenants), then completes `token` on its own executor with the
  // exception `work` threw, if any (co_await rethrows it).
  template <typename CompletionToken>
  auto run_admin(std::string queue, std::function<void()> work, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(std::exception_ptr)>(
        [this](auto handler, const std::string& queue, std::function<void()> work) {
          // std::function needs a copyable job; the handler is move-only.
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          // The handler's executor has work pending until it completes (as
          // with any asynchronous operation): its io_context does not run dry.
          auto executor = boost::asio::prefer(boost::asio::get_associated_executor(*shared),
                                              boost::asio::execution::outstanding_work.tracked);
          admin_work_.submit(queue, [shared, executor, work = std::move(work)] {
            std::exception_ptr failure;
            try {
              work();
            } catch (...) {
              failure = std::current_exception();
            }
            boost::asio::post(executor, [shared, failure] {
              auto handler = std::move(*shared);
              handler(failure);
            });
          });
        },
        token, std::move(queue), std::move(work));
  }

  // Whether switches set with set_feature survive a restart (a --state
  // file). Without one, set_feature is refused (docs/PROTOCOL.md).
  [[nodiscard]] bool features_durable() const { return store_ != nullptr || features_->durable(); }

  struct ReloadResult {
    bool ok = false;
    std::uint64_t policy_version = 0;  // the version serving after the call
    std::string message;               // why it was refused as a whole
    bool unavailable = false;          // the fleet's store could not be reached
    std::string diagnostics;           // rendered, on failure
    // Per unit (docs/UNITS.md): those applied, added, removed or refused.
    std::vector<units::UnitReport> units;
    bool platform_changed = false;
    std::uint64_t platform_revision = 0;
    // Tenants served before and not declared by the new set (sorted). When
    // not empty and the removal was not allowed, the reload was refused.
    std::vector<std::string> removed_tenants;
    // The token file read again (only with set_token_file). Independent of
    // the policy outcome: a policy set refused does not keep old tokens,
    // and a token file that cannot be read keeps the old tokens (ok false).
    struct Tokens {
      bool ok = false;
      std::size_t count = 0;  // tokens serving after the call
      std::string message;    // why the file was not taken (ok false)
    };
    std::optional<Tokens> tokens;
  };
  // Reads the policy directory again and applies it unit by unit
  // (docs/UNITS.md): every changed partner unit that compiles is swapped in,
  // a broken one is refused and keeps serving its previous revision; a
  // change to the platform part recompiles every partner and is refused
  // whole when one breaks. Removing a served tenant is refused unless
  // `allow_removal`: a tenant file cut down to its comments must not drop a
  // partner without a word (SIGHUP never allows it). Logs the outcome, and
  // audits it (and a token file read again and changed) as done by `actor`
  // (docs/AUDIT.md).
  ReloadResult reload(bool allow_removal = false, const std::string& actor = "operator");

  // The admin audit trail (docs/AUDIT.md): open its file before serving.
  [[nodiscard]] AdminAudit& audit() { return audit_; }
  // Audits an admin action that did not go through the calls here (start,
  // stop, a refusal before the action ran): to the log and to the audit
  // file, or to the fleet's store when the service serves one.
  void record_audit(const AuditRecord& record);

  // The version of the partner units serving now (null: none yet, the
  // service was built on a bare Engine; the first reload makes one).
  [[nodiscard]] std::shared_ptr<const units::Version> version() const;

  // ---- partners editing their own units (docs/UNITS.md). Run on the admin
  // thread (one job at a time, fairly between partners).
  struct UnitSettings {
    std::size_t max_unit_bytes = std::size_t{1} << 20U;
    std::size_t keep_revisions = 100;
  };
  // Sets the limits and records in the history every unit whose revision
  // it does not have yet (actor "disk"): a server starting on files an
  // operator changed. Call once, before serving.
  void adopt_units(UnitSettings settings);

  struct PutResult {
    units::PutReport report;  // report.ok: applied (or, dry run, would be)
    std::string failure;      // set: writing the unit or its history failed (nothing changed)
  };
  // Checks `source` as `tenant`'s whole unit against the platform part and,
  // unless `dry_run`, writes it durably, records it and swaps it in.
  PutResult put_policy(const std::string& tenant, const std::string& source, bool dry_run,
                       const std::string& actor);
  // That revision's source as a new revision (report.error_code
  // "invalid_request" when the history has no such revision).
  PutResult rollback(const std::string& tenant, std::uint64_t revision, const std::string& actor);
  // The unit serving now; null when `tenant` has none.
  [[nodiscard]] std::shared_ptr<const units::Unit> unit(const std::string& tenant) const;
  // A partner's revisions, newest first; none when the fleet's store cannot
  // be reached (`unavailable` then says why).
  [[nodiscard]] std::optional<std::vector<PolicyHistory::Entry>> policy_history(
      const std::string& tenant, std::string& unavailable) const;

  // Unavailable: the fleet's store cannot be reached; Refused: the store
  // does not let this replica write (its role's grants). Nothing changed.
  enum class SetFeatureResult { Ok, UnknownFeature, PersistFailed, Unavailable, Refused };
  // Persists first (the state file, or the fleet's store), then switches
  // the engine. `error` receives the I/O error.
  SetFeatureResult set_feature(const std::string& tenant, const std::string& feature,
                               FeatureSwitch state, std::string& error,
                               const std::string& actor = "local");

  // ---- serving the fleet's store (docs/FLEET.md; server/service_store.cpp)
  struct StoreSettings {
    std::string url;
    std::optional<std::filesystem::path> cache_dir;
    UnitSettings units;  // (the history is the store's, not a directory's)
  };
  // Serves from the store from now on: `state` is what the engine was built
  // from (read from the store, or from the cache when `from_cache`). Puts
  // its switches and tokens in place, then starts following the store.
  // Call once, before serving.
  void serve_store(StoreSettings settings, store::FleetState state, bool from_cache);
  [[nodiscard]] bool serves_store() const { return store_ != nullptr; }

  // ---- the decision log (`--decision-log`, docs/DECISION_LOG.md)
  // Turns it on; once, before serving. Each version served from then on is
  // noted (its platform part's revision and hash, which records name).
  void enable_decision_log(std::unique_ptr<decision_log::DecisionLogging> logging);
  // Null when the server has no decision log. Lives as long as the service.
  [[nodiscard]] decision_log::DecisionLogging* decision_logging() const {
    return decision_logging_.get();
  }
  // The shipper of the log into the store (--decision-log-to-store), for
  // /metrics; set before serving, owned by the caller, outliving the serving.
  void set_decision_shipper(const store::DecisionShipper* shipper) { shipper_ = shipper; }
  [[nodiscard]] const store::DecisionShipper* decision_shipper() const { return shipper_; }
  struct StoreStatus {
    bool connected = false;
    std::uint64_t revision = 0;  // the store revision applied
    std::string since;           // not connected: since when (UTC, RFC 3339)
    bool from_cache = false;     // started from the cache, not caught up since
  };
  [[nodiscard]] StoreStatus store_status() const;
  // Fetches every change after the store revision applied and applies it
  // (the follower calls it on each notification and reconnection); false
  // when the store could not be read.
  bool catch_up();

 private:
  std::filesystem::path directory_;
  PolicyOptions policy_options_;
  std::unique_ptr<Engine> engine_;
  const bool authenticates_;
  std::atomic<std::shared_ptr<const TokenStore>> tokens_;
  std::atomic<std::uint64_t> token_generation_{0};
  std::atomic<std::uint64_t> trust_generation_{0};
  std::optional<std::filesystem::path> token_file_;  // under admin_
  std::unique_ptr<FeatureState> features_;
  // replace_tokens without the warnings about tenants.
  bool install_tokens(std::shared_ptr<const TokenStore> tokens);
  // Reads token_file_ again and swaps it in when it loads (admin_ held).
  ReloadResult::Tokens reload_token_file();
  // Counts a put or rollback whose unit was refused (units_refused).
  void count_if_refused(const PutResult& result);
  // Serves `version` (admin_ held).
  void swap_in(std::shared_ptr<const units::Version> version);
  // Tells the decision log which platform part `version` serves (admin_ held).
  void note_platform(const units::Version& version);
  std::unique_ptr<decision_log::DecisionLogging> decision_logging_;
  const store::DecisionShipper* shipper_ = nullptr;
  // ---- the fleet's store, with admin_ held (server/service_store.cpp)
  std::unique_ptr<store::StoreLink> store_;
  std::shared_ptr<const TokenStore> file_tokens_;  // --tokens beside the store's
  std::string catch_up_failure_;                   // the last one logged
  bool catch_up_locked();
  ReloadResult reload_locked(bool allow_removal);
  // Audits `record` (admin_ held): the log always; the file, or the store
  // unless `in_store` (a write whose own transaction holds its audit row).
  void audit_locked(const AuditRecord& record, bool in_store = false);
  // One row of tenet.admin_audit outside any change (admin_ held): the
  // failure, if any.
  std::optional<std::string> audit_to_store(const AuditRecord& record);
  // Applies changes read after store_->state.revision() (`from_scratch`:
  // they are the whole state of a store that went back in time).
  void apply_store_changes(const store::Changes& changes, bool from_scratch);
  void install_store_tokens();
  // Inside a write's Change: applies what this replica had not applied yet.
  void catch_up_inside(store::Change& change);
  // After a write committed (and was served here): the replica's state of the store.
  void record_own_change(const store::Changes& mine);
  PutResult put_to_store(const std::string& tenant, const std::string& source, bool dry_run,
                         const std::string& actor, const std::string& action = "put_policy");
  SetFeatureResult set_feature_in_store(const std::string& tenant, const std::string& feature,
                                        FeatureSwitch state, std::string& error,
                                        const std::string& actor);
  // An answer for a store that cannot be reached (after `failure`, if any).
  [[nodiscard]] std::string store_unavailable() const;
  PutResult rollback_locked(const std::string& tenant, std::uint64_t revision,
                            const std::string& actor);
  SetFeatureResult set_feature_locked(const std::string& tenant, const std::string& feature,
                                      FeatureSwitch state, std::string& error,
                                      const std::string& actor);
  // Audits a put_policy or rollback that ran (admin_ held): `before` the
  // unit serving before, `requested` what was asked (the after of a refusal).
  void audit_put(const std::string& action, const std::string& tenant, const std::string& actor,
                 nlohmann::json before, const PutResult& result, nlohmann::json requested);
  // put_policy / rollback with admin_ held.
  PutResult put_locked(const std::string& tenant, const std::string& source, bool dry_run,
                       const std::string& actor);
  // Records the unit serving now for `tenant` when the history has none
  // (its first revision, read from the directory), before a change.
  void remember_first_revision(const std::string& tenant);
  // Records in the history every unit of `changed` it does not have yet.
  void record_revisions(const std::vector<std::shared_ptr<const units::Unit>>& changed,
                        const std::string& actor);

  Stats stats_;
  AdminAudit audit_;
  std::atomic<std::uint64_t> version_{1};
  std::atomic<std::uint64_t> platform_revision_{0};
  std::atomic<std::uint64_t> store_revision_{0};  // the fleet's store revision applied
  mutable std::mutex admin_;
  std::shared_ptr<const units::Version> units_;  // under admin_
  UnitSettings unit_settings_;                   // under admin_
  PolicyHistory history_;                        // under admin_
  units::KnownRevisions known_;                  // the history's last revisions, under admin_
  // Stopped and joined before what its callbacks use is destroyed.
  std::unique_ptr<store::StoreFollower> follower_;
  // Last: its thread is stopped and joined first, before what its jobs use
  // is destroyed.
  AdminQueue admin_work_;
};

// Logs a warning line for every token bound to a tenant `policies` does not
// declare (such a token can only get unknown-tenant answers). At start and
// after each reload.
void warn_about_token_tenants(const TokenStore& tokens, const CompiledPolicySet& policies);

}  // namespace tenet::server
