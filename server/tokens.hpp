// Access tokens of `tenet serve`: the token file, SHA-256, fresh tokens.
//
// The token file holds one token per line, `SHA256HEX TENANT RIGHTS`, where
// TENANT is a tenant name or `*` (all tenants) and RIGHTS is a comma list
// of `check`, `admin` and `author` (docs/UNITS.md), optionally followed by
// `expires=YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, whole seconds): the token
// is refused from that instant on; `#` starts a comment line, blank lines are
// ignored. Tokens are never stored in clear: `hello` hashes the presented
// token and compares it with every entry in constant time.
//
// A TokenStore may also be built from entries already hashed (from_entries:
// the fleet's store keeps only SHA-256). Included by server/service (which
// holds the current TokenStore and swaps it: see Service::replace_tokens)
// and by the CLI (`tenet token new`). A built TokenStore is immutable:
// thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::server {

// What a token allows.
struct Grant {
  std::string tenant;   // "*": every tenant
  bool check = false;   // decision ops
  bool admin = false;   // stats, set_feature (and reload with tenant "*")
  bool author = false;  // put_policy, get_policy, policy_history, rollback (docs/UNITS.md)
  // Names the token in policy histories: `sha256:` and the first 16 hex
  // digits of its hash (never the token). Set by authenticate().
  std::string id;
  // From this instant on the token is refused (hello, and the session's
  // next request: server/protocol); none: it does not expire.
  std::optional<std::chrono::sys_seconds> expires;
  [[nodiscard]] bool all_tenants() const { return tenant == "*"; }
  // Whether the token is refused at `now` (valid up to, not including,
  // `expires`). Compared in whole seconds: a system_clock time_point in
  // nanoseconds cannot hold a year past 2262, which an expiry may be.
  template <typename Duration>
  [[nodiscard]] bool expired_at(std::chrono::sys_time<Duration> now) const {
    return expires && std::chrono::floor<std::chrono::seconds>(now) >= *expires;
  }
};

// One token as the server keeps it: its SHA-256 and what it allows.
struct HashedToken {
  std::array<unsigned char, 32> hash{};
  Grant grant;  // grant.id is ignored: authenticate_hash() names the token
};

class TokenStore {
 public:
  struct LoadResult;
  // A set of entries already hashed and checked by the caller (the first
  // entry of a hash listed twice wins, as in a file). Empty is allowed:
  // authentication stays on and every token is refused.
  [[nodiscard]] static TokenStore from_entries(std::vector<HashedToken> entries);
  [[nodiscard]] static LoadResult load(const std::filesystem::path& file);
  [[nodiscard]] static LoadResult parse(std::string_view text, std::string_view file_name);

  // The grant of `token` (in clear), or nothing when it is not in the file.
  [[nodiscard]] std::optional<Grant> authenticate(std::string_view token) const;
  // The grant of the token whose SHA-256 is `hash` (a session checking,
  // after the set changed, that its token is still valid), compared with
  // every entry in constant time like authenticate().
  [[nodiscard]] std::optional<Grant> authenticate_hash(
      const std::array<unsigned char, 32>& hash) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] const std::vector<HashedToken>& entries() const { return entries_; }
  // The tenants tokens are bound to, each once, in file order (not `*`).
  [[nodiscard]] std::vector<std::string> bound_tenants() const;

 private:
  std::vector<HashedToken> entries_;
};

struct TokenStore::LoadResult {
  std::optional<TokenStore> store;
  std::string error;  // "FILE:LINE: message" when store is empty
};

// Sets the rights of a comma list (`check,admin`) on `grant`: "" or why
// the list is refused (an unknown right, none given).
[[nodiscard]] std::string parse_rights(std::string_view rights, Grant& grant);
// SHA-256 of `data` (OpenSSL EVP).
[[nodiscard]] std::array<unsigned char, 32> sha256(std::string_view data);
[[nodiscard]] std::string to_hex(const unsigned char* data, std::size_t size);
// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339 in UTC, whole seconds: the only form a
// token file takes), or nothing when `text` is not exactly that or names no
// real instant (month 13, February 30, hour 24...).
[[nodiscard]] std::optional<std::chrono::sys_seconds> parse_utc_time(std::string_view text);
[[nodiscard]] std::string format_utc_time(std::chrono::sys_seconds time);
// A duration as `tenet token new --expires-in` takes it: one or more
// NUMBER UNIT pairs, UNIT one of s, m, h, d, w (`90d`, `1d12h`, `30m`);
// nothing when malformed, zero, or beyond 100 years.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// A fresh token: 32 random bytes from std::random_device, as 64 hex digits.
[[nodiscard]] std::string new_token();

}  // namespace tenet::server
