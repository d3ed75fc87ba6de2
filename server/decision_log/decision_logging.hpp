// What a server with `--decision-log` shares between its I/O threads: the
// log itself (server/decision_log/decision_log.hpp), the decision ids
// (server/decision_id.hpp), the sampling rates, and which platform part
// (revision, hash) each compiled set serves — what a record names so replay
// can find the policy that decided (docs/DECISION_LOG.md).
//
// Owned by the Service (Service::enable_decision_log), set up before serving.
// Thread-safe: the ids and the log are; the platform table takes a mutex,
// read only when an I/O thread meets a compiled set it has not seen.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/json/line_handler.hpp"  // the engine's JSON and compiled forms
#include "server/decision_id.hpp"
#include "server/decision_log/decision_log.hpp"
#include "server/decision_log/sampling.hpp"

namespace tenet::server::decision_log {

struct PlatformInfo {
  std::uint64_t revision = 0;  // 0: not served by revisions
  std::string hash;            // units::platform_hash; empty: unknown
};

class DecisionLogging {
 public:
  // `replica`: the ids' replica component (none: random, see DecisionIds).
  DecisionLogging(std::unique_ptr<DecisionLog> log, std::optional<std::uint16_t> replica,
                  Sampling sampling)
      : log_(std::move(log)), ids_(replica), sampling_(std::move(sampling)) {}

  [[nodiscard]] DecisionLog& log() { return *log_; }
  [[nodiscard]] const DecisionLog& log() const { return *log_; }
  [[nodiscard]] DecisionIds& ids() { return ids_; }
  [[nodiscard]] const Sampling& sampling() const { return sampling_; }

  // The platform part `platform` is: called by the Service for each
  // version it serves. The last few are kept (a thread may still answer
  // from a set pinned before a swap); keeping them holds them alive, so a
  // freed part's address cannot be mistaken for a new one.
  void note_platform(std::shared_ptr<const compile::Platform> platform, PlatformInfo info);
  [[nodiscard]] PlatformInfo platform_info(const compile::Platform* platform) const;

 private:
  static constexpr std::size_t kPlatformsKept = 4;
  struct Noted {
    std::shared_ptr<const compile::Platform> platform;
    PlatformInfo info;
  };

  std::unique_ptr<DecisionLog> log_;
  DecisionIds ids_;
  const Sampling sampling_;
  mutable std::mutex platforms_mutex_;
  std::deque<Noted> platforms_;
};

}  // namespace tenet::server::decision_log
