// The fuzz targets of tests/fuzz/ replayed in the normal and the sanitizer
// builds: every seed of tests/fuzz/corpus/TARGET/ and every finding kept in
// tests/fuzz/regressions/TARGET/ goes through the target's own entry point
// (compiled here under another name, tests/CMakeLists.txt), so a finding
// stays fixed without clang or libFuzzer. A target's checks end the process
// (__builtin_trap) when they fail, as they do under the fuzzer.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int tenet_fuzz_policy(const std::uint8_t* data, std::size_t size);
extern "C" int tenet_fuzz_request_line(const std::uint8_t* data, std::size_t size);
extern "C" int tenet_fuzz_line_framer(const std::uint8_t* data, std::size_t size);

namespace tenet {
namespace {

using Entry = int (*)(const std::uint8_t*, std::size_t);

std::vector<std::filesystem::path> inputs_of(const std::string& target) {
  std::vector<std::filesystem::path> inputs;
  for (const char* kind : {"corpus", "regressions"}) {
    const std::filesystem::path directory =
        std::filesystem::path(TENET_SOURCE_DIR) / "tests/fuzz" / kind / target;
    if (!std::filesystem::is_directory(directory)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
      if (entry.is_regular_file()) inputs.push_back(entry.path());
    }
  }
  return inputs;
}

// Runs every input of `target`; the number of inputs run.
std::size_t replay(const std::string& target, Entry entry) {
  std::size_t count = 0;
  for (const std::filesystem::path& path : inputs_of(target)) {
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
    ++count;
  }
  return count;
}

TEST(FuzzReplay, PolicyCorpus) { EXPECT_GT(replay("policy", tenet_fuzz_policy), 10U); }

TEST(FuzzReplay, RequestLineCorpusAndFindings) {
  EXPECT_GT(replay("request_line", tenet_fuzz_request_line), 100U);
}

TEST(FuzzReplay, LineFramerCorpus) { EXPECT_GT(replay("line_framer", tenet_fuzz_line_framer), 5U); }

// The edges: an empty input to each target, and a framed stream with every
// kind of line (kept with its '\r' removed, too long, blank, last without
// '\n') read one byte at a time.
TEST(FuzzReplay, EdgeInputs) {
  const std::uint8_t nothing = 0;
  EXPECT_EQ(tenet_fuzz_policy(&nothing, 0), 0);
  EXPECT_EQ(tenet_fuzz_request_line(&nothing, 0), 0);
  EXPECT_EQ(tenet_fuzz_line_framer(&nothing, 0), 0);
  // Limit 4, no repetition, reads of 1 byte: "ab\r", a too-long line, "", "xy".
  const std::string framed =
      std::string("\x03\x00\x00\x00\x00\x00\x00\x00", 8) + "ab\r\n12345\n\nxy";
  EXPECT_EQ(
      tenet_fuzz_line_framer(reinterpret_cast<const std::uint8_t*>(framed.data()), framed.size()),
      0);
}

}  // namespace
}  // namespace tenet
