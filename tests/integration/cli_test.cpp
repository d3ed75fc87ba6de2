// Runs the real `tenet` binary: exit codes, usage, I/O errors and hostile
// input (docs/LANGUAGE.md §9; issue "Bad input"). Each case builds its
// policy directory in a fresh temporary folder.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// `prefix` goes before the binary (e.g. "timeout 30 ").
CommandResult run_tenet_prefixed(const std::string& prefix, const std::string& arguments) {
  const std::string command = prefix + std::string(TENET_BINARY) + " " + arguments + " 2>&1";
  CommandResult run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), read);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return run;
}

CommandResult run_tenet(const std::string& arguments) { return run_tenet_prefixed("", arguments); }

// Runs a shell command as `nobody` (uid/gid 65534) in a child process, so
// without root's right to read what file modes forbid (CI runs as root).
// Exit status 125 when the child cannot drop its rights. Root only.
constexpr int kCannotDropRights = 125;
CommandResult run_unprivileged(const std::string& command) {
  std::array<int, 2> pipe_ends{};
  CommandResult run;
  if (::pipe(pipe_ends.data()) != 0) return run;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_ends[0]);
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    constexpr uid_t kNobody = 65534;
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
      ::_exit(kCannotDropRights);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_ends[1]);
  if (child < 0) {
    ::close(pipe_ends[0]);
    return run;
  }
  std::array<char, 4096> buffer{};
  ssize_t got = 0;
  while ((got = ::read(pipe_ends[0], buffer.data(), buffer.size())) > 0)
    run.output.append(buffer.data(), static_cast<std::size_t>(got));
  ::close(pipe_ends[0]);
  int raw = 0;
  ::waitpid(child, &raw, 0);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return run;
}

// Like run_tenet, but as `nobody` when running as root.
CommandResult run_tenet_unprivileged(const std::string& arguments) {
  if (::geteuid() != 0) return run_tenet(arguments);
  return run_unprivileged(std::string(TENET_BINARY) + " " + arguments + " 2>&1");
}

// Whether the rights run_tenet_unprivileged runs with can list `folder`
// (they still can when, say, the tests run with capabilities kept).
bool listable_unprivileged(const fs::path& folder) {
  const std::string command = "ls '" + folder.string() + "' >/dev/null 2>&1";
  return ::geteuid() == 0 ? run_unprivileged(command).status == 0
                          : std::system(command.c_str()) == 0;
}

class TempDir {
 public:
  TempDir() {
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("tenet-cli-" + std::string(test->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  [[nodiscard]] std::string arg() const { return "'" + path_.string() + "'"; }

 private:
  fs::path path_;
};

const std::string kSchema =
    "schema { principal { kyc: \"none\" | \"verified\"; } resource document { owner: string; }\n"
    "  actions read on document; }\n";

TEST(Cli, VersionAndHelp) {
  const CommandResult version = run_tenet("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.output.find("tenet "), std::string::npos);

  const CommandResult help = run_tenet("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("check"), std::string::npos);

  const CommandResult check_help = run_tenet("check --help");
  EXPECT_EQ(check_help.status, 0);
  EXPECT_NE(check_help.output.find("Exit status"), std::string::npos);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_tenet("").status, 2);
  EXPECT_EQ(run_tenet("frobnicate").status, 2);
  EXPECT_EQ(run_tenet("check").status, 2);
  EXPECT_EQ(run_tenet("check --no-such-option x").status, 2);
}

TEST(Cli, MissingDirectoryExitsTwoWithAMessage) {
  const CommandResult run = run_tenet("check /nonexistent/tenet/policies");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("/nonexistent/tenet/policies: no such directory"), std::string::npos)
      << run.output;
}

TEST(Cli, AFileInsteadOfADirectoryExitsTwo) {
  const TempDir dir;
  dir.write("a.tenet", kSchema);
  const CommandResult run = run_tenet("check '" + (dir.path() / "a.tenet").string() + "'");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("not a directory"), std::string::npos) << run.output;
}

TEST(Cli, UnreadableFileExitsTwo) {
  // A dangling symbolic link cannot be opened, even by root (who ignores file modes).
  const TempDir dir;
  dir.write("a.tenet", kSchema);
  fs::create_symlink(dir.path() / "gone.txt", dir.path() / "b.tenet");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.output.find("b.tenet: cannot open file"), std::string::npos) << run.output;
}

TEST(Cli, EmptyDirectoryIsAnError) {
  const TempDir dir;
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("no .tenet files"), std::string::npos) << run.output;
}

