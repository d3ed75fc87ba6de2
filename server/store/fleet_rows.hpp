// What the fleet's store holds, read and written as rows (docs/FLEET.md):
// the platform part's and partners' unit revisions, feature switches and
// tokens, each row stamped with the store revision (tenet.fleet) of the
// change that wrote it.
//
// Writers go through a Change: one transaction that first takes the next
// store revision (tenet.begin_change(), a row lock, so writers serialise and
// commit in revision order; it also notifies channel `tenet_changes` at
// commit). A replica that has applied store revision R reads every row
// written after R in one snapshot (read_changes), so it never sees half a
// change and never misses one, whatever notifications it lost. Throw
// StoreError.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/store/pg_connection.hpp"

namespace tenet::store {

// The channel replicas LISTEN on.
inline constexpr std::string_view kChangeChannel = "tenet_changes";

struct PlatformRow {
  std::uint64_t revision = 0;
  std::string hash;                          // of the files (units::platform_hash)
  std::map<std::string, std::string> files;  // path → source
};

struct UnitRow {
  std::string tenant;
  std::uint64_t revision = 0;
  std::string path;
  std::string hash;
  std::optional<std::string> source;  // none: the partner was removed by this revision
};

struct SwitchRow {
  std::string tenant;
  std::string feature;
  std::string state;  // "on", "off", "default"
};

struct TokenRow {
  std::string hash_hex;  // SHA-256 of the token, 64 hex digits
  std::string tenant;    // "*": every tenant
  std::vector<std::string> rights;
  bool revoked = false;
  // The instant it stops working (whole seconds since the epoch, UTC);
  // none: it does not expire.
  std::optional<std::int64_t> expires;
};

// Everything written after a store revision: the latest platform revision
// and the latest revision of each partner among them, and every switch and
// token row they touched.
struct Changes {
  std::uint64_t revision = 0;  // the store revision these changes bring a reader to
  std::optional<PlatformRow> platform;
  std::vector<UnitRow> units;  // one per tenant, the latest
  std::vector<SwitchRow> switches;
  std::vector<TokenRow> tokens;
  [[nodiscard]] bool empty() const {
    return !platform && units.empty() && switches.empty() && tokens.empty();
  }
};

// One writing transaction (BEGIN + tenet.begin_change()). Rolled back when
// destroyed without commit().
//
// Bounded both ways, so one stuck writer cannot stop the fleet's writes: a
// Change waits at most `wait` for the writers' lock (then StoreError with
// SQLSTATE kLockNotAvailable), and PostgreSQL ends a Change whose client
// stays silent for `idle` mid-transaction (a replica frozen or cut off
// while holding the lock), which releases the lock.
inline constexpr std::string_view kLockNotAvailable = "55P03";
struct ChangeLimits {
  std::chrono::milliseconds wait{30000};
  std::chrono::milliseconds idle{30000};
};
class Change {
 public:
  explicit Change(Connection& connection, ChangeLimits limits = {});
  ~Change();
  Change(const Change&) = delete;
  Change& operator=(const Change&) = delete;

  [[nodiscard]] std::uint64_t revision() const { return revision_; }
  [[nodiscard]] Connection& connection() { return connection_; }
  void commit();

 private:
  Connection& connection_;
  std::uint64_t revision_ = 0;
  bool open_ = false;
};

// Changes after `since` (0: the whole state), in one REPEATABLE READ
// snapshot with the store revision it is at.
[[nodiscard]] Changes read_changes(Connection& connection, std::uint64_t since);
// The same inside a Change (which holds the writers' lock: nothing moves).
[[nodiscard]] Changes read_changes(Change& change, std::uint64_t since);

// The store's revision now (0: nothing written yet).
[[nodiscard]] std::uint64_t store_revision(Connection& connection);

void insert_platform_revision(Change& change, const PlatformRow& row, const std::string& actor);
void insert_unit_revision(Change& change, const UnitRow& row, const std::string& actor);
// The switch's state before (as audit "before"): "default" when it had no row.
std::string set_switch(Change& change, const SwitchRow& row, const std::string& actor);

// One row of tenet.admin_audit; `before`/`after` are JSON texts (or none).
void audit(Change& change, const std::string& actor, const std::string& action,
           const std::optional<std::string>& tenant, const std::optional<std::string>& subject,
           const std::optional<std::string>& before, const std::optional<std::string>& after);

// A partner's revisions, newest first, without their sources (for
// policy_history): revision, created_at (ISO-8601 UTC), actor, hash,
// removed.
struct UnitHistoryEntry {
  std::uint64_t revision = 0;
  std::string at;
  std::string actor;
  std::string hash;
  bool removed = false;
};
[[nodiscard]] std::vector<UnitHistoryEntry> unit_history(Connection& connection,
                                                         const std::string& tenant,
                                                         std::size_t limit);
// One revision's source (none: no such revision, or a removal).
[[nodiscard]] std::optional<std::string> unit_source(Connection& connection,
                                                     const std::string& tenant,
                                                     std::uint64_t revision);

// One platform revision with its files (none: no such revision): what
// `tenet explain --store` replays an old decision against.
[[nodiscard]] std::optional<PlatformRow> platform_at(Connection& connection,
                                                     std::uint64_t revision);
// One revision of a partner's unit (none: no such revision; source none: a removal).
[[nodiscard]] std::optional<UnitRow> unit_at(Connection& connection, const std::string& tenant,
                                             std::uint64_t revision);

}  // namespace tenet::store
