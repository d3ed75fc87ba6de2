// `tenet fmt` as a user runs it: printing, `--check` (a unified diff and exit
// 1 for CI), `-w` (rewrites only what changes, then `--check` is clean),
// directories, syntax errors (exit 2, the file untouched), and the shipped
// policies/ already formatted.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.hpp"
#include "tests/support/tenet_cli.hpp"

namespace tenet {
namespace {

namespace fs = std::filesystem;

test_support::ProcessResult tenet(std::vector<std::string> args) {
  return test_support::run_tenet(std::move(args));
}

void write(const fs::path& path, const std::string& text) { test_support::write_text(path, text); }

std::string read(const fs::path& path) { return test_support::read_text(path); }

constexpr const char* kMessy =
    "schema{principal{n:int;}resource doc{}actions read on doc;}\n"
    "tenant acme{\n"
    "role r ;\n"
    "permit read on doc when principal.n>1;   // why\n"
    "}\n";
constexpr const char* kTidy =
    "schema { principal { n: int; } resource doc { } actions read on doc; }\n"
    "tenant acme {\n"
    "  role r;\n"
    "  permit read on doc when principal.n > 1;  // why\n"
    "}\n";

TEST(FmtCli, PrintsCheckFailsWithADiffAndWriteFixes) {
  const test_support::TempDir dir;
  const fs::path file = dir.path() / "policy.tenet";
  write(file, kMessy);

  const auto printed = tenet({"fmt", file.string()});
  EXPECT_EQ(printed.status, 0) << printed.output;
  EXPECT_EQ(printed.output, kTidy);
  EXPECT_EQ(read(file), kMessy);  // printing changes nothing

  const auto check = tenet({"fmt", "--check", dir.path().string()});
  EXPECT_EQ(check.status, 1) << check.output;
  EXPECT_NE(check.output.find("--- " + file.string() + "\n+++ " + file.string() + " (formatted)"),
            std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find("@@ -1,5 +1,5 @@"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("-role r ;\n"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("+  role r;\n"), std::string::npos) << check.output;
  EXPECT_EQ(read(file), kMessy);

  const auto written = tenet({"fmt", "-w", dir.path().string()});
  EXPECT_EQ(written.status, 0) << written.output;
  EXPECT_EQ(written.output, file.string() + "\n");  // the files it rewrote
  EXPECT_EQ(read(file), kTidy);

  const auto clean = tenet({"fmt", "--check", dir.path().string()});
  EXPECT_EQ(clean.status, 0) << clean.output;
  EXPECT_EQ(clean.output, "");
  const auto again = tenet({"fmt", "-w", file.string()});
  EXPECT_EQ(again.status, 0);
  EXPECT_EQ(again.output, "");  // nothing to rewrite
}

TEST(FmtCli, SyntaxErrorsAreReportedAndTheFileIsLeftAlone) {
  const test_support::TempDir dir;
  const fs::path bad = dir.path() / "bad.tenet";
  const fs::path good = dir.path() / "good.tenet";
  write(bad, "tenant acme { role ; }\n");
  write(good, kMessy);
  const auto result = tenet({"fmt", "-w", dir.path().string()});
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("bad.tenet:1:20: error: expected a role name"), std::string::npos)
      << result.output;
  EXPECT_EQ(read(bad), "tenant acme { role ; }\n");
  EXPECT_EQ(read(good), kTidy);  // the other files are still formatted

  const auto missing = tenet({"fmt", (dir.path() / "nope").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("no such file or directory"), std::string::npos);
  const auto both = tenet({"fmt", "-w", "--check", good.string()});
  EXPECT_EQ(both.status, 2);
}

TEST(FmtCli, ADirectoryPrintsEachFileUnderItsName) {
  const test_support::TempDir dir;
  fs::create_directories(dir.path() / "tenants");
  write(dir.path() / "schema.tenet",
        "schema{principal{n:int;}resource doc{}actions read on doc;}\n");
  write(dir.path() / "tenants" / "acme.tenet", "tenant acme{role r;}\n");
  const auto result = tenet({"fmt", dir.path().string()});
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output,
            "==> " + (dir.path() / "schema.tenet").string() +
                " <==\nschema { principal { n: int; } resource doc { } actions read on doc; }\n"
                "==> " +
                (dir.path() / "tenants" / "acme.tenet").string() +
                " <==\ntenant acme { role r; }\n");
}

// A directory is read as every command reads one (grammar/loader.hpp): hidden
// folders skipped, a FIFO refused without blocking, --max-file-bytes a
// diagnostic; what can be read is still formatted, and the exit is 2.
TEST(FmtCli, ADirectoryIsReadAsEveryCommandReadsOneAndItsLimitsHold) {
  const test_support::TempDir dir;
  write(dir.path() / "a.tenet", "tenant a{role r;}\n");
  write(dir.path() / ".git" / "hidden.tenet", "tenant hidden{role r;}\n");
  ASSERT_EQ(::mkfifo((dir.path() / "pipe.tenet").c_str(), 0600), 0);
  const auto result = tenet({"fmt", dir.path().string()});
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("tenet fmt: error: " + dir.path().string() +
                               ": pipe.tenet: not a regular file (a FIFO)"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("tenant a { role r; }\n"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("hidden"), std::string::npos) << result.output;

  const fs::path big = dir.path() / "big" / "big.tenet";
  const std::string text = "tenant big{role r;}\n";
  write(big, text);
  const auto limited = tenet({"fmt", "-w", "--max-file-bytes", "10", big.string()});
  EXPECT_EQ(limited.status, 2) << limited.output;
  EXPECT_NE(
      limited.output.find("error: file is larger than the limit of 10 bytes (--max-file-bytes)"),
      std::string::npos)
      << limited.output;
  EXPECT_EQ(read(big), text);  // left alone
}

TEST(FmtCli, TheShippedPoliciesAreFormatted) {
  const auto result = tenet({"fmt", "--check", std::string(TENET_SOURCE_DIR) + "/policies"});
  EXPECT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

}  // namespace
}  // namespace tenet