// Every command that loads policies, with its other arguments: `tenet
// COMMAND ARGS DIR TAIL`. serve listens on a Unix socket in `dir` should it
// ever start (it must not: each case here fails while loading).
struct LoadingCommand {
  std::string name;
  std::string args;
  std::string tail;
};
std::vector<LoadingCommand> loading_commands(const fs::path& socket_dir) {
  return {
      {"check", "", ""}, {"eval", "", " /dev/null"},
      {"test", "", ""},  {"tree", "--tenant t ", ""},
      {"sql", "", ""},   {"serve", "--unix '" + (socket_dir / "tenet.sock").string() + "' ", ""}};
}

// `tenet serve` serves a directory or the fleet's store (docs/FLEET.md),
// never both, and says which arguments do not go together; a store that
// cannot be reached refuses the start without a cache (exit 2).
TEST(Cli, ServeTakesADirectoryOrAStoreAndSaysWhichArgumentsClash) {
  const TempDir dir;
  const std::string store = "'host=/nonexistent-tenet-socket port=5432 dbname=x'";
  const auto expect = [](const CommandResult& run, int status, const std::string& text) {
    EXPECT_EQ(run.status, status) << run.output;
    EXPECT_NE(run.output.find(text), std::string::npos) << run.output;
  };
  expect(run_tenet("serve"), 2, "DIR is required (or --store URL)");
  expect(run_tenet("serve " + dir.arg() + " --store " + store), 2, "exclude each other");
  expect(run_tenet("serve " + dir.arg() + " --cache-dir " + dir.arg()), 2,
         "--cache-dir goes with --store");
  expect(run_tenet("serve --store " + store + " --state " + dir.arg() + "/state.json"), 2,
         "the switches live in the store");
  expect(run_tenet_prefixed("timeout 20 ", "serve --store " + store), 2,
         "cannot connect to the store");
  expect(run_tenet_prefixed("timeout 20 ", "serve --store " + store + " --cache-dir " + dir.arg()),
         2, "no cache to start from");
  // One address per --listen: the directory after it is the directory.
  expect(run_tenet_prefixed("timeout 20 ", "serve --listen 127.0.0.1:0 " + dir.arg()), 1,
         "no .tenet files in this directory");
}

// One rule for a directory without any .tenet file, whatever the command
// (README's exit codes): exit 1 and the same message. tree and sql exited 2.
TEST(Cli, EmptyDirectoryIsTheSameErrorForEveryCommand) {
  const TempDir dir;
  const TempDir sockets;  // not the policy directory: a socket there is no .tenet file, but still
  const std::string message =
      ": error: " + dir.path().string() + ": no .tenet files in this directory\n";
  for (const LoadingCommand& command : loading_commands(sockets.path())) {
    const CommandResult run = run_tenet_prefixed(
        "timeout 20 ", command.name + " " + command.args + dir.arg() + command.tail);
    EXPECT_EQ(run.status, 1) << command.name << ": " << run.output;
    EXPECT_EQ(run.output, "tenet " + command.name + message) << command.name;
  }
}

// The parse limits are flags of every command that loads policies, not only
// of check (a file over --max-file-bytes, an expression over --max-nesting).
TEST(Cli, ParseLimitsReachEveryCommandThatLoadsPolicies) {
  const TempDir dir;
  const TempDir sockets;
  dir.write("big.tenet", kSchema + "tenant t { role r; permit read on document when ((true)); }\n" +
                             std::string(2048, ' '));
  ASSERT_EQ(run_tenet("eval " + dir.arg() + " /dev/null").status, 0);  // fine by default
  for (const std::string& limit :
       {std::string("--max-file-bytes 1024 "), std::string("--max-nesting 1 ")}) {
    const std::string expected = limit.find("file") != std::string::npos
                                     ? "big.tenet:1:1: error: file is"
                                     : "error: expression nested more than 1";
    for (const LoadingCommand& command : loading_commands(sockets.path())) {
      const CommandResult run = run_tenet_prefixed(
          "timeout 20 ", command.name + " " + command.args + limit + dir.arg() + command.tail);
      EXPECT_EQ(run.status, 1) << command.name << " " << limit << ": " << run.output;
      EXPECT_NE(run.output.find(expected), std::string::npos)
          << command.name << " " << limit << ": " << run.output;
    }
  }
}

TEST(Cli, FileWithOnlyCommentsIsClean) {
  const TempDir dir;
  dir.write("a.tenet", "// nothing here yet\n/* still\n nothing */\n");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("ok: 1 file, 0 tenants"), std::string::npos) << run.output;
}

