// The fleet tests' harness itself (own_cluster.hpp, replicas.hpp,
// tests/support/run_process.hpp): a cluster of the test's own starts and
// `tenet store init` makes a store in it; stop() makes connections fail at
// once with a clear error, start() brings the same data back (after a fast
// and after an immediate shutdown); two clusters at once stay apart;
// replicas answer, converge and are measured under pipelined traffic, which
// notices a replica that dies. The fleet behaviour itself (replicas on one
// store) is tested on top of this in the other files of tests/fleet/.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "server/store/migrations.hpp"
#include "server/store/pg_connection.hpp"
#include "tests/fleet/own_cluster.hpp"
#include "tests/fleet/replicas.hpp"
#include "tests/support/json_answer.hpp"
#include "tests/support/run_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace tenet::fleet {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test_support::run_process;
using Clock = std::chrono::steady_clock;

const std::string kBinary = test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

// A bound on "at once", not a performance figure: a refused connection to a
// missing Unix socket takes microseconds; a hang would take libpq's default
// of forever (no connect_timeout in the URL).
constexpr milliseconds kPromptly(5000);

// A check of policies/ that the shipped cedar tenant allows.
const std::string kCedarCheck =
    R"({"op":"check","tenant":"cedar","principal":{"id":"u1","role":"trader","attrs":{"kyc":"verified","account_age_days":100,"country":"DE","tags":["desk"]}},"action":"read","resource":{"type":"document","id":"d1","tenant":"cedar","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";

test_support::ProcessResult tenet(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, milliseconds(60000));
}

int version_of(const std::string& url) {
  store::Connection connection(url);
  return store::store_version(connection);
}

// ---------------------------------------------------------------- run_process

