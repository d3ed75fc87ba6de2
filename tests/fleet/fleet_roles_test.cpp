// The database roles of docs/FLEET.md, as an operator grants them: a
// replica whose role may only read (SELECT, and LISTEN, which needs no
// grant) serves decisions and follows changes, and its writes are refused
// with `forbidden` naming the grants (nothing changes in the store); a
// replica with the writer grants writes.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
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

// The grants of docs/FLEET.md ("Database roles"), verbatim.
constexpr std::string_view kGrants = R"sql(
CREATE ROLE tenet_replica LOGIN;
GRANT USAGE ON SCHEMA tenet TO tenet_replica;
GRANT SELECT ON ALL TABLES IN SCHEMA tenet TO tenet_replica;
GRANT INSERT ON tenet.admin_audit TO tenet_replica;
GRANT USAGE ON SEQUENCE tenet.admin_audit_id_seq TO tenet_replica;

CREATE ROLE tenet_writer LOGIN;
GRANT USAGE ON SCHEMA tenet TO tenet_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA tenet TO tenet_writer;
GRANT INSERT ON tenet.unit_revisions, tenet.admin_audit TO tenet_writer;
GRANT INSERT, UPDATE ON tenet.feature_switches TO tenet_writer;
GRANT UPDATE ON tenet.fleet TO tenet_writer;
GRANT USAGE ON SEQUENCE tenet.admin_audit_id_seq TO tenet_writer;
)sql";

std::string with_user(const std::string& url, const std::string& user) {
  return url.substr(0, url.find("user=")) + "user=" + user +
         url.substr(url.find(' ', url.find("user=")));
}

TEST(FleetRoles, AReadOnlyReplicaServesAndItsWritesAreRefusedWithTheGrantsNamed) {
  OwnCluster cluster;
  cluster.create_database("fleet");
  const std::string url = cluster.url("fleet");
  ASSERT_EQ(tenet({"store", "init", url}).status, 0);
  ASSERT_EQ(tenet({"publish", kPolicies, "--store", url}).status, 0);
  const test_support::ProcessResult token =
      tenet({"token", "new", "--tenant", "*", "--rights", "check,admin,author", "--store", url});
  ASSERT_EQ(token.status, 0) << token.output;
  store::Connection admin(url);
  admin.exec(kGrants);

  Replicas replicas(kBinary, 2, [&](std::size_t index) {
    return std::vector<std::string>{"--store",
                                    with_user(url, index == 0 ? "tenet_replica" : "tenet_writer")};
  });
  ASSERT_TRUE(replicas.started()) << replicas.error() << replicas.stderr_text();
  replicas.greet_with(json{{"op", "hello"}, {"token", token.output.substr(0, 64)}}.dump());

  const std::string set_on =
      R"({"op":"set_feature","tenant":"cedar","feature":"margin","state":"on"})";
  const json refused = replicas.ask(0, set_on);
  ASSERT_TRUE(refused.contains("error")) << refused.dump();
  EXPECT_EQ(refused["error"]["code"], "forbidden") << refused.dump();
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("docs/FLEET.md"),
            std::string::npos);
  std::ifstream file(kPolicies + "/tenants/lumen.tenet");
  const std::string source =
      std::string(std::istreambuf_iterator<char>(file), {}) + "\n// edited\n";
  const json put =
      replicas.ask(0, json{{"op", "put_policy"}, {"tenant", "lumen"}, {"source", source}}.dump());
  ASSERT_TRUE(put.contains("error")) << put.dump();
  EXPECT_EQ(put["error"]["code"], "forbidden") << put.dump();
  EXPECT_EQ(admin.query("SELECT count(*) FROM tenet.feature_switches")[0][0], "0");

  // The writer writes; the read-only replica follows it.
  const json written = replicas.ask(1, set_on);
  EXPECT_EQ(written.value("ok", false), true) << written.dump();
  EXPECT_TRUE(replicas.wait_until_all(
      R"({"op":"health"})", [](const json& health) { return health["store"]["revision"] == 3; },
      milliseconds(5000)));
  const json history = replicas.ask(0, R"({"op":"policy_history","tenant":"cedar"})");
  EXPECT_EQ(history.value("ok", false), true) << history.dump();
  // With these grants the read-only replica audits its refused writes too
  // (docs/AUDIT.md): no audit record failed to reach the store.
  EXPECT_EQ(replicas.stderr_text().find(R"("what":"audit")"), std::string::npos)
      << replicas.stderr_text();
  EXPECT_EQ(admin.query("SELECT count(*) FROM tenet.admin_audit WHERE after->>'outcome' = "
                        "'refused'")[0][0],
            "2");
}

}  // namespace
}  // namespace tenet::fleet