// `tenet check` ends with a verdict per partner unit (docs/UNITS.md): which
// partners a server would serve and which it would serve as unavailable.
TEST(Cli, CheckEndsWithAVerdictPerPartner) {
  const TempDir dir;
  dir.write("schema.tenet", kSchema);
  dir.write("templates/base.tenet", "template base { role guest; role basic; }\n");
  for (const std::string name : {"a", "c", "d", "e", "f"})
    dir.write("tenants/" + name + ".tenet",
              "tenant " + name + " extends base { transition guest -> basic; }\n");
  // b's unit names a role nobody declares: b alone is broken.
  dir.write("tenants/b.tenet", "tenant b extends base { transition guest -> admn; }\n");
  const CommandResult broken = run_tenet("check " + dir.arg());
  EXPECT_EQ(broken.status, 1) << broken.output;
  EXPECT_TRUE(broken.output.ends_with("1 error, 0 warnings\nunits: 5 ok, 1 broken (b)\n"))
      << broken.output;

  dir.write("tenants/b.tenet", "tenant b extends base { transition guest -> basic; }\n");
  const CommandResult clean = run_tenet("check " + dir.arg());
  EXPECT_EQ(clean.status, 0) << clean.output;
  EXPECT_TRUE(clean.output.ends_with("ok: 8 files, 6 tenants\nunits: 6 ok\n")) << clean.output;
  EXPECT_EQ(run_tenet("check -q " + dir.arg()).output, "");
}

// A syntax error inside a tenant's body is that partner's, not the platform's.
TEST(Cli, CheckGivesASyntaxErrorToItsPartner) {
  const TempDir dir;
  dir.write("schema.tenet", kSchema);
  dir.write("a.tenet", "tenant a { role r; permit read on document; }\n");
  dir.write("b.tenet", "tenant b { role r; permit read on document when; }\n");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(run.output.ends_with("units: 1 ok, 1 broken (b)\n")) << run.output;
}

// A broken schema leaves every partner unservable, whatever their own verdict.
TEST(Cli, CheckSaysWhenThePlatformPartIsBroken) {
  const TempDir dir;
  dir.write("schema.tenet", kSchema + "schema { principal { kyc: int; } }\n");
  dir.write("a.tenet", "tenant a { role r; permit read on document; }\n");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(run.output.ends_with("units: 1 ok; the platform part has errors\n")) << run.output;
}

// At most ten broken partners are named.
TEST(Cli, CheckNamesAtMostTenBrokenPartners) {
  const TempDir dir;
  dir.write("schema.tenet", kSchema);
  dir.write("ok.tenet", "tenant ok { role r; permit read on document; }\n");
  for (int i = 0; i < 12; ++i) {
    const std::string name = "t" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    dir.write(name + ".tenet", "tenant " + name + " { role r; transition r -> nobody; }\n");
  }
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(run.output.ends_with(
      "units: 1 ok, 12 broken (t00, t01, t02, t03, t04, t05, t06, t07, t08, t09, ...)\n"))
      << run.output;
}

TEST(Cli, BinaryFileIsReportedNotParsed) {
  const TempDir dir;
  std::string binary(4096, '\0');
  std::mt19937 random(7);
  for (char& c : binary) c = static_cast<char>(random() & 0xFF);
  dir.write("blob.tenet", binary);
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("blob.tenet:1:1: error: file is not UTF-8 text"), std::string::npos)
      << run.output;
  EXPECT_LT(run.output.size(), 1000u);
}

TEST(Cli, TenMegabytesOfGarbageGiveBoundedSyntaxErrors) {
  const TempDir dir;
  std::string garbage;
  garbage.reserve(10 * 1024 * 1024);
  std::mt19937 random(11);
  const std::string alphabet = "abc {}();:=<>!&|\"\\@*,.-> 0123456789\n\t";
  while (garbage.size() < 10 * 1024 * 1024) garbage += alphabet[random() % alphabet.size()];
  dir.write("garbage.tenet", garbage);
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("garbage.tenet:1:"), std::string::npos);
  // At most the per-file limit of syntax errors, each a few lines long.
  EXPECT_LT(run.output.size(), 64u * 1024u) << run.output.substr(0, 2000);
}

TEST(Cli, OversizedFileIsRefused) {
  const TempDir dir;
  dir.write("big.tenet", std::string(2048, ' '));
  const CommandResult run = run_tenet("check --max-file-bytes 1024 " + dir.arg());
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("big.tenet:1:1: error: file is"), std::string::npos) << run.output;
}

TEST(Cli, TenThousandNestedParenthesesAreACleanError) {
  const TempDir dir;
  const std::string deep = std::string(10000, '(') + "true" + std::string(10000, ')');
  dir.write("a.tenet",
            kSchema + "tenant t { role r; permit read on document when " + deep + "; }\n");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.output.find("nested more than"), std::string::npos) << run.output.substr(0, 2000);
}

TEST(Cli, OneMegabyteStringLiteralIsFine) {
  const TempDir dir;
  const std::string big(1024 * 1024, 'x');
  dir.write("a.tenet", kSchema +
                           "tenant t { role r; permit read on document when resource.owner == \"" +
                           big + "\"; }\n");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 0) << run.output.substr(0, 2000);
}

