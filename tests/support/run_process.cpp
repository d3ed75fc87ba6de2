#include "tests/support/run_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>

namespace tenet::test_support {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

int decode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, milliseconds timeout) {
  ProcessResult result;
  if (argv.empty()) {
    result.output = "run_process: no command";
    return result;
  }
  std::vector<std::string> strings = argv;
  std::vector<char*> args;
  for (std::string& s : strings) args.push_back(s.data());
  args.push_back(nullptr);

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result.output = "run_process: pipe failed";
    return result;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Its own process group, so a timeout kills what it started too (a
    // pg_ctl that waits, a psql).
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close_range(3, ~0U, 0);
    ::signal(SIGPIPE, SIG_DFL);
    ::execv(args[0], args.data());
    static constexpr char kFailed[] = "run_process: exec failed\n";
    (void)!::write(2, kFailed, sizeof kFailed - 1);
    ::_exit(127);
  }
  ::close(out[1]);
  if (pid < 0) {
    ::close(out[0]);
    result.output = "run_process: fork failed";
    return result;
  }
  ::setpgid(pid, pid);  // also from here: no race with the kill below

  const auto deadline = Clock::now() + timeout;
  // Read until EOF: the command and whatever kept its stdout have finished
  // (a daemon it started must redirect its output, as pg_ctl -l does).
  bool eof = false;
  while (!eof && Clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char chunk[4096];
    const ssize_t n = ::read(out[0], chunk, sizeof chunk);
    if (n > 0) {
      result.output.append(chunk, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      eof = true;
    }
  }
  ::close(out[0]);

  int wait_status = 0;
  while (true) {
    const pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) {
      result.status = decode(wait_status);
      return result;
    }
    if (done < 0 && errno != EINTR) return result;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(5));
  }
  ::kill(-pid, SIGKILL);
  ::waitpid(pid, &wait_status, 0);
  result.timed_out = true;
  result.output += "\nrun_process: killed after " + std::to_string(timeout.count()) + " ms";
  return result;
}

}  // namespace tenet::test_support
