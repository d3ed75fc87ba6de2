// Decision ids: 26 characters in Crockford base32 with the ULID layout, so a
// logged decision can be found again (`tenet explain --log FILE --id ID`) and
// ids sort by time.
//
// The 128 bits, most significant first:
//   48 bits  Unix time in milliseconds
//   16 bits  the replica component (given by the operator, or random at start)
//   64 bits  a counter that starts at a random value and goes up by one per id
// Why a counter instead of ULID's random tail: one relaxed fetch_add makes the
// ids of one generator unique even within one millisecond and across threads,
// with no lock and no random draw per id; the replica component (and the
// random start of the counter) keeps replicas apart. Lexicographic order of
// the text is the order of the milliseconds. The time never goes back for one
// generator: a clock that steps back keeps the last millisecond seen.
//
// Thread-safe, allocation-free: next() writes into the caller's buffer.
// Shared by the I/O threads of a server (one per service).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tenet::server {

inline constexpr std::size_t kDecisionIdLength = 26;
inline constexpr std::size_t kDecisionIdHeadLength = 13;

// What an id is made of (parse_decision_id): replay reads the time from it.
struct DecisionIdParts {
  std::uint64_t unix_ms = 0;  // 48 bits
  std::uint16_t replica = 0;
  std::uint64_t counter = 0;
  friend bool operator==(const DecisionIdParts&, const DecisionIdParts&) = default;
};

class DecisionIds {
 public:
  // `replica`: the 16-bit replica component; none: a random one.
  explicit DecisionIds(std::optional<std::uint16_t> replica = std::nullopt);

  // Writes the next id into `out` and returns its Unix time in milliseconds
  // (the record's `time` can then be the id's own).
  std::uint64_t next(std::span<char, kDecisionIdLength> out);

  [[nodiscard]] std::uint16_t replica() const { return replica_; }

  // For a thread that makes many ids (the server's I/O threads,
  // server/decision_log/decision_recorder): `count` consecutive counter
  // values of its own, with one atomic add, so the threads do not pass the
  // counter's cache line back and forth on every decision. It then writes
  // its ids with encode(), with a time it read itself.
  [[nodiscard]] std::uint64_t reserve(std::uint64_t count) {
    return counter_.fetch_add(count, std::memory_order_relaxed);
  }

  // The 26 characters of `parts` (time above 48 bits is cut).
  static void encode(const DecisionIdParts& parts, std::span<char, kDecisionIdLength> out) {
    encode_head(parts, out.first<kDecisionIdHeadLength>());
    encode_tail(parts, out.last<kDecisionIdLength - kDecisionIdHeadLength>());
  }
  // The id in two halves, for a writer that makes many ids in the same
  // millisecond: the first 13 characters hold only the time and the upper
  // 15 bits of the replica (the same for every id of one millisecond), the
  // last 13 the counter and the replica's lowest bit.
  static void encode_head(const DecisionIdParts& parts, std::span<char, kDecisionIdHeadLength> out);
  static void encode_tail(const DecisionIdParts& parts,
                          std::span<char, kDecisionIdLength - kDecisionIdHeadLength> out);

 private:
  [[nodiscard]] std::uint64_t now_ms();

  const std::uint16_t replica_;
  std::atomic<std::uint64_t> counter_;
  std::atomic<std::uint64_t> last_ms_{0};
};

// The parts of a 26-character id in canonical form (upper-case Crockford
// base32, first character 0-7); none for anything else.
[[nodiscard]] std::optional<DecisionIdParts> parse_decision_id(std::string_view text);

}  // namespace tenet::server
