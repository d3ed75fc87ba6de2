// The admin audit trail of `tenet serve` (docs/AUDIT.md): one record per
// admin action — start, stop, reload (the op and SIGHUP), a token file read
// again, set_feature, put_policy, rollback — whether it changed something,
// was refused, or failed. Never a decision (that is the decision log).
//
// A record names the actor by the token's id (Grant::id, never the token),
// "anonymous" without authentication, "signal" (SIGHUP) or "operator"
// (start, stop). Every record goes to the server's log (stderr, event
// "audit"), and, with `tenet serve --audit-log FILE`, to FILE: appended
// with O_APPEND and fdatasync'd before the op is answered, so a record
// survives a crash once its op was answered. With the fleet's store the
// service writes the durable copy in tenet.admin_audit instead
// (server/service_store.cpp) and reports a failure here (count_failure).
//
// Owned by server/service. Thread-safe (one mutex around the file; admin
// ops are rare, a record is never on the decision path).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace tenet::server {

struct AuditRecord {
  std::string actor;         // a token's id, "anonymous", "signal", "operator"
  std::string action;        // "start", "stop", "reload", "tokens", "set_feature", ...
  std::string tenant = "*";  // the tenant acted on; "*": the whole server
  std::string target;        // the feature, the unit's path; empty: none
  nlohmann::json before;     // null: none (e.g. a refused change, a start)
  nlohmann::json after;
  std::string outcome = "ok";  // "ok", "refused" (nothing changed), "failed"
  std::string message;         // why refused or failed; empty when ok

  [[nodiscard]] static AuditRecord of(std::string actor, std::string action,
                                      std::string tenant = "*", std::string target = {}) {
    AuditRecord record;
    record.actor = std::move(actor);
    record.action = std::move(action);
    record.tenant = std::move(tenant);
    record.target = std::move(target);
    return record;
  }
};

class AdminAudit {
 public:
  AdminAudit();
  ~AdminAudit();
  AdminAudit(const AdminAudit&) = delete;
  AdminAudit& operator=(const AdminAudit&) = delete;

  // Appends every record from now on to `file` too (created 0600 when
  // missing). The error text when it cannot be opened.
  [[nodiscard]] std::optional<std::string> open_file(const std::filesystem::path& file);
  [[nodiscard]] bool has_file() const;

  // Writes `record` (stamped with the time and this host) to the log and,
  // when open, to the file. A file write that fails is logged as an error
  // and counted; the caller's op still answers (its change happened).
  void record(const AuditRecord& record);
  // A durable copy that could not be written elsewhere (the store): logged
  // as an error and counted.
  void count_failure(const AuditRecord& record, const std::string& why);

  [[nodiscard]] std::uint64_t records() const { return records_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  // The host name every record carries as "replica".
  [[nodiscard]] const std::string& replica() const { return replica_; }

  // The record as one JSON object (no newline), fields in documented order.
  [[nodiscard]] std::string render(const AuditRecord& record) const;

 private:
  const std::string replica_;
  mutable std::mutex mutex_;
  int fd_ = -1;  // under mutex_
  std::filesystem::path file_;
  std::atomic<std::uint64_t> records_{0};
  std::atomic<std::uint64_t> failures_{0};
};

// `time` as RFC 3339 UTC with milliseconds: 2024-05-01T12:00:00.123Z.
[[nodiscard]] std::string utc_millis(std::chrono::system_clock::time_point time);

}  // namespace tenet::server
