#include "tests/fleet/replicas.hpp"

#include <algorithm>
#include <chrono>

#include "tests/support/json_answer.hpp"

namespace tenet::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

const json kNoAnswer = json(json::value_t::discarded);

}  // namespace

// ------------------------------------------------------------------ Replicas

Replicas::Replicas(const std::string& binary, std::size_t count, const ArgsOf& args_of)
    : binary_(binary) {
  for (std::size_t i = 0; i < count; ++i) {
    // --listen last: it takes several values, so before a DIR it would
    // swallow it.
    std::vector<std::string> args = args_of(i);
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args_.push_back(args);
    servers_.push_back(std::make_unique<ServerProcess>(binary_, args, 1));
    if (!servers_.back()->started() || servers_.back()->tcp_port() <= 0) {
      error_ = "replica " + std::to_string(i) + " did not start: " + servers_.back()->error();
      return;
    }
  }
}

Replicas::Replicas(const std::string& binary, std::size_t count,
                   const std::vector<std::string>& args)
    : Replicas(binary, count, [&args](std::size_t) { return args; }) {}

LineClient Replicas::connect(std::size_t index, Millis timeout) const {
  std::optional<LineClient> client = LineClient::tcp(port(index), timeout);
  if (!client) return LineClient();
  if (!greeting_.empty()) {
    const json answer = test_support::parse_answer(client->request(greeting_, timeout));
    if (!answer.is_object() || answer.value("ok", false) != true) return LineClient();
  }
  return std::move(*client);
}

json Replicas::ask(std::size_t index, const std::string& line, Millis timeout) const {
  LineClient client = connect(index, timeout);
  if (!client.open()) return kNoAnswer;
  return test_support::parse_answer(client.request(line, timeout));
}

std::vector<json> Replicas::ask_all(const std::string& line, Millis timeout) const {
  std::vector<json> answers;
  answers.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) answers.push_back(ask(i, line, timeout));
  return answers;
}

bool Replicas::wait_until_all(const std::string& line,
                              const std::function<bool(const json&)>& accept, Millis timeout,
                              std::vector<json>* last, Millis interval) const {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const std::vector<json> answers = ask_all(line);
    if (last != nullptr) *last = answers;
    if (!answers.empty() && std::all_of(answers.begin(), answers.end(), accept)) return true;
    if (Clock::now() + interval >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

std::string Replicas::stderr_text() const {
  std::string text;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    text += "--- replica " + std::to_string(i) + " stderr:\n" + servers_[i]->stderr_text();
  }
  return text;
}

bool Replicas::restart(std::size_t index) {
  // The old process first: its destructor kills and reaps it.
  servers_.at(index).reset();
  servers_[index] = std::make_unique<ServerProcess>(binary_, args_.at(index), 1);
  if (!servers_[index]->started() || servers_[index]->tcp_port() <= 0) {
    error_ =
        "replica " + std::to_string(index) + " did not start again: " + servers_[index]->error();
    return false;
  }
  return true;
}

// --------------------------------------------------------------------- Tally

Tally& Tally::operator+=(const Tally& other) {
  sent += other.sent;
  answered += other.answered;
  missing += other.missing;
  connect_failures += other.connect_failures;
  for (const auto& [outcome, count] : other.outcomes) outcomes[outcome] += count;
  for (const auto& [answer, count] : other.answers) answers[answer] += count;
  return *this;
}

std::string outcome_of(const json& answer) {
  if (!answer.is_object()) return "other";
  // First the error: a decision op refused (unauthenticated, say) answers
  // "decision":"deny" with its error, and that is not a policy's deny.
  const std::string code = test_support::error_code(answer);
  if (!code.empty()) return "error:" + code;
  if (answer.contains("decision") && answer["decision"].is_string()) return answer["decision"];
  if (answer.value("ok", false) == true) return "ok";
  return "other";
}

// ------------------------------------------------------------------- Traffic

Traffic::Traffic(const Replicas& replicas, std::string line, std::size_t batch,
                 Millis answer_timeout, Millis limit, Millis pause)
    : replicas_(replicas),
      line_(std::move(line)),
      batch_(std::max<std::size_t>(batch, 1)),
      answer_timeout_(answer_timeout),
      limit_(limit),
      pause_(pause),
      tallies_(replicas.size()) {
  threads_.reserve(replicas.size());
  for (std::size_t i = 0; i < replicas.size(); ++i) threads_.emplace_back([this, i] { run(i); });
}

Traffic::~Traffic() { (void)stop(); }

void Traffic::run(std::size_t index) {
  std::string payload;
  for (std::size_t i = 0; i < batch_; ++i) payload += line_ + "\n";
  const auto deadline = Clock::now() + limit_;
  LineClient client;
  while (!stopping_ && Clock::now() < deadline) {
    if (!client.open()) {
      client = replicas_.connect(index, answer_timeout_);
      if (!client.open()) {
        {
          const std::lock_guard lock(mutex_);
          ++tallies_[index].connect_failures;
        }
        // A replica that is down: try again soon, not in a tight loop.
        std::this_thread::sleep_for(Millis(20));
        continue;
      }
    }
    const std::vector<std::string> answers = client.round_trip(payload, batch_, answer_timeout_);
    Tally batch;
    batch.sent = batch_;
    batch.answered = answers.size();
    batch.missing = batch_ - answers.size();
    for (const std::string& answer : answers) {
      ++batch.outcomes[outcome_of(json::parse(answer, nullptr, false))];
      ++batch.answers[answer];
    }
    {
      const std::lock_guard lock(mutex_);
      tallies_[index] += batch;
    }
    // A short batch leaves the connection out of step: start a new one.
    if (batch.missing > 0) client.close();
    if (pause_.count() > 0) std::this_thread::sleep_for(pause_);
  }
}

Tally Traffic::tally() const {
  const std::lock_guard lock(mutex_);
  Tally total;
  for (const Tally& each : tallies_) total += each;
  return total;
}

bool Traffic::wait_answered(std::size_t at_least, Millis timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (tally().answered < at_least) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Millis(5));
  }
  return true;
}

Tally Traffic::stop() {
  stopping_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  return tally();
}

}  // namespace tenet::fleet
