// A connection to the tests' throw-away PostgreSQL cluster (libpq), for the
// PostgreSQL tests only (tests/postgres/). The cluster is started by
// pg_cluster.sh as a ctest fixture; its socket folder comes in the
// environment variable TENET_PG_SOCKET_DIR.
//
// Failures throw PgError (with the server's message and SQLSTATE), so a test
// reports what PostgreSQL said. One session per thread; not shared.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::pgtest {

class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  [[nodiscard]] const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

using Param = std::optional<std::string>;  // nullopt: SQL NULL
using Row = std::vector<std::optional<std::string>>;

// SQLSTATE of a row-level security violation ("new row violates row-level security policy").
inline constexpr std::string_view kInsufficientPrivilege = "42501";

class PgSession {
 public:
  // Connects as `user` to database `database` over the fixture's socket.
  explicit PgSession(const std::string& user, const std::string& database = "tenet_test");

  // Runs one or more statements without parameters.
  void exec(std::string_view sql);
  // One statement with text parameters; the rows, every column as text.
  std::vector<Row> query(std::string_view sql, const std::vector<Param>& params = {});
  // Like query(), but returns the SQLSTATE of a failure instead of throwing
  // ("" on success); `affected` gets the row count of a successful command.
  std::string try_command(std::string_view sql, const std::vector<Param>& params,
                          long* affected = nullptr);

 private:
  struct Close {
    void operator()(PGconn* connection) const { PQfinish(connection); }
  };
  std::unique_ptr<PGconn, Close> connection_;
};

// The fixture's socket folder (TENET_PG_SOCKET_DIR; empty when unset).
[[nodiscard]] std::string socket_dir();

// Is the fixture's cluster configured (TENET_PG_SOCKET_DIR set)?
[[nodiscard]] bool cluster_available();

}  // namespace tenet::pgtest
