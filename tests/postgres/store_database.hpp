// Shared by the store's PostgreSQL tests (store_migration_test,
// publish_test): a throw-away database of each test's own on the tests'
// cluster, and the real `tenet` binary run as a user would run it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "tests/postgres/pg_session.hpp"

namespace tenet::pgtest {

// A throw-away database, dropped at the end.
class StoreDatabase {
 public:
  StoreDatabase() {
    static std::atomic<int> counter{0};
    name_ = "tenet_store_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    PgSession("tenet_admin", "postgres").exec("CREATE DATABASE " + name_);
  }
  ~StoreDatabase() {
    try {
      PgSession("tenet_admin", "postgres")
          .exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const PgError&) {
      // Best effort: the cluster is thrown away after the tests anyway.
    }
  }
  StoreDatabase(const StoreDatabase&) = delete;
  StoreDatabase& operator=(const StoreDatabase&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::string url() const {
    return "host=" + socket_dir() + " port=5432 user=tenet_admin dbname=" + name_;
  }

 private:
  std::string name_;
};

// Runs a shell command line; its exit status and stdout+stderr.
inline std::pair<int, std::string> run_command(const std::string& command_line) {
  const std::string command = command_line + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string output;
  std::array<char, 4096> buffer{};
  while (pipe && std::fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr)
    output += buffer.data();
  const int status = pipe ? ::pclose(pipe.release()) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// Runs the real `tenet` binary; its exit status and stdout+stderr.
inline std::pair<int, std::string> run_tenet(const std::string& arguments) {
  return run_command(std::string(TENET_BINARY) + ' ' + arguments);
}

}  // namespace tenet::pgtest
