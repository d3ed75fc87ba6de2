#include "tests/fleet/own_cluster.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <vector>

#include "tests/support/run_process.hpp"

namespace tenet::fleet {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// pg_cluster.sh bounds each pg_ctl at 30 s and psql at 30 s; this is the
// backstop should the script itself hang.
constexpr milliseconds kScriptTimeout(60000);

// Literally /tmp, not $TMPDIR: a Unix socket path must stay under ~100
// bytes, and the server user must reach the folder when the tests run as root.
const fs::path kSocketParent = "/tmp";
const std::string kPrefix = "tenet-fleet-";

std::vector<std::string> script_command(const std::string& action, const std::string& data_dir,
                                        const std::string& socket_dir) {
  return {TENET_PG_CLUSTER_SCRIPT, action, data_dir, socket_dir, TENET_PG_BINDIR};
}

bool valid_database_name(const std::string& name) {
  static const std::regex kIdentifier("[a-z][a-z0-9_]{0,62}");
  return std::regex_match(name, kIdentifier);
}

}  // namespace

// Clusters left by a test process that died before its destructors ran
// (SIGKILL at a ctest timeout): a folder /tmp/tenet-fleet-PID-N whose PID
// is gone. Bounded: one pass over /tmp, each stop bounded by the script.
std::size_t OwnCluster::remove_abandoned() {
  static const std::regex kName("tenet-fleet-([0-9]+)-[0-9]+");
  std::error_code error;
  std::vector<fs::path> abandoned;
  for (const fs::directory_entry& entry : fs::directory_iterator(kSocketParent, error)) {
    std::smatch match;
    const std::string name = entry.path().filename().string();
    if (!std::regex_match(name, match, kName)) continue;
    const long pid = std::atol(match[1].str().c_str());
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours
    abandoned.push_back(entry.path());
  }
  for (const fs::path& socket_dir : abandoned) {
    (void)test_support::run_process(
        script_command("stop", socket_dir.string() + "-data", socket_dir.string()), kScriptTimeout);
  }
  return abandoned.size();
}

OwnCluster::OwnCluster() {
  static std::once_flag cleaned;
  std::call_once(cleaned, [] { (void)remove_abandoned(); });
  static std::atomic<int> counter{0};
  socket_dir_ = (kSocketParent / (kPrefix + std::to_string(::getpid()) + "-" +
                                  std::to_string(counter.fetch_add(1))))
                    .string();
  data_dir_ = socket_dir_ + "-data";  // pg_cluster.sh's own fallback folder
  try {
    run_script("start");
  } catch (const ClusterError&) {
    (void)test_support::run_process(script_command("stop", data_dir_, socket_dir_), kScriptTimeout);
    throw;
  }
  running_ = true;
}

OwnCluster::~OwnCluster() {
  try {
    run_script("stop");
  } catch (const ClusterError&) {
    // Nothing more to do in a destructor; the next OwnCluster of another
    // process removes what is left (remove_abandoned_clusters).
  }
}

void OwnCluster::run_script(const std::string& action, const std::string& extra) const {
  std::vector<std::string> command = script_command(action, data_dir_, socket_dir_);
  if (!extra.empty()) command.push_back(extra);
  const test_support::ProcessResult result = test_support::run_process(command, kScriptTimeout);
  if (!result.ok()) {
    throw ClusterError("pg_cluster.sh " + action + " failed (status " +
                       std::to_string(result.status) + "): " + result.output);
  }
}

std::string OwnCluster::url(const std::string& database) const {
  return "host=" + socket_dir_ + " port=5432 user=tenet_admin dbname=" + database;
}

void OwnCluster::create_database(const std::string& name) const {
  if (!valid_database_name(name)) {
    throw ClusterError("not a database name the fleet tests use: '" + name + "'");
  }
  struct Finish {
    void operator()(PGconn* connection) const { PQfinish(connection); }
  };
  struct Clear {
    void operator()(PGresult* result) const { PQclear(result); }
  };
  const std::unique_ptr<PGconn, Finish> connection(
      PQconnectdb((url("postgres") + " connect_timeout=10").c_str()));
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    throw ClusterError("cannot connect to " + socket_dir_ + ": " +
                       (connection ? PQerrorMessage(connection.get()) : "out of memory"));
  }
  const std::unique_ptr<PGresult, Clear> result(
      PQexec(connection.get(), ("CREATE DATABASE " + name).c_str()));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw ClusterError("CREATE DATABASE " + name + ": " + PQerrorMessage(connection.get()));
  }
}

void OwnCluster::stop(StopMode mode) {
  run_script("stop-keep", mode == StopMode::fast ? "fast" : "immediate");
  running_ = false;
}

void OwnCluster::start() {
  run_script("restart");
  running_ = true;
}

std::string OwnCluster::server_log() const {
  std::ifstream in(data_dir_ + "/server.log", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tenet::fleet
