#include "bench/echo_floor.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace tenet::bench {

namespace {

// A socket that closes itself.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

void no_delay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Reads exactly size bytes within 5 s; false on EOF, error or timeout.
bool read_exactly(int fd, char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return false;
    const ssize_t n = ::recv(fd, data + got, size - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const char* data, std::size_t size) {
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<LatencyHistogram> measure_echo_floor(std::size_t round_trips,
                                                   std::size_t message_bytes) {
  const Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return std::nullopt;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return std::nullopt;
  }

  std::thread echo([&listener, message_bytes] {
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return;
    const Fd peer(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (peer.get() < 0) return;
    no_delay(peer.get());
    std::string buffer(message_bytes, '\0');
    while (read_exactly(peer.get(), buffer.data(), buffer.size()) &&
           write_all(peer.get(), buffer.data(), buffer.size())) {
    }
  });

  std::optional<LatencyHistogram> histogram;
  {
    const Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (client.get() >= 0 &&
        ::connect(client.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
      no_delay(client.get());
      std::string message(message_bytes, 'x');
      message.back() = '\n';
      std::string reply(message_bytes, '\0');
      LatencyHistogram result;
      const std::size_t warm_up = round_trips / 10;
      bool ok = true;
      for (std::size_t i = 0; i < round_trips + warm_up && ok; ++i) {
        const auto start = std::chrono::steady_clock::now();
        ok = write_all(client.get(), message.data(), message.size()) &&
             read_exactly(client.get(), reply.data(), reply.size());
        const auto elapsed = std::chrono::steady_clock::now() - start;
        if (i >= warm_up) {
          result.record(static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
        }
      }
      if (ok) histogram = result;
    }
  }  // closing the client ends the echo thread's loop
  echo.join();
  return histogram;
}

}  // namespace tenet::bench
