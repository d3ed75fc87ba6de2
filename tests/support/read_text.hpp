// A whole file as text, byte for byte: what the golden and integration tests
// compare. An unreadable file gives "" (the comparison then fails and shows it).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tenet::test_support {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tenet::test_support
