#include "server/store/token_rows.hpp"

#include <cctype>

#include "server/store/fleet_rows.hpp"

namespace tenet::store {
namespace {

std::string hex(const std::array<unsigned char, 32>& bytes) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out += kHex[byte >> 4U];
    out += kHex[byte & 15U];
  }
  return out;
}

// `{"check","author"}` as a PostgreSQL array literal (the rights are words
// the caller checked: no quoting needed beyond the braces).
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) out += (out.size() > 1 ? "," : "") + item;
  return out + '}';
}

}  // namespace

void add_token(Connection& connection, const std::array<unsigned char, 32>& hash,
               const std::string& tenant, const std::vector<std::string>& rights,
               const std::string& actor, std::optional<std::chrono::sys_seconds> expires) {
  const std::string hash_hex = hex(hash);
  const std::string id = "sha256:" + hash_hex.substr(0, 16);
  // Seconds since the epoch, or NULL (no expiry).
  const std::optional<std::string> epoch =
      expires ? std::optional<std::string>(std::to_string(expires->time_since_epoch().count()))
              : std::nullopt;
  Change change(connection);
  (void)connection.query(
      "INSERT INTO tenet.tokens (hash, tenant, rights, actor, store_revision, expires_at) "
      "VALUES (decode($1, 'hex'), $2, $3::text[], $4, $5, to_timestamp($6::bigint))",
      {hash_hex, tenant, array_literal(rights), actor, std::to_string(change.revision()), epoch});
  (void)connection.query(
      "INSERT INTO tenet.admin_audit (actor, action, tenant, subject, after) "
      "VALUES ($1, 'token_new', $2, $3, jsonb_strip_nulls(jsonb_build_object('rights', "
      "$4::text[], 'expires', to_char(to_timestamp($5::bigint) AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))))",
      {actor, tenant, id, array_literal(rights), epoch});
  change.commit();
}

std::vector<std::string> revoke_token(Connection& connection, const std::string& token_id,
                                      const std::string& actor) {
  std::string prefix = token_id.rfind("sha256:", 0) == 0 ? token_id.substr(7) : token_id;
  for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool hex_only =
      !prefix.empty() && prefix.find_first_not_of("0123456789abcdef") == std::string::npos;
  // At least the 16 digits an id has: a shorter prefix could name many tokens.
  if (!hex_only || prefix.size() < 16 || prefix.size() > 64)
    throw StoreError("'" + token_id +
                     "' is not a token id (sha256: and at least 16 hex digits of its hash)");
  Change change(connection);
  const std::vector<Row> rows = connection.query(
      "UPDATE tenet.tokens SET revoked_at = now(), store_revision = $3 "
      "WHERE revoked_at IS NULL AND left(encode(hash, 'hex'), $1::int) = $2 "
      "RETURNING 'sha256:' || left(encode(hash, 'hex'), 16), tenant",
      {std::to_string(prefix.size()), prefix, std::to_string(change.revision())});
  std::vector<std::string> revoked;
  for (const Row& row : rows) {
    revoked.push_back(*row[0]);
    (void)connection.query(
        "INSERT INTO tenet.admin_audit (actor, action, tenant, subject, before, after) "
        "VALUES ($1, 'token_revoke', $2, $3, '{\"revoked\":false}', '{\"revoked\":true}')",
        {actor, *row[1], *row[0]});
  }
  // Nothing revoked: no change for the fleet to fetch (no revision taken).
  if (!revoked.empty()) change.commit();
  return revoked;
}

}  // namespace tenet::store
