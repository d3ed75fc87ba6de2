// What a shell command prints on stdout (empty when it cannot be started).
// Header-only: used by the unit, integration and binding tests that run the
// real `tenet` binary.
#pragma once

#include <array>
#include <cstdio>
#include <string>

namespace tenet::test_support {

inline std::string command_output(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer{};
  std::size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), read);
  pclose(pipe);
  return output;
}

}  // namespace tenet::test_support