TEST(Cli, ShippedPoliciesCheckClean) {
  const CommandResult run = run_tenet(std::string("check '") + TENET_SOURCE_DIR + "/policies'");
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output.find("warning"), std::string::npos) << run.output;
}

TEST(Cli, ErrorsInSeveralFilesAreAllReportedSorted) {
  const TempDir dir;
  dir.write("a.tenet", kSchema);
  dir.write("b.tenet", "tenant t {\n  role r extends nobody;\n}\n");
  dir.write("c.tenet", "tenant u {\n  role r;\n  permit read on nowhere;\n}\n");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 1);
  const auto b = run.output.find("b.tenet:2:");
  const auto c = run.output.find("c.tenet:3:");
  ASSERT_NE(b, std::string::npos) << run.output;
  ASSERT_NE(c, std::string::npos) << run.output;
  EXPECT_LT(b, c);
  EXPECT_NE(run.output.find("2 errors"), std::string::npos) << run.output;
}

// A directory that cannot be listed is an error, not an empty folder: before,
// `check` said "ok" (exit 0) and dropped the siblings after it too.
TEST(Cli, UnreadableSubdirectoryIsAnError) {
  const TempDir dir;
  dir.write("a.tenet", kSchema);
  dir.write("m/hidden_from_check.tenet", "tenant t { role r; }\n");
  dir.write("z.tenet", "tenant u { role r; }\n");
  fs::permissions(dir.path() / "m", fs::perms::none);
  if (listable_unprivileged(dir.path() / "m")) {
    fs::permissions(dir.path() / "m", fs::perms::owner_all);
    GTEST_SKIP() << "a folder with mode 000 is still readable here";
  }
  const CommandResult run = run_tenet_unprivileged("check " + dir.arg());
  fs::permissions(dir.path() / "m", fs::perms::owner_all);
  if (run.status == kCannotDropRights) GTEST_SKIP() << "running as root and cannot become nobody";
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("m: cannot read directory: Permission denied"), std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("ok"), std::string::npos) << run.output;
}

// The same through `tenet test`: before, it stayed green on tests it never ran.
TEST(Cli, TestCommandWithAnUnreadableSubdirectoryFails) {
  const TempDir dir;
  fs::copy(std::string(TENET_SOURCE_DIR) + "/policies", dir.path(), fs::copy_options::recursive);
  fs::create_directories(dir.path() / "more");
  fs::rename(dir.path() / "cedar_test.tenet", dir.path() / "more" / "cedar_test.tenet");
  fs::permissions(dir.path() / "more", fs::perms::none);
  if (listable_unprivileged(dir.path() / "more")) {
    fs::permissions(dir.path() / "more", fs::perms::owner_all);
    GTEST_SKIP() << "a folder with mode 000 is still readable here";
  }
  const CommandResult run = run_tenet_unprivileged("test " + dir.arg());
  fs::permissions(dir.path() / "more", fs::perms::owner_all);
  if (run.status == kCannotDropRights) GTEST_SKIP() << "running as root and cannot become nobody";
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("more: cannot read directory"), std::string::npos) << run.output;
}

// A FIFO named *.tenet: opened without O_NONBLOCK, it waited for a writer
// forever. The command is bounded by timeout(1): 124 means it hung.
TEST(Cli, FifoNamedLikeAPolicyIsAnErrorNotAHang) {
  const TempDir dir;
  dir.write("a.tenet", kSchema);
  ASSERT_EQ(::mkfifo((dir.path() / "pipe.tenet").c_str(), 0644), 0);
  const CommandResult run = run_tenet_prefixed("timeout 30 ", "check " + dir.arg());
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("pipe.tenet: not a regular file (a FIFO)"), std::string::npos)
      << run.output;
}

// A Kubernetes ConfigMap volume: keys are links through `..data` to a
// timestamped hidden folder. Before, every policy was loaded twice (and so
// every tenant declared twice).
TEST(Cli, ConfigMapMountLoadsEachPolicyOnce) {
  const TempDir dir;
  const std::string data = "..2024_05_01_10_00_00.123456789";
  dir.write(data + "/schema.tenet", kSchema);
  dir.write(data + "/acme.tenet", "tenant acme { role r; permit read on document; }\n");
  fs::create_directory_symlink(data, dir.path() / "..data");
  fs::create_symlink("..data/schema.tenet", dir.path() / "schema.tenet");
  fs::create_symlink("..data/acme.tenet", dir.path() / "acme.tenet");
  const CommandResult run = run_tenet("check " + dir.arg());
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("ok: 2 files, 1 tenant"), std::string::npos) << run.output;
}

}  // namespace