TEST(RunProcess, ReportsStatusAndOutputAndKillsWhatHangs) {
  const auto done =
      run_process({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(10000));
  EXPECT_EQ(done.status, 3);
  EXPECT_FALSE(done.timed_out);
  EXPECT_EQ(done.output, "out\nerr\n");

  // The child of the shell keeps stdout open: the process group is killed.
  const auto start = Clock::now();
  const auto hung = run_process({"/bin/sh", "-c", "sleep 30 & sleep 30"}, milliseconds(300));
  EXPECT_TRUE(hung.timed_out);
  EXPECT_EQ(hung.status, -1);
  EXPECT_LT(Clock::now() - start, milliseconds(10000));

  EXPECT_EQ(run_process({"/nonexistent/tool"}, milliseconds(5000)).status, 127);
}

// ----------------------------------------------------------------- OwnCluster

TEST(OwnCluster, StartsAndTenetStoreInitMakesAStore) {
  OwnCluster cluster;
  EXPECT_TRUE(cluster.running());
  EXPECT_EQ(cluster.url("fleet"),
            "host=" + cluster.socket_dir() + " port=5432 user=tenet_admin dbname=fleet");
  cluster.create_database("fleet");
  const auto init = tenet({"store", "init", cluster.url("fleet")});
  ASSERT_EQ(init.status, 0) << init.output;
  EXPECT_NE(init.output.find("applied migration 1"), std::string::npos) << init.output;
  EXPECT_EQ(version_of(cluster.url("fleet")), store::latest_version());

  EXPECT_THROW(cluster.create_database("fleet; DROP DATABASE postgres"), ClusterError);
  EXPECT_THROW(cluster.create_database("fleet"), ClusterError);  // exists already
}

void expect_refused_promptly(const OwnCluster& cluster, const std::string& url) {
  const auto start = Clock::now();
  try {
    store::Connection connection(url);
    ADD_FAILURE() << "connected to a stopped cluster";
  } catch (const store::StoreError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(cluster.socket_dir()), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  EXPECT_LT(Clock::now() - start, kPromptly);
}

TEST(OwnCluster, StopRefusesConnectionsAtOnceAndStartKeepsTheStore) {
  OwnCluster cluster;
  cluster.create_database("fleet");
  const std::string url = cluster.url("fleet");
  ASSERT_EQ(tenet({"store", "init", url}).status, 0);
  {
    // A change committed just before the outage.
    store::Connection connection(url);
    connection.exec("CREATE TABLE public.marker (n int); INSERT INTO public.marker VALUES (1)");
  }
  for (const StopMode mode : {StopMode::fast, StopMode::immediate}) {
    SCOPED_TRACE(mode == StopMode::fast ? "fast" : "immediate");
    cluster.stop(mode);
    EXPECT_FALSE(cluster.running());
    expect_refused_promptly(cluster, url);
    // The CLI says so too: exit status 2, the store unreachable.
    const auto init = tenet({"store", "init", url});
    EXPECT_EQ(init.status, 2) << init.output;
    EXPECT_NE(init.output.find("cannot connect to the store"), std::string::npos) << init.output;

    cluster.start();
    EXPECT_TRUE(cluster.running());
    EXPECT_EQ(version_of(url), store::latest_version()) << cluster.server_log();
    store::Connection connection(url);
    EXPECT_EQ(connection.query("SELECT count(*) FROM public.marker")[0][0], "1");
  }
  EXPECT_THROW(cluster.start(), ClusterError);  // already running: pg_ctl refuses
}

TEST(OwnCluster, TwoClustersAtOnceStayApart) {
  OwnCluster first;
  OwnCluster second;
  ASSERT_NE(first.socket_dir(), second.socket_dir());
  first.create_database("only_in_first");
  EXPECT_NO_THROW(store::Connection{first.url("only_in_first")});
  try {
    store::Connection connection(second.url("only_in_first"));
    ADD_FAILURE() << "the second cluster has the first one's database";
  } catch (const store::StoreError& error) {
    EXPECT_NE(std::string(error.what()).find("does not exist"), std::string::npos) << error.what();
  }
  first.stop(StopMode::immediate);
  expect_refused_promptly(first, first.url("postgres"));
  EXPECT_NO_THROW(store::Connection{second.url("postgres")});
  second.create_database("only_in_second");
  first.start();
  EXPECT_NO_THROW(store::Connection{first.url("only_in_first")});
}

TEST(OwnCluster, ClustersOfAProcessThatDiedAreRemoved) {
  // A child makes a cluster and dies without its destructors (as a test
  // binary killed at a ctest timeout would); its server goes on running.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    try {
      const auto* cluster = new OwnCluster();  // never deleted: abandoned
      const std::string dir = cluster->socket_dir();
      (void)!::write(pipe_fds[1], dir.data(), dir.size());
    } catch (...) {
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string socket_dir;
  char chunk[256];
  for (ssize_t n = 0; (n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0;)
    socket_dir.append(chunk, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_FALSE(socket_dir.empty()) << "the child made no cluster";
  const std::string url = "host=" + socket_dir + " port=5432 user=tenet_admin dbname=postgres";
  EXPECT_NO_THROW(store::Connection{url});  // still running: abandoned

  EXPECT_GE(OwnCluster::remove_abandoned(), 1U);
  EXPECT_FALSE(std::filesystem::exists(socket_dir));
  EXPECT_FALSE(std::filesystem::exists(socket_dir + "-data"));
  EXPECT_THROW(store::Connection{url}, store::StoreError);
}

// ------------------------------------------------------------------- Replicas

bool allows(const json& answer) { return outcome_of(answer) == "allow"; }

TEST(Replicas, StartAnswerAndConverge) {
  const Replicas replicas(kBinary, 3, {kPolicies});
  ASSERT_TRUE(replicas.started()) << replicas.error();
  ASSERT_EQ(replicas.size(), 3U);
  EXPECT_NE(replicas.port(0), replicas.port(1));
  for (const json& answer : replicas.ask_all(kCedarCheck)) EXPECT_EQ(answer["decision"], "allow");

  std::vector<json> last;
  EXPECT_TRUE(replicas.wait_until_all(kCedarCheck, allows, milliseconds(10000), &last));
  // ...and it can fail: a condition that never holds ends at the bound.
  const auto start = Clock::now();
  EXPECT_FALSE(replicas.wait_until_all(
      kCedarCheck, [](const json& answer) { return outcome_of(answer) == "deny"; },
      milliseconds(300), &last));
  EXPECT_LT(Clock::now() - start, milliseconds(10000));
  ASSERT_EQ(last.size(), 3U);
  EXPECT_EQ(outcome_of(last[2]), "allow");
}

TEST(Replicas, GreetEveryConnectionWithTheGivenHello) {
  // `tenet serve --store` always authenticates: every connection the
  // harness makes sends the hello first.
  const test_support::TempDir dir("tenet-fleet-tokens");
  const auto made = tenet({"token", "new", "--tenant", "cedar", "--rights", "check"});
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string token = made.output.substr(0, made.output.find('\n'));
  const std::string file_line = made.output.substr(token.size() + 1);
  const std::string tokens = (dir.path() / "tokens").string();
  std::ofstream(tokens) << file_line;

  Replicas replicas(kBinary, 2, {kPolicies, "--tokens", tokens});
  ASSERT_TRUE(replicas.started()) << replicas.error();
  EXPECT_EQ(outcome_of(replicas.ask(0, kCedarCheck)), "error:unauthenticated");
  replicas.greet_with(json{{"op", "hello"}, {"token", token}}.dump());
  for (const json& answer : replicas.ask_all(kCedarCheck)) EXPECT_EQ(outcome_of(answer), "allow");
  // A hello the replica refuses leaves the connection closed, not half-open.
  replicas.greet_with(json{{"op", "hello"}, {"token", "tnt_not_a_token"}}.dump());
  EXPECT_FALSE(replicas.connect(1).open());
  EXPECT_TRUE(replicas.ask(1, kCedarCheck).is_discarded());
}

TEST(Replicas, OneServerWithArgumentsOnly) {
  // What a fleet test writes for one replica: no DIR added by the macro.
  TENET_START_SERVER_WITH(server, kBinary, {kPolicies, "--threads", "1"});
  LineClient client = test_support::connect_tcp(server);
  EXPECT_EQ(outcome_of(test_support::parse_answer(client.request(kCedarCheck))), "allow");
}

TEST(Replicas, StartWithoutADirectoryArgumentReportsTheServersError) {
  // No DIR and no --store: `tenet serve` refuses, and the harness says why.
  const Replicas replicas(kBinary, 2, std::vector<std::string>{});
  EXPECT_FALSE(replicas.started());
  EXPECT_NE(replicas.error().find("replica 0 did not start"), std::string::npos)
      << replicas.error();
  EXPECT_EQ(replicas.size(), 1U);
}

// -------------------------------------------------------------------- Traffic

TEST(Traffic, CountsEveryAnswerThroughAStoreOutage) {
  // Today the replicas serve a directory, so the outage must not cost one
  // answer; the fleet tests run the same shape against `--store`.
  OwnCluster cluster;
  Replicas replicas(kBinary, 2, {kPolicies});
  ASSERT_TRUE(replicas.started()) << replicas.error();
  Traffic traffic(replicas, kCedarCheck, 16);
  ASSERT_TRUE(traffic.wait_answered(200, milliseconds(20000)));
  cluster.stop(StopMode::immediate);
  const std::size_t during = traffic.tally().answered;
  ASSERT_TRUE(traffic.wait_answered(during + 200, milliseconds(20000)));
  cluster.start();
  const Tally seen = traffic.stop();
  EXPECT_GT(seen.sent, 0U);
  EXPECT_EQ(seen.answered, seen.sent);
  EXPECT_EQ(seen.missing, 0U);
  EXPECT_EQ(seen.connect_failures, 0U);
  EXPECT_EQ(seen.count("allow"), seen.answered) << replicas.stderr_text();
}

TEST(Traffic, NoticesAReplicaThatDies) {
  Replicas replicas(kBinary, 2, {kPolicies});
  ASSERT_TRUE(replicas.started()) << replicas.error();
  Traffic traffic(replicas, kCedarCheck, 16, milliseconds(500));
  ASSERT_TRUE(traffic.wait_answered(100, milliseconds(20000)));
  ASSERT_TRUE(replicas.at(1).signal(SIGKILL));
  ASSERT_TRUE(replicas.at(1).wait_exit(milliseconds(5000)).has_value());
  const std::size_t after_kill = traffic.tally().answered;
  ASSERT_TRUE(traffic.wait_answered(after_kill + 100, milliseconds(20000)));  // replica 0 goes on
  // The thread of replica 1 sees the death when it next connects, which can
  // come after replica 0's answers under load: wait for it (bounded).
  const auto deadline = std::chrono::steady_clock::now() + milliseconds(10000);
  while (traffic.tally().connect_failures == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  const Tally seen = traffic.stop();
  EXPECT_GT(seen.connect_failures, 0U);
  EXPECT_EQ(seen.answered + seen.missing, seen.sent);
  EXPECT_EQ(seen.count("allow"), seen.answered);
}

}  // namespace
}  // namespace tenet::fleet
