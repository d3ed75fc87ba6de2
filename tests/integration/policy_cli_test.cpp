// `tenet policy put|get|history|rollback` through the real binaries: a `tenet serve` on a copy of
// policies/ (a put writes the unit file), an author token from `tenet token new`, and the CLI
// as a partner would run it. Exit status 0 done, 1 refused, 2 usage or no connection.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/command_output.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using tenet::test_support::command_output;
using tenet::test_support::LineClient;
using tenet::test_support::ServerProcess;
using tenet::test_support::TempDir;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const fs::path kPolicies = fs::path(TENET_SOURCE_DIR) / "policies";

struct CliRun {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// A copy of policies/ without the history a server started on the checkout may have left there.
void copy_policies(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const fs::directory_entry& entry : fs::directory_iterator(from)) {
    if (entry.path().filename() == ".tenet-history") continue;
    fs::copy(entry.path(), to / entry.path().filename(), fs::copy_options::recursive);
  }
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class PolicyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    copy_policies(kPolicies, policies());
    std::istringstream lines(
        command_output(kBinary + " token new --tenant acme --rights check,author"));
    std::string token;
    std::string file_line;
    std::getline(lines, token);
    std::getline(lines, file_line);
    ASSERT_EQ(token.size(), 64U);
    std::ofstream(dir_.path() / "token") << token << "\n";
    std::ofstream(dir_.path() / "tokens") << file_line << "\n";
    server_.emplace(
        kBinary,
        std::vector<std::string>{policies().string(), "--listen", "127.0.0.1:0", "--unix",
                                 socket().string(), "--tokens", (dir_.path() / "tokens").string()},
        2);
    ASSERT_TRUE(server_->started()) << server_->error();
  }

  [[nodiscard]] fs::path policies() const { return dir_.path() / "policies"; }
  [[nodiscard]] fs::path socket() const { return dir_.path() / "tenet.sock"; }
  [[nodiscard]] std::string connection() const {
    return " --connect unix:" + socket().string() + " --token-file " +
           (dir_.path() / "token").string();
  }

  CliRun tenet(const std::string& arguments) const {
    const fs::path err = dir_.path() / "stderr";
    const std::string command = "timeout 30 " + kBinary + " " + arguments + " 2>" + err.string();
    CliRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buffer{};
    std::size_t read = 0;
    while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      run.out.append(buffer.data(), read);
    const int raw = pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
    run.err = read_text(err);
    return run;
  }

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // What alice (basic) may do with bob's document, asked over TCP with the same token.
  [[nodiscard]] std::string alice_reads_bobs() const {
    auto client = LineClient::tcp(server_->tcp_port());
    if (!client) return "no connection";
    const std::string token = read_text(dir_.path() / "token");
    (void)client->request(R"({"op":"hello","token":")" + token.substr(0, 64) + "\"}");
    return client
        ->request(
            R"({"id":1,"op":"check","tenant":"acme","principal":{"id":"alice","role":"basic","attrs":{"kyc":"verified","account_age_days":40,"country":"DE","tags":[]}},"action":"read","resource":{"type":"document","id":"d2","tenant":"acme","attrs":{"owner":"bob","locked":false,"classification":"internal"}}})")
        .value_or("no answer");
  }

  TempDir dir_;
  std::optional<ServerProcess> server_;
};

std::string with_reads_all(std::string unit) {
  const std::string head = "tenant acme extends retail_standard {\n";
  unit.insert(unit.find(head) + head.size(),
              "  @id(\"basic-reads-all\") permit read on document for basic;\n");
  return unit;
}

