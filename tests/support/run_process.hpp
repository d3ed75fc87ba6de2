// A command run to its end with a bound on its time: its exit status and
// everything it wrote on stdout and stderr (together, in order). Unlike
// popen, a command that hangs cannot hang the test: after `timeout` its whole
// process group gets SIGKILL. Used by the fleet tests (tests/fleet/) to run
// pg_cluster.sh and `tenet store|publish ...`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tenet::test_support {

struct ProcessResult {
  // WEXITSTATUS, or 128 + the signal that ended it; -1 when it could not be
  // started or was killed for taking longer than the timeout.
  int status = -1;
  bool timed_out = false;
  std::string output;  // stdout and stderr

  [[nodiscard]] bool ok() const { return status == 0; }
};

// Runs argv[0] (a path, not looked up in PATH) with argv[1...], stdin from
// /dev/null, in a process group of its own.
[[nodiscard]] ProcessResult run_process(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout);

}  // namespace tenet::test_support
