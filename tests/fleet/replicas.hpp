// N real `tenet serve` processes (the fleet's replicas) and the traffic the
// fleet tests send them, over tests/support/server_process.
//
//   fleet::Replicas replicas(binary, 3, {"--store", cluster.url("fleet")});
//   replicas.greet_with(hello_line);       // store mode always authenticates
//   replicas.wait_until_all(check_line, is_allow, Millis(10000));  // converged?
//   fleet::Traffic traffic(replicas, check_line);  // pipelined checks, one thread per replica
//   cluster.stop(); ...; cluster.start();
//   const fleet::Tally seen = traffic.stop();      // every request answered?
//
// Each replica is `BINARY serve ARGS... --listen 127.0.0.1:0` (no DIR is
// added: `tenet serve --store URL` takes none; pass a DIR in ARGS to serve a
// directory). Every wait is bounded; nothing throws: failures are reported
// by started()/error(), a discarded JSON answer, or the tally's counts.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/server_process.hpp"

namespace tenet::fleet {

using test_support::LineClient;
using test_support::Millis;
using test_support::ServerProcess;

class Replicas {
 public:
  using ArgsOf = std::function<std::vector<std::string>(std::size_t index)>;

  // Starts `count` replicas one after another, replica i with `args_of(i)`
  // (a --cache-dir of its own, say); stops at the first that does not start.
  Replicas(const std::string& binary, std::size_t count, const ArgsOf& args_of);
  // The same arguments for each.
  Replicas(const std::string& binary, std::size_t count, const std::vector<std::string>& args);

  [[nodiscard]] bool started() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::size_t size() const { return servers_.size(); }
  [[nodiscard]] ServerProcess& at(std::size_t index) { return *servers_.at(index); }
  [[nodiscard]] int port(std::size_t index) const { return servers_.at(index)->tcp_port(); }

  // Every connection made from now on (connect, ask, Traffic) first sends
  // this line and requires an answer with "ok":true.
  void greet_with(std::string hello_line) { greeting_ = std::move(hello_line); }

  // A new, greeted connection to replica `index`; unconnected (error()
  // says why) when it cannot connect or the greeting is refused.
  [[nodiscard]] LineClient connect(std::size_t index, Millis timeout = Millis(5000)) const;

  // One request on a new connection to replica `index`: its answer parsed,
  // or a discarded JSON value (is_discarded()) when none came within
  // `timeout` or the connection failed.
  [[nodiscard]] nlohmann::json ask(std::size_t index, const std::string& line,
                                   Millis timeout = Millis(5000)) const;
  // ask() of every replica, in order.
  [[nodiscard]] std::vector<nlohmann::json> ask_all(const std::string& line,
                                                    Millis timeout = Millis(5000)) const;

  // Asks every replica `line` every `interval` until `accept` holds for all
  // their answers at once, for at most `timeout`. True when it did; the
  // last answers in `last` (for the failure message) when given.
  bool wait_until_all(const std::string& line,
                      const std::function<bool(const nlohmann::json&)>& accept, Millis timeout,
                      std::vector<nlohmann::json>* last = nullptr,
                      Millis interval = Millis(50)) const;

  // What every replica wrote on stderr so far, each under a heading.
  [[nodiscard]] std::string stderr_text() const;

  // Starts replica `index` again with its arguments (after a kill -9, say):
  // the old process is killed (if still running) and reaped first; the new
  // one listens on a new port. False (error() says why) when it does not
  // start. Not while a Traffic runs: its threads read the ports.
  bool restart(std::size_t index);

 private:
  std::string binary_;
  std::vector<std::vector<std::string>> args_;  // each replica's, --listen included
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  std::string greeting_;
  std::string error_;
};

// How a stream of requests went: every request sent is answered or missing.
struct Tally {
  std::size_t sent = 0;
  std::size_t answered = 0;
  std::size_t missing = 0;           // no answer within the timeout / connection lost
  std::size_t connect_failures = 0;  // a connection (or its greeting) that failed
  // Answers by outcome: "error:CODE" for an answer with an error (also a
  // decision op's refusal, which carries "decision":"deny"), else the
  // "decision" ("allow", "deny"), "ok" (an answer with "ok":true and no
  // decision), or "other".
  std::map<std::string, std::size_t> outcomes;
  // Every distinct answer line, and how often it came: a test that knows
  // the one answer a request must get (its reasons and revision too, not
  // only allow or deny) sees any other.
  std::map<std::string, std::size_t> answers;

  Tally& operator+=(const Tally& other);
  [[nodiscard]] std::size_t count(const std::string& outcome) const {
    const auto found = outcomes.find(outcome);
    return found == outcomes.end() ? 0 : found->second;
  }
};

// The outcome of one answer line, as Tally counts it.
[[nodiscard]] std::string outcome_of(const nlohmann::json& answer);

// Pipelined requests to every replica while a test does something else (a
// store outage): one thread per replica, one connection each, sending
// `line` in batches of `batch` and reading every answer (a batch's missing
// answers count as missing and the connection is made again). Runs until
// stop(), or `limit` at most. With a `pause`, each thread waits that long
// between batches: clients that keep asking without taking every core of a
// small machine from the store and the replicas.
class Traffic {
 public:
  Traffic(const Replicas& replicas, std::string line, std::size_t batch = 32,
          Millis answer_timeout = Millis(5000), Millis limit = Millis(120000),
          Millis pause = Millis(0));
  ~Traffic();
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

  // The counts so far, over all replicas.
  [[nodiscard]] Tally tally() const;
  // Waits (at most `timeout`) until `answered` reaches `at_least`; true
  // when it did. Lets a test be sure traffic flowed before and after an event.
  bool wait_answered(std::size_t at_least, Millis timeout) const;
  // Stops every thread (each ends within one batch's answer timeout); the
  // final counts.
  Tally stop();

 private:
  void run(std::size_t index);

  const Replicas& replicas_;
  const std::string line_;
  const std::size_t batch_;
  const Millis answer_timeout_;
  const Millis limit_;
  const Millis pause_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Tally> tallies_;  // one per replica, under mutex_
  std::vector<std::thread> threads_;
};

}  // namespace tenet::fleet
