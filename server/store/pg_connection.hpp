// One libpq connection to the fleet's store (docs/FLEET.md): connect by
// URL, run statements with text parameters, read rows as text. Failures
// throw StoreError with PostgreSQL's message and SQLSTATE, so a caller
// reports what the database said. One connection per thread; not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;

namespace tenet::store {

class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, std::string sqlstate = {})
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  [[nodiscard]] const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

using Param = std::optional<std::string>;  // nullopt: SQL NULL
using Row = std::vector<std::optional<std::string>>;

class Connection {
 public:
  // `url`: a libpq connection string or URI (postgresql://...).
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // One or more statements without parameters.
  void exec(std::string_view sql);
  // One statement with text parameters; its rows, every column as text.
  std::vector<Row> query(std::string_view sql, const std::vector<Param>& params = {});
  // One statement without parameters; the number of rows it inserted,
  // updated or deleted (PQcmdTuples).
  std::uint64_t command(std::string_view sql);
  // `copy_sql` (a COPY ... FROM STDIN) fed with `data`, rows in COPY's
  // format (server/store/decision_shipper). Sent in pieces of at most
  // 1 MiB; a row PostgreSQL refuses fails the whole COPY (StoreError).
  void copy_in(std::string_view copy_sql, std::string_view data);

  // Whether the connection is still up (false after the server went away:
  // a StoreError then means "unreachable", not "the statement failed").
  [[nodiscard]] bool alive() const;
  // For LISTEN (server/store/store_follower): the socket to wait on, and the
  // notifications that arrived (their count). Throws when the connection broke.
  [[nodiscard]] int socket() const;
  std::size_t take_notifications();

 private:
  struct Close {
    void operator()(pg_conn* connection) const;
  };
  std::unique_ptr<pg_conn, Close> connection_;
};

}  // namespace tenet::store
