// Access tokens in the fleet's store (docs/FLEET.md, table tenet.tokens):
// added and revoked by `tenet token new|revoke --store URL`, each change
// with its row in tenet.admin_audit, in one transaction. Only the token's
// SHA-256 is stored. Throw StoreError.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "server/store/pg_connection.hpp"

namespace tenet::store {

// Adds a token (its SHA-256), bound to `tenant` ("*": all) with `rights`,
// working until `expires` (UTC) when given.
void add_token(Connection& connection, const std::array<unsigned char, 32>& hash,
               const std::string& tenant, const std::vector<std::string>& rights,
               const std::string& actor,
               std::optional<std::chrono::sys_seconds> expires = std::nullopt);

// Revokes the tokens whose id (`sha256:` and the first 16 hex digits of
// the hash, as histories and logs name tokens) or whole hex hash is
// `token_id`; the ids revoked now (none: no such live token).
[[nodiscard]] std::vector<std::string> revoke_token(Connection& connection,
                                                    const std::string& token_id,
                                                    const std::string& actor);

}  // namespace tenet::store
