// Access tokens of `tenet serve`: the token file, SHA-256, fresh tokens.
//
// The token file holds one token per line, `SHA256HEX TENANT RIGHTS`, where
// TENANT is a tenant name or `*` (all tenants) and RIGHTS is a comma list
// of `check`, `admin` and `author` (docs/UNITS.md); `#` starts a comment line, blank lines are
// ignored. Tokens are never stored in clear: `hello` hashes the presented
// token and compares it with every entry in constant time.
//
// Included by server/service (which owns the TokenStore) and by the CLI
// (`tenet token new`). A loaded TokenStore is immutable: thread-safe.
#pragma once

#include <array>
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
  [[nodiscard]] bool all_tenants() const { return tenant == "*"; }
};

class TokenStore {
 public:
  struct LoadResult;
  [[nodiscard]] static LoadResult load(const std::filesystem::path& file);
  [[nodiscard]] static LoadResult parse(std::string_view text, std::string_view file_name);

  // The grant of `token` (in clear), or nothing when it is not in the file.
  [[nodiscard]] std::optional<Grant> authenticate(std::string_view token) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  // The tenants tokens are bound to, each once, in file order (not `*`).
  [[nodiscard]] std::vector<std::string> bound_tenants() const;

 private:
  struct Entry {
    std::array<unsigned char, 32> hash{};
    Grant grant;
  };
  std::vector<Entry> entries_;
};

struct TokenStore::LoadResult {
  std::optional<TokenStore> store;
  std::string error;  // "FILE:LINE: message" when store is empty
};

// SHA-256 of `data` (OpenSSL EVP).
[[nodiscard]] std::array<unsigned char, 32> sha256(std::string_view data);
[[nodiscard]] std::string to_hex(const unsigned char* data, std::size_t size);
// A fresh token: 32 random bytes from std::random_device, as 64 hex digits.
[[nodiscard]] std::string new_token();

}  // namespace tenet::server
