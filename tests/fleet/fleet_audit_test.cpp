// The admin audit of a replica of the fleet's store (docs/AUDIT.md): its
// start, reloads, refused changes and stop land in tenet.admin_audit (with
// the replica and the outcome in `after`), a set_feature through the store
// has exactly the one row its own transaction wrote, and an audit row takes
// no store revision (replicas are not woken for it).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/store/pg_connection.hpp"
#include "tests/fleet/own_cluster.hpp"
#include "tests/fleet/replicas.hpp"
#include "tests/support/run_process.hpp"

namespace tenet::fleet {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const std::string kBinary = test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

test_support::ProcessResult tenet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return test_support::run_process(argv, milliseconds(60000));
}

struct MadeToken {
  std::string token;
  std::string id;
};

// `tenet token new` prints the token, then its id.
MadeToken new_token(const std::string& url, const std::string& tenant, const std::string& rights) {
  const test_support::ProcessResult made =
      tenet({"token", "new", "--tenant", tenant, "--rights", rights, "--store", url});
  EXPECT_EQ(made.status, 0) << made.output;
  const std::size_t end = made.output.find('\n');
  const std::size_t id_end = made.output.find('\n', end + 1);
  return {made.output.substr(0, end), made.output.substr(end + 1, id_end - end - 1)};
}

// The audit rows this replica wrote for `action`: actor, tenant, subject, before, after.
std::vector<store::Row> rows(store::Connection& admin, const std::string& action) {
  return admin.query(
      "SELECT actor, tenant, subject, before::text, after::text FROM tenet.admin_audit "
      "WHERE action = $1 ORDER BY id",
      {action});
}

TEST(FleetAudit, StartReloadRefusalsAndStopOfAReplicaLandInTheStore) {
  OwnCluster cluster;
  cluster.create_database("fleet");
  const std::string url = cluster.url("fleet");
  ASSERT_EQ(tenet({"store", "init", url}).status, 0);
  ASSERT_EQ(tenet({"publish", kPolicies, "--store", url}).status, 0);
  const MadeToken global = new_token(url, "*", "check,admin,author");
  const MadeToken cedar = new_token(url, "cedar", "check,admin");
  ASSERT_EQ(cedar.id.rfind("sha256:", 0), 0U) << cedar.id;
  store::Connection admin(url);

  Replicas replicas(kBinary, 1, {"--store", url});
  ASSERT_TRUE(replicas.started()) << replicas.error() << replicas.stderr_text();
  replicas.greet_with(json{{"op", "hello"}, {"token", global.token}}.dump());
  const json health = replicas.ask(0, R"({"op":"health"})");
  const std::uint64_t store_revision = health["store"]["revision"].get<std::uint64_t>();

  const json reloaded = replicas.ask(0, R"({"op":"reload"})");
  ASSERT_EQ(reloaded.value("ok", false), true) << reloaded.dump();

  replicas.greet_with(json{{"op", "hello"}, {"token", cedar.token}}.dump());
  const json forbidden = replicas.ask(
      0, R"({"op":"set_feature","tenant":"harbor-bank","feature":"beta_ui","state":"on"})");
  ASSERT_EQ(forbidden["error"]["code"], "forbidden") << forbidden.dump();
  // An audit row is not a change: the store revision did not move.
  EXPECT_EQ(admin.query("SELECT revision FROM tenet.fleet")[0][0], std::to_string(store_revision));

  const json switched =
      replicas.ask(0, R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})");
  ASSERT_EQ(switched.value("ok", false), true) << switched.dump();

  ASSERT_TRUE(replicas.at(0).signal(SIGTERM));
  ASSERT_EQ(replicas.at(0).wait_exit(milliseconds(30000)), 0) << replicas.stderr_text();

  const std::vector<store::Row> started = rows(admin, "start");
  ASSERT_EQ(started.size(), 1U);
  EXPECT_EQ(started[0][0], "operator");
  EXPECT_EQ(started[0][1], "*");
  const json start_after = json::parse(started[0][4].value_or("null"));
  EXPECT_FALSE(start_after.value("replica", "").empty()) << start_after.dump();
  EXPECT_EQ(start_after["store_revision"], store_revision) << start_after.dump();

  const std::vector<store::Row> reloads = rows(admin, "reload");
  ASSERT_EQ(reloads.size(), 1U);
  EXPECT_EQ(reloads[0][0], global.id);
  EXPECT_FALSE(json::parse(reloads[0][4].value_or("null")).contains("outcome"));

  const std::vector<store::Row> switches = rows(admin, "set_feature");
  ASSERT_EQ(switches.size(), 2U);  // the refusal, then the switch's own row: not twice
  EXPECT_EQ(switches[0][0], cedar.id);
  EXPECT_EQ(switches[0][1], "harbor-bank");
  EXPECT_EQ(switches[0][2], "beta_ui");
  const json refused_after = json::parse(switches[0][4].value_or("null"));
  EXPECT_EQ(refused_after["outcome"], "refused") << refused_after.dump();
  EXPECT_EQ(refused_after["message"], forbidden["error"]["message"]);
  EXPECT_EQ(switches[1][0], cedar.id);
  EXPECT_EQ(switches[1][1], "cedar");
  EXPECT_EQ(json::parse(switches[1][3].value_or("null")), json::parse(R"({"state":"default"})"));
  EXPECT_EQ(json::parse(switches[1][4].value_or("null")), json::parse(R"({"state":"on"})"));

  const std::vector<store::Row> stopped = rows(admin, "stop");
  ASSERT_EQ(stopped.size(), 1U);
  EXPECT_EQ(stopped[0][0], "signal");
  EXPECT_EQ(json::parse(stopped[0][4].value_or("null"))["signal"], "SIGTERM");
  // Nothing was written into the audit log the tokens could be read from.
  for (const store::Row& row : admin.query("SELECT after::text FROM tenet.admin_audit")) {
    EXPECT_EQ(row[0].value_or("").find(global.token), std::string::npos);
    EXPECT_EQ(row[0].value_or("").find(cedar.token), std::string::npos);
  }
}

}  // namespace
}  // namespace tenet::fleet
