// A PostgreSQL cluster of the test's own, for the fleet tests: they stop and
// restart PostgreSQL mid-test (replicas keep serving from memory while the
// store is away, "fail static", and catch up when it is back), so they cannot
// share the ctest fixture cluster of tests/postgres/.
//
// Each OwnCluster is a fresh throw-away cluster made by
// tests/postgres/pg_cluster.sh (the same roles as the fixture: superuser
// tenet_admin with trust authentication, plus tenet_owner, tenet_app and the
// database tenet_test): initdb --no-sync, fsync=off, no TCP at all, its
// Unix socket in a short folder /tmp/tenet-fleet-PID-N (port 5432 inside
// it), its data in /tmp/tenet-fleet-PID-N-data. Run as root, the server runs
// as the `postgres` system user (pg_cluster.sh sees to it).
//
//   fleet::OwnCluster cluster;                  // started (about 2 s)
//   cluster.create_database("fleet");
//   const std::string url = cluster.url("fleet");  // for --store / tenet store init
//   cluster.stop();                             // connections now fail at once
//   cluster.start();                            // same socket, data kept
//
// Every step is bounded (pg_cluster.sh waits at most 30 s for pg_ctl, the
// C++ side kills it after 60 s). Failures throw ClusterError with what
// pg_cluster.sh or PostgreSQL said. The destructor stops the server and
// deletes both folders. A test binary killed before its destructors ran
// (a ctest timeout) leaves a cluster behind: the next OwnCluster of any test
// process removes clusters whose process is gone.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace tenet::fleet {

class ClusterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class StopMode {
  fast,       // clients disconnected, a checkpoint: an operator's restart
  immediate,  // no checkpoint, recovery at the next start: like a crash
};

class OwnCluster {
 public:
  OwnCluster();
  ~OwnCluster();
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  // A libpq keyword string for `database`: "host=SOCKET_DIR port=5432
  // user=tenet_admin dbname=DATABASE" (`database` as create_database takes it).
  [[nodiscard]] std::string url(const std::string& database) const;
  [[nodiscard]] const std::string& socket_dir() const { return socket_dir_; }

  // CREATE DATABASE `name` (lower-case letters, digits and '_', starting with
  // a letter; anything else is refused before it reaches SQL).
  void create_database(const std::string& name) const;

  // Shuts the server down and keeps the data; the socket disappears, so a
  // libpq connection fails at once ("No such file or directory").
  void stop(StopMode mode = StopMode::fast);
  // Starts the stopped server again on the same socket; returns once it
  // accepts connections.
  void start();
  [[nodiscard]] bool running() const { return running_; }

  // The server's log so far (for a failing test's message).
  [[nodiscard]] std::string server_log() const;

  // Stops and deletes the clusters of test processes that are gone
  // (/tmp/tenet-fleet-PID-N whose PID no longer exists); how many. The
  // first OwnCluster of a process calls it.
  static std::size_t remove_abandoned();

 private:
  // Runs pg_cluster.sh ACTION with this cluster's folders (and `extra`);
  // throws ClusterError unless it exits 0.
  void run_script(const std::string& action, const std::string& extra = {}) const;

  std::string socket_dir_;
  std::string data_dir_;
  bool running_ = false;
};

}  // namespace tenet::fleet
