// The real `tenet serve` as a child process, and a blocking line client, for
// the socket-level integration tests (tests/integration/server_integration_test.cpp).
//
// ServerProcess forks and execs the tenet binary with `serve ARGS...`, sends
// its stderr to a temporary file, and waits (bounded) for the
// {"event":"listening",...} lines that give the TCP port and the Unix socket
// path. It is killed (SIGKILL) and reaped on destruction unless it already
// exited. LineClient talks NDJSON over TCP or a Unix socket with plain POSIX
// sockets; every call is bounded by a timeout. Neither class throws: failures
// are reported as empty optionals / false, with a reason in error().
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::test_support {

using Millis = std::chrono::milliseconds;

// The tenet binary the tests run: $TENET_SERVE_BINARY when set (to try a
// server built elsewhere), else the one given at compile time.
[[nodiscard]] std::string tenet_binary(const char* compiled_in);

class ServerProcess {
 public:
  // Starts `BINARY serve ARGS...` and waits up to `timeout` for one
  // listening line per endpoint (`expected_endpoints`). The default is
  // generous (a compile under ASan on a loaded machine); the wait ends as
  // soon as the lines appear or the process exits.
  ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                std::size_t expected_endpoints, Millis timeout = Millis(60000));
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int tcp_port() const { return tcp_port_; }  // 0 when none
  [[nodiscard]] const std::string& unix_path() const { return unix_path_; }

  // Everything the server wrote on stderr so far.
  [[nodiscard]] std::string stderr_text() const;
  // The server's resident set size (VmRSS of /proc/PID/status), in KiB.
  [[nodiscard]] std::optional<long> rss_kib() const;
  [[nodiscard]] bool running();

  bool signal(int signal_number) const;
  // The exit status (WEXITSTATUS, or 128 + signal) once it has exited
  // within `timeout`; empty if it is still running.
  std::optional<int> wait_exit(Millis timeout);

 private:
  void reap_nonblocking();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = -1;
  bool started_ = false;
  std::string error_;
  std::filesystem::path stderr_path_;
  int tcp_port_ = 0;
  std::string unix_path_;
};

class LineClient {
 public:
  [[nodiscard]] static std::optional<LineClient> tcp(int port, Millis timeout = Millis(5000));
  [[nodiscard]] static std::optional<LineClient> unix_socket(const std::string& path,
                                                             Millis timeout = Millis(5000));
  LineClient() = default;  // not connected: every operation fails
  ~LineClient();
  LineClient(LineClient&& other) noexcept;
  LineClient& operator=(LineClient&& other) noexcept;
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  // Sends as much of `bytes` as the socket takes within `timeout`; returns
  // how many bytes were sent (less than all on timeout or error).
  std::size_t send(std::string_view bytes, Millis timeout = Millis(5000));
  bool send_all(std::string_view bytes, Millis timeout = Millis(5000)) {
    return send(bytes, timeout) == bytes.size();
  }

  // One response line (without '\n'), or empty on timeout / EOF / error.
  std::optional<std::string> read_line(Millis timeout = Millis(5000));
  // Up to `count` lines within one overall `timeout` (fewer on timeout / EOF).
  std::vector<std::string> read_lines(std::size_t count, Millis timeout = Millis(10000));

  // Sends `bytes` while reading responses (so a large pipelined payload can
  // not deadlock against the server's writes) until `count` lines arrived or
  // `timeout` passed. `on_all_sent` runs once the last byte is in the socket.
  std::vector<std::string> round_trip(std::string_view bytes, std::size_t count,
                                      Millis timeout = Millis(30000),
                                      const std::function<void()>& on_all_sent = {});

  // One request line (a '\n' is added) and its response.
  std::optional<std::string> request(std::string_view line, Millis timeout = Millis(5000));

  // True when the peer closed the connection (EOF or reset) within
  // `timeout`; any data before that is discarded.
  bool wait_closed(Millis timeout = Millis(5000));

  void shutdown_write() const;
  void close();
  [[nodiscard]] bool open() const { return fd_ >= 0; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  explicit LineClient(int fd) : fd_(fd) {}
  // Moves one complete line out of buffer_ into `line`, if there is one.
  bool take_line(std::string& line);
  // Reads what is available (waiting up to `timeout`); false on EOF / error.
  bool fill(Millis timeout);

  int fd_ = -1;
  std::string buffer_;
  std::string error_;
  bool eof_ = false;
};

// A connection to `server`'s TCP port (a test failure, and an unconnected
// client, when it cannot connect).
inline LineClient connect_tcp(const ServerProcess& server) {
  std::optional<LineClient> client = LineClient::tcp(server.tcp_port());
  if (!client) ADD_FAILURE() << "cannot connect to 127.0.0.1:" << server.tcp_port();
  return client ? std::move(*client) : LineClient();
}

}  // namespace tenet::test_support

// `binary` serving `dir` on 127.0.0.1:0 with the extra arguments (a braced
// list of strings), as ServerProcess `name`; the test stops unless it started.
#define TENET_START_SERVER(name, binary, dir, ...)                  \
  ::tenet::test_support::ServerProcess name(                        \
      binary,                                                       \
      [&] {                                                         \
        std::vector<std::string> a{dir, "--listen", "127.0.0.1:0"}; \
        const std::vector<std::string> extra = __VA_ARGS__;         \
        a.insert(a.end(), extra.begin(), extra.end());              \
        return a;                                                   \
      }(),                                                          \
      1);                                                           \
  ASSERT_TRUE(name.started()) << name.error();                      \
  ASSERT_GT(name.tcp_port(), 0)

// `binary serve ARGS... --listen 127.0.0.1:0` (a braced list of strings)
// with no DIR added, as `tenet serve --store URL` takes none, as
// ServerProcess `name`; the test stops unless it started. (--listen comes
// last: it takes several values, so it would swallow a DIR after it.)
#define TENET_START_SERVER_WITH(name, binary, ...)      \
  ::tenet::test_support::ServerProcess name(            \
      binary,                                           \
      [&] {                                             \
        std::vector<std::string> a = __VA_ARGS__;       \
        a.insert(a.end(), {"--listen", "127.0.0.1:0"}); \
        return a;                                       \
      }(),                                              \
      1);                                               \
  ASSERT_TRUE(name.started()) << name.error();          \
  ASSERT_GT(name.tcp_port(), 0)
