// The shared state of one `tenet serve`: the engine, the policy directory,
// the tokens, the durable feature switches, the counters, and the two admin
// actions that change what is served (reload, set_feature).
//
// Created once by server/server (or by a test) and shared by every session
// through server/protocol. Decisions read `engine().snapshot()` without any
// lock; `reload` and `set_feature` are serialised by one mutex so a switch
// set during a reload is neither lost nor applied to a half-built set.
// Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "server/feature_state.hpp"
#include "server/stats.hpp"
#include "server/tokens.hpp"

namespace tenet::server {

class Service {
 public:
  // `tokens` empty: no authentication (every op allowed).
  Service(std::filesystem::path policy_directory, std::unique_ptr<Engine> engine,
          std::optional<TokenStore> tokens, std::unique_ptr<FeatureState> features);

  [[nodiscard]] const Engine& engine() const { return *engine_; }
  [[nodiscard]] const TokenStore* tokens() const { return tokens_ ? &*tokens_ : nullptr; }
  [[nodiscard]] Stats& stats() { return stats_; }
  [[nodiscard]] std::uint64_t policy_version() const {
    return version_.load(std::memory_order_acquire);
  }
  // Where reload and set_feature run (one thread): a compile or an fsync
  // never blocks an I/O thread.
  [[nodiscard]] boost::asio::thread_pool::executor_type admin_executor() {
    return admin_thread_.get_executor();
  }

  struct ReloadResult {
    bool ok = false;
    std::uint64_t policy_version = 0;  // the version serving after the call
    std::string diagnostics;           // rendered, on failure
    // Tenants served before and not declared by the new set (sorted). When
    // not empty and the removal was not allowed, the reload was refused.
    std::vector<std::string> removed_tenants;
  };
  // Recompiles the policy directory and swaps it in; on errors the old set
  // keeps serving. A set that no longer declares a served tenant is refused
  // unless `allow_removal`: a tenant file cut down to its comments must not
  // drop a partner without a word (SIGHUP never allows it). Logs the outcome.
  ReloadResult reload(bool allow_removal = false);

  enum class SetFeatureResult { Ok, UnknownFeature, PersistFailed };
  // Persists first, then switches the engine. `error` receives the I/O error.
  SetFeatureResult set_feature(const std::string& tenant, const std::string& feature,
                               FeatureSwitch state, std::string& error);

 private:
  std::filesystem::path directory_;
  std::unique_ptr<Engine> engine_;
  std::optional<TokenStore> tokens_;
  std::unique_ptr<FeatureState> features_;
  Stats stats_;
  std::atomic<std::uint64_t> version_{1};
  std::mutex admin_;
  // Last: stopped and joined first, before what its jobs use is destroyed.
  boost::asio::thread_pool admin_thread_{1};
};

// Logs a warning line for every token bound to a tenant `policies` does not
// declare (such a token can only get unknown-tenant answers). At start and
// after each reload.
void warn_about_token_tenants(const TokenStore& tokens, const CompiledPolicySet& policies);

}  // namespace tenet::server
