// A fake `tenet serve` on 127.0.0.1 for the client tests (C++ and C ABI):
// what the real server does not do on demand. It answers slowly, closes a
// connection in the middle of a request, or sends half an answer, as the test
// scripts it per request. Every answer names the request it answers:
//   {"id": (echoed), "decision": "allow" for alice else "deny", "reasons": ["for:PRINCIPAL"]}
// so a client that returns `for:alice` to a call about bob paired it with
// another request's answer. Answers stay in request order on a connection.
//
// Plain POSIX sockets and one thread per connection; every wait polls a stop
// flag, so the destructor ends every thread within ~50 ms.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace tenet::test_support {

class ScriptedServer {
 public:
  enum class Action { answer, close, half_answer_then_close };
  struct Request {
    int connection = 0;  // 1 for the first connection accepted, ...
    int index = 0;       // 1 for the first request on its connection, ...
    nlohmann::json body;
  };
  struct Script {
    std::chrono::milliseconds delay{0};  // before the answer (or the close)
    Action action = Action::answer;
  };
  using Director = std::function<Script(const Request&)>;

  explicit ScriptedServer(Director director) : director_(std::move(director)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    threads_.emplace_back([this] { accept_loop(); });
  }

  ~ScriptedServer() {
    stop_ = true;
    std::vector<std::thread> threads;
    {
      const std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
    {  // threads accepted while joining the accept thread
      const std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
    if (listener_ >= 0) ::close(listener_);
  }

  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int connections() const { return connections_; }
  [[nodiscard]] int requests() const { return requests_; }

  // The answer a well-behaved server gives (with its newline).
  static std::string answer_for(const nlohmann::json& request) {
    nlohmann::json answer = nlohmann::json::object();
    if (request.contains("id")) answer["id"] = request["id"];
    const std::string op = request.value("op", "");
    if (op == "hello" || op == "health") {
      answer["ok"] = true;
      answer["tenant"] = "acme";
      answer["version"] = "scripted";
    } else {
      const std::string principal =
          request.contains("principal") ? request["principal"].value("id", "") : "";
      answer["decision"] = principal == "alice" ? "allow" : "deny";
      answer["reasons"] = nlohmann::json::array({"for:" + principal});
    }
    return answer.dump() + "\n";
  }

 private:
  // Waits for `fd` to be readable for up to 50 ms; false when stopping.
  bool readable(int fd) const {
    while (!stop_) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 50) > 0) return true;
    }
    return false;
  }

  // Sleeps `delay` unless the server stops first.
  bool wait(std::chrono::milliseconds delay) const {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
      if (stop_) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return !stop_;
  }

  void accept_loop() {
    while (readable(listener_)) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      const int connection = ++connections_;
      const std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd, connection] { serve(fd, connection); });
    }
  }

  void serve(int fd, int connection) {
    std::string buffer;
    int index = 0;
    char chunk[4096];
    bool open = true;
    while (open && readable(fd)) {
      const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
      if (got <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(got));
      for (std::size_t end; open && (end = buffer.find('\n')) != std::string::npos;) {
        const std::string line = buffer.substr(0, end);
        buffer.erase(0, end + 1);
        ++requests_;
        const Request request{connection, ++index, nlohmann::json::parse(line, nullptr, false)};
        const Script script = director_(request);
        if (!wait(script.delay)) {
          open = false;
          break;
        }
        const std::string answer = answer_for(request.body);
        switch (script.action) {
          case Action::answer:
            open = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL) ==
                   static_cast<ssize_t>(answer.size());
            break;
          case Action::half_answer_then_close:
            (void)::send(fd, answer.data(), answer.size() / 2, MSG_NOSIGNAL);
            open = false;
            break;
          case Action::close:
            open = false;
            break;
        }
      }
    }
    ::close(fd);
  }

  Director director_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace tenet::test_support
