// Replaying decision-log records (docs/DECISION_LOG.md#replay), shared by
// `tenet explain` and `tenet replay`.
//
// A record (one NDJSON line written by `tenet serve --decision-log`) holds
// the request's members in the protocol's shape; replay rebuilds the request
// line from them, adds "explain":true, and answers it through the engine's
// own line path (json::LineHandler, as `tenet eval`) against the policy set
// as it was at the record's revision:
//   - from a policy directory: the directory loaded as `tenet serve` loads
//     it (revisions numbered from its .tenet-history); a partner at another
//     revision than the one served gets that revision's source from the
//     history, put on the loaded version in memory (nothing is written);
//   - from the fleet's store: the platform part at the record's platform
//     revision and the partner's unit at its revision, read from PostgreSQL.
// Each (tenant, revision) policy set is built once and cached, and one
// LineHandler answers every record, so a whole log replays quickly.
//
// Not thread-safe: one Replayer per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"

namespace tenet::cli {

// What replay reads of one record.
struct LoggedDecision {
  std::string id;
  std::string time;                     // as written (RFC 3339)
  std::optional<std::int64_t> time_ms;  // `time` read, when it can be
  std::string op;
  std::string tenant;
  std::uint64_t revision = 0;  // 0: absent (an unknown tenant)
  std::uint64_t platform_revision = 0;
  std::string platform_hash;
  std::string request_line;  // the request rebuilt, with "explain":true
  // The logged outcome: decision ("allow"/"deny"/"" when none), reasons, the
  // plans / features lists of those ops (JSON text, empty when absent) and
  // the error code (empty when none).
  std::string decision;
  std::vector<std::string> reasons;
  std::string plans;
  std::string features;
  std::string error_code;
  std::vector<std::string> withheld;
};

// One record read from `line`; an error text when it is not a record.
[[nodiscard]] std::optional<LoggedDecision> read_record(std::string_view line, std::string& error);

// Reads every record of `files` in order and calls `on_record` for each (it
// returns false to stop). A line that is not a record is counted in the
// return value and warned about on `err` ("FILE:LINE: skipped: ..."), except
// a cut last line (no newline at the end of the file), skipped silently.
// Throws std::runtime_error when a file cannot be opened.
std::size_t read_log(const std::vector<std::filesystem::path>& files,
                     const std::function<bool(const LoggedDecision&)>& on_record,
                     std::ostream& err);

// RFC 3339 (`2026-12-07T08:12:46.123Z`, `...+01:00`, fraction optional) as
// milliseconds since the Unix epoch; none when it is not that.
[[nodiscard]] std::optional<std::int64_t> rfc3339_ms(std::string_view text);

// The policy set a record is replayed against.
struct ResolvedPolicies {
  std::shared_ptr<const CompiledPolicySet> policies;  // null: not reproducible
  std::string not_reproducible;                       // why, when null
  // Set when the platform part differs from the record's (directory mode
  // keeps no platform history): replayed against the current one.
  bool platform_changed = false;
  std::string source;  // where the revision came from, for the reader
};

class ReplayPolicies {
 public:
  virtual ~ReplayPolicies() = default;
  ReplayPolicies() = default;
  ReplayPolicies(const ReplayPolicies&) = delete;
  ReplayPolicies& operator=(const ReplayPolicies&) = delete;
  [[nodiscard]] virtual ResolvedPolicies at(const LoggedDecision& record) = 0;
};

struct ReplaySourceOptions {
  std::optional<std::filesystem::path> directory;  // --policies
  std::optional<std::string> store;                // --store (or TENET_STORE)
  std::optional<std::filesystem::path> state;      // --state: feature switches (directory mode)
  ParseLimits limits;
};

// The policies of `options` (directory or store); null after an error
// printed on `err` as "COMMAND: error: ...".
[[nodiscard]] std::unique_ptr<ReplayPolicies> open_replay_policies(
    const ReplaySourceOptions& options, std::string_view command, std::ostream& err);

enum class Verdict : std::uint8_t { Same, Different, NotReproducible };
[[nodiscard]] std::string_view verdict_name(Verdict verdict);

struct ReplayResult {
  Verdict verdict = Verdict::Same;
  std::string response;  // the replayed response line (empty when not replayed)
  std::string decision;  // replayed
  std::vector<std::string> reasons;
  std::string error_code;
  std::string why;  // not reproducible: why; different: what differs
  bool platform_changed = false;
  std::string source;
};

class Replayer {
 public:
  explicit Replayer(ReplayPolicies& policies) : policies_(policies) {}
  [[nodiscard]] ReplayResult replay(const LoggedDecision& record);

 private:
  ReplayPolicies& policies_;
  json::LineHandler handler_;
  std::string out_;
};

}  // namespace tenet::cli
