#include "server/store/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <optional>

namespace tenet::store {
namespace {

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

// libpq's messages end with a newline and continue on indented lines; one
// line reads better in a JSON answer or a log line, and a caller adds its
// own context.
std::string trimmed(const char* text) {
  std::string message;
  for (const char* c = text != nullptr ? text : ""; *c != '\0'; ++c) {
    const bool space = *c == '\n' || *c == '\t' || *c == ' ';
    if (space && (message.empty() || message.back() == ' ')) continue;
    message += space ? ' ' : *c;
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

void check(const Result& result, PGconn* connection) {
  const ExecStatusType status = PQresultStatus(result.get());
  // An empty statement (a connection's liveness probe) answers EMPTY_QUERY.
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
    return;
  const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  throw StoreError(
      trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection)),
      sqlstate != nullptr ? sqlstate : "");
}

}  // namespace

void Connection::Close::operator()(pg_conn* connection) const { PQfinish(connection); }

namespace {

// The operator's URL plus what a replica needs whatever the URL says: a
// bounded connect (a store that is gone must not hang a write for
// minutes) and TCP keepalives (a peer that vanished without closing is
// noticed). Settings in `url` win: libpq expands it in place of
// "dbname", after these, and a later setting overrides an earlier one.
PGconn* connect(const std::string& url) {
  const std::array<const char*, 6> keywords{
      "connect_timeout",  "keepalives_idle", "keepalives_interval",
      "keepalives_count", "dbname",          nullptr};
  const std::array<const char*, 6> values{"5", "10", "5", "3", url.c_str(), nullptr};
  return PQconnectdbParams(keywords.data(), values.data(), 1);
}

}  // namespace

Connection::Connection(const std::string& url) : connection_(connect(url)) {
  if (!connection_) throw StoreError("cannot connect to the store: out of memory");
  if (PQstatus(connection_.get()) != CONNECTION_OK)
    throw StoreError("cannot connect to the store: " + trimmed(PQerrorMessage(connection_.get())));
  // Notices ("schema tenet already exists, skipping") are not the
  // operator's concern; errors still come back as StoreError.
  PQsetNoticeProcessor(
      connection_.get(), [](void* /*arg*/, const char* /*message*/) {}, nullptr);
}

Connection::~Connection() = default;

void Connection::exec(std::string_view sql) {
  const Result result(PQexec(connection_.get(), std::string(sql).c_str()));
  check(result, connection_.get());
}

std::vector<Row> Connection::query(std::string_view sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& param : params) values.push_back(param ? param->c_str() : nullptr);
  const Result result(PQexecParams(connection_.get(), std::string(sql).c_str(),
                                   static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                   nullptr, 0));
  check(result, connection_.get());
  std::vector<Row> rows;
  const int columns = PQnfields(result.get());
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    Row row;
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c) != 0) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                     static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::uint64_t Connection::command(std::string_view sql) {
  const Result result(PQexec(connection_.get(), std::string(sql).c_str()));
  check(result, connection_.get());
  const char* tuples = PQcmdTuples(result.get());
  return tuples != nullptr && *tuples != '\0' ? std::stoull(tuples) : 0;
}

void Connection::copy_in(std::string_view copy_sql, std::string_view data) {
  PGconn* const connection = connection_.get();
  {
    const Result started(PQexec(connection, std::string(copy_sql).c_str()));
    if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
      check(started, connection);
      throw StoreError("not a COPY FROM STDIN: " + std::string(copy_sql));
    }
  }
  constexpr std::size_t kPiece = std::size_t{1} << 20U;
  bool sent = true;
  for (std::size_t at = 0; at < data.size() && sent; at += kPiece) {
    const std::size_t size = std::min(kPiece, data.size() - at);
    // A blocking connection: 1 once queued, -1 when the connection broke.
    sent = PQputCopyData(connection, data.data() + at, static_cast<int>(size)) == 1;
  }
  // Ending the COPY with an error message makes the server refuse it
  // (nothing of it stays); the result below then carries the failure.
  if (PQputCopyEnd(connection, sent ? nullptr : "the data could not be sent") != 1)
    throw StoreError("the store connection broke during COPY: " +
                     trimmed(PQerrorMessage(connection)));
  // The COPY's own result, then nullptr: every result is read so that the
  // connection is ready for the next statement.
  std::optional<StoreError> failure;
  while (PGresult* raw = PQgetResult(connection)) {
    const Result result(raw);
    if (failure) continue;
    try {
      check(result, connection);
    } catch (const StoreError& error) {
      failure = error;
    }
  }
  if (failure) throw *failure;
  if (!sent) throw StoreError("the store connection broke during COPY");
}

bool Connection::alive() const { return PQstatus(connection_.get()) == CONNECTION_OK; }

int Connection::socket() const { return PQsocket(connection_.get()); }

std::size_t Connection::take_notifications() {
  if (PQconsumeInput(connection_.get()) == 0 || !alive())
    throw StoreError("the store connection broke: " + trimmed(PQerrorMessage(connection_.get())));
  std::size_t count = 0;
  while (PGnotify* notification = PQnotifies(connection_.get())) {
    PQfreemem(notification);
    ++count;
  }
  return count;
}

}  // namespace tenet::store