TEST_F(PolicyCli, PutGetHistoryRollback) {
  const std::string acme = read_text(kPolicies / "tenants" / "acme.tenet");
  const CliRun got = tenet("policy get" + connection());
  EXPECT_EQ(got.status, 0) << got.err;
  EXPECT_EQ(got.out, acme);
  EXPECT_NE(got.err.find("acme: revision 1 (tenants/acme.tenet"), std::string::npos) << got.err;

  const fs::path edited = write("acme.tenet", with_reads_all(acme));
  const CliRun trial = tenet("policy put " + edited.string() + " --dry-run" + connection());
  EXPECT_EQ(trial.status, 0) << trial.err;
  EXPECT_EQ(trial.out,
            "acme: dry run: would be revision 2 (tenants/acme.tenet); nothing changed\n"
            "  added: acme:basic-reads-all\n");
  EXPECT_NE(alice_reads_bobs().find(R"("decision":"deny")"), std::string::npos);
  EXPECT_EQ(read_text(policies() / "tenants" / "acme.tenet"), acme);

  const CliRun put = tenet("policy put " + edited.string() + connection());
  EXPECT_EQ(put.status, 0) << put.err;
  EXPECT_EQ(put.out,
            "acme: revision 2 served (tenants/acme.tenet)\n"
            "  added: acme:basic-reads-all\n");
  const std::string allowed = alice_reads_bobs();
  EXPECT_NE(allowed.find(R"("reasons":["acme:basic-reads-all"])"), std::string::npos) << allowed;
  EXPECT_NE(allowed.find(R"("revision":2)"), std::string::npos) << allowed;
  EXPECT_EQ(read_text(policies() / "tenants" / "acme.tenet"), with_reads_all(acme));

  const CliRun history = tenet("policy history" + connection());
  EXPECT_EQ(history.status, 0) << history.err;
  std::istringstream rows(history.out);
  std::string header;
  std::string newest;
  std::string oldest;
  std::getline(rows, header);
  std::getline(rows, newest);
  std::getline(rows, oldest);
  EXPECT_EQ(newest.rfind("2 ", 0), 0U) << history.out;
  EXPECT_NE(newest.find(" sha256:"), std::string::npos) << history.out;
  EXPECT_EQ(oldest.rfind("1 ", 0), 0U) << history.out;
  EXPECT_NE(oldest.find(" disk "), std::string::npos) << history.out;

  const CliRun back = tenet("policy rollback --revision 1" + connection());
  EXPECT_EQ(back.status, 0) << back.err;
  EXPECT_EQ(back.out,
            "acme: revision 3 served (tenants/acme.tenet)\n"
            "  removed: acme:basic-reads-all\n");
  EXPECT_NE(alice_reads_bobs().find(R"("decision":"deny")"), std::string::npos);
  EXPECT_EQ(tenet("policy get" + connection()).out, acme);
}

TEST_F(PolicyCli, RefusalsAndUsage) {
  const fs::path broken =
      write("broken.tenet",
            "tenant acme extends retail_standard {\n  permit read on document for admn;\n}\n");
  const CliRun refused = tenet("policy put " + broken.string() + connection());
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_NE(refused.err.find("refused (invalid_policy)"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("\ntenants/acme.tenet:2:"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find(": error: unknown role 'admn'"), std::string::npos) << refused.err;

  std::string lumen = with_reads_all(read_text(kPolicies / "tenants" / "acme.tenet"));
  lumen.replace(lumen.find("tenant acme"), 11, "tenant lumen");
  const CliRun scope = tenet("policy put " + write("lumen.tenet", lumen).string() + connection());
  EXPECT_EQ(scope.status, 1);
  EXPECT_NE(scope.err.find("lumen"), std::string::npos) << scope.err;

  const CliRun forbidden = tenet("policy history --tenant lumen" + connection());
  EXPECT_EQ(forbidden.status, 1);
  EXPECT_NE(forbidden.err.find("refused (forbidden)"), std::string::npos) << forbidden.err;
  const CliRun unknown = tenet("policy rollback --revision 99" + connection());
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("refused (invalid_request)"), std::string::npos) << unknown.err;

  EXPECT_EQ(tenet("policy put " + (dir_.path() / "missing.tenet").string() + connection()).status,
            2);
  EXPECT_EQ(tenet("policy rollback" + connection()).status, 2);  // no --revision
  EXPECT_EQ(
      tenet("policy get --tenant acme --connect unix:" + (dir_.path() / "nobody.sock").string())
          .status,
      2);
  // Without a token the server asks for hello: refused, not a connection problem.
  EXPECT_EQ(tenet("policy get --tenant acme --connect unix:" + socket().string()).status, 1);
  EXPECT_EQ(read_text(policies() / "tenants" / "acme.tenet"),
            read_text(kPolicies / "tenants" / "acme.tenet"));
}

}  // namespace
