#include "tests/support/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>

namespace tenet::test_support {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

std::filesystem::path unique_temp(const std::string& stem) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() /
         (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
}

// Waits for a non-blocking connect to finish.
bool finish_connect(int fd, Millis timeout, std::string& error) {
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
    error = "connect timed out";
    return false;
  }
  int so_error = 0;
  socklen_t length = sizeof so_error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
  if (so_error != 0) {
    error = std::string("connect: ") + std::strerror(so_error);
    return false;
  }
  return true;
}

}  // namespace

std::string tenet_binary(const char* compiled_in) {
  const char* override_path = std::getenv("TENET_SERVE_BINARY");
  return override_path != nullptr && *override_path != '\0' ? override_path : compiled_in;
}

// ------------------------------------------------------------------ ServerProcess

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             std::size_t expected_endpoints, Millis timeout)
    : stderr_path_(unique_temp("tenet-serve-stderr")) {
  std::vector<std::string> argv_strings{binary, "serve"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err_fd < 0) {
    error_ = "cannot create " + stderr_path_.string();
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    // Child: stderr and stdout to the file, stdin from /dev/null, no other fd.
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(err_fd, 1);
    ::dup2(err_fd, 2);
    ::close_range(3, ~0U, 0);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(err_fd);
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }

  const auto deadline = Clock::now() + timeout;
  // The `ready` line comes after the listening lines and after the start has
  // been recorded in the audit trail: a test that reads that trail (or anything
  // else written during start) right away must not race the server.
  std::size_t found = 0;
  bool ready = false;
  while (found < expected_endpoints || !ready) {
    found = 0;
    std::istringstream in(stderr_text());
    for (std::string line; std::getline(in, line);) {
      const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (!event.is_object()) continue;
      if (event.value("event", "") == "ready") ready = true;
      if (event.value("event", "") != "listening") continue;
      ++found;
      if (event.contains("address") && event["address"].is_string()) {
        const std::string address = event["address"];
        tcp_port_ = std::atoi(address.substr(address.rfind(':') + 1).c_str());
      }
      if (event.contains("unix") && event["unix"].is_string()) unix_path_ = event["unix"];
    }
    if (found >= expected_endpoints && ready) break;
    if (!running()) {
      error_ = "tenet serve exited (status " + std::to_string(exit_status_) + "): " + stderr_text();
      return;
    }
    if (Clock::now() >= deadline) {
      error_ = "no listening and ready lines within " + std::to_string(timeout.count()) +
               " ms: " + stderr_text();
      return;
    }
    std::this_thread::sleep_for(Millis(10));
  }
  started_ = true;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ignored;
  std::filesystem::remove(stderr_path_, ignored);
}

std::string ServerProcess::stderr_text() const {
  std::ifstream in(stderr_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<long> ServerProcess::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return std::nullopt;
}

void ServerProcess::reap_nonblocking() {
  if (pid_ <= 0 || reaped_) return;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

bool ServerProcess::running() {
  reap_nonblocking();
  return pid_ > 0 && !reaped_;
}

bool ServerProcess::signal(int signal_number) const {
  return pid_ > 0 && !reaped_ && ::kill(pid_, signal_number) == 0;
}

std::optional<int> ServerProcess::wait_exit(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    reap_nonblocking();
    if (reaped_) return exit_status_;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(Millis(5));
  }
}

// --------------------------------------------------------------------- LineClient

std::optional<LineClient> LineClient::tcp(int port, Millis timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  LineClient client(fd);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS || !finish_connect(fd, timeout, client.error_)) return std::nullopt;
  }
  return client;
}

std::optional<LineClient> LineClient::unix_socket(const std::string& path, Millis timeout) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  LineClient client(fd);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return std::nullopt;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if ((errno != EINPROGRESS && errno != EAGAIN) || !finish_connect(fd, timeout, client.error_)) {
      return std::nullopt;
    }
  }
  return client;
}

LineClient::~LineClient() { close(); }

LineClient::LineClient(LineClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      error_(std::move(other.error_)),
      eof_(other.eof_) {}

LineClient& LineClient::operator=(LineClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    error_ = std::move(other.error_);
    eof_ = other.eof_;
  }
  return *this;
}

void LineClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void LineClient::shutdown_write() const {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

std::size_t LineClient::send(std::string_view bytes, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      error_ = std::string("send: ") + std::strerror(errno);
      break;
    }
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
      error_ = "send timed out";
      break;
    }
  }
  return sent;
}

bool LineClient::take_line(std::string& line) {
  const std::size_t end = buffer_.find('\n');
  if (end == std::string::npos) return false;
  line.assign(buffer_, 0, end);
  buffer_.erase(0, end + 1);
  return true;
}

bool LineClient::fill(Millis timeout) {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;  // nothing yet
  char chunk[65536];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n > 0) {
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  eof_ = true;
  if (n < 0) error_ = std::string("recv: ") + std::strerror(errno);
  return false;
}

std::optional<std::string> LineClient::read_line(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string line;
  while (!take_line(line)) {
    if (Clock::now() >= deadline || !fill(Millis(remaining_ms(deadline)))) return std::nullopt;
  }
  return line;
}

std::vector<std::string> LineClient::read_lines(std::size_t count, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> lines;
  std::string line;
  while (lines.size() < count) {
    if (take_line(line)) {
      lines.push_back(line);
      continue;
    }
    if (Clock::now() >= deadline || !fill(Millis(remaining_ms(deadline)))) break;
  }
  return lines;
}

std::vector<std::string> LineClient::round_trip(std::string_view bytes, std::size_t count,
                                                Millis timeout,
                                                const std::function<void()>& on_all_sent) {
  const auto deadline = Clock::now() + timeout;
  std::vector<std::string> lines;
  std::size_t sent = 0;
  bool announced = false;
  std::string line;
  while (lines.size() < count && fd_ >= 0 && Clock::now() < deadline) {
    if (take_line(line)) {
      lines.push_back(line);
      continue;
    }
    if (sent == bytes.size() && !announced) {
      announced = true;
      if (on_all_sent) on_all_sent();
    }
    if (eof_) break;
    const bool want_write = sent < bytes.size();
    pollfd p{fd_, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, std::min(remaining_ms(deadline), 100)) <= 0) continue;
    if ((p.revents & POLLOUT) != 0 && want_write) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !fill(Millis(0))) {
      while (take_line(line)) lines.push_back(line);
      break;
    }
  }
  return lines;
}

std::optional<std::string> LineClient::request(std::string_view line, Millis timeout) {
  std::string bytes(line);
  bytes += '\n';
  if (!send_all(bytes, timeout)) return std::nullopt;
  return read_line(timeout);
}

bool LineClient::wait_closed(Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!fill(Millis(remaining_ms(deadline)))) return eof_;
    buffer_.clear();
  }
  return false;
}

}  // namespace tenet::test_support
