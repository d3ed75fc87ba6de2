// The `tenet` command as a user runs it, for the CLI integration tests: one
// run to its end, bounded in time (run_process), its exit status and output;
// and writing the policy files it reads. Needs TENET_BINARY (every test
// kind's target defines it, tests/CMakeLists.txt).
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/read_text.hpp"
#include "tests/support/run_process.hpp"

namespace tenet::test_support {

inline ProcessResult run_tenet(std::vector<std::string> args,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  args.insert(args.begin(), TENET_BINARY);
  return run_process(args, timeout);
}

// `text` as the whole of `path`, byte for byte; missing folders are created.
inline void write_text(const std::filesystem::path& path, const std::string& text) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace tenet::test_support
