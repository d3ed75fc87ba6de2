#include "tests/postgres/pg_session.hpp"

#include <cstdlib>

namespace tenet::pgtest {
namespace {

struct Clear {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, Clear>;

std::string sqlstate(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  return state != nullptr ? state : "";
}

Result run(PGconn* connection, std::string_view sql, const std::vector<Param>& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& param : params) values.push_back(param ? param->c_str() : nullptr);
  return Result(PQexecParams(connection, text.c_str(), static_cast<int>(params.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
}

bool failed(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);
  return status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;
}

}  // namespace

std::string socket_dir() {
  const char* dir = std::getenv("TENET_PG_SOCKET_DIR");
  return dir != nullptr ? dir : "";
}

bool cluster_available() { return !socket_dir().empty(); }

PgSession::PgSession(const std::string& user, const std::string& database) {
  const std::string host = socket_dir();
  const char* keywords[] = {"host", "port", "dbname", "user", "connect_timeout", nullptr};
  const char* values[] = {host.c_str(), "5432", database.c_str(), user.c_str(), "10", nullptr};
  connection_.reset(PQconnectdbParams(keywords, values, 0));
  if (connection_ == nullptr || PQstatus(connection_.get()) != CONNECTION_OK) {
    throw PgError("cannot connect to the test cluster at " + host + ": " +
                      (connection_ ? PQerrorMessage(connection_.get()) : "out of memory"),
                  "");
  }
  // Bounded: no statement of the tests may hang the run.
  exec("SET statement_timeout = '60s'; SET client_min_messages = warning");
}

void PgSession::exec(std::string_view sql) {
  const Result result(PQexec(connection_.get(), std::string(sql).c_str()));
  if (failed(result.get())) {
    throw PgError(PQresultErrorMessage(result.get()), sqlstate(result.get()));
  }
}

std::vector<Row> PgSession::query(std::string_view sql, const std::vector<Param>& params) {
  const Result result = run(connection_.get(), sql, params);
  if (failed(result.get())) {
    throw PgError(std::string(PQresultErrorMessage(result.get())) + "in: " + std::string(sql),
                  sqlstate(result.get()));
  }
  std::vector<Row> rows;
  const int columns = PQnfields(result.get());
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    Row row;
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(PQgetvalue(result.get(), r, c));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PgSession::try_command(std::string_view sql, const std::vector<Param>& params,
                                   long* affected) {
  const Result result = run(connection_.get(), sql, params);
  if (failed(result.get())) return sqlstate(result.get());
  if (affected != nullptr) *affected = std::strtol(PQcmdTuples(result.get()), nullptr, 10);
  return "";
}

}  // namespace tenet::pgtest
