// tenet-loadgen's TLS path against a real `tenet serve --tls-cert` (issue 21:
// bench/tls_onoff.sh measures TLS beside plaintext with it, so it must keep
// working): a second of load over TLS and over mutual TLS answers every
// request without an error, and a client that cannot verify the server (a
// foreign CA, a name the certificate does not carry) does not send a single
// request. A smoke test of about a second per case, not a benchmark.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using nlohmann::json;
using tenet::test_support::Millis;
using tenet::test_support::ProcessResult;
using tenet::test_support::run_process;
using tenet::test_support::ServerProcess;
using tenet::test_support::TempDir;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kSource = TENET_SOURCE_DIR;
const std::string kPolicies = kSource + "/policies";
const std::string kChecks = kSource + "/bench/requests/check_mix.ndjson";

#ifdef TENET_LOADGEN
const std::string kLoadgen = TENET_LOADGEN;
#endif

class LoadgenTls : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef TENET_LOADGEN
    GTEST_SKIP() << "tenet-loadgen is not built (TENET_BUILD_BENCH=OFF)";
#endif
    const ProcessResult pki = run_process(
        {"/bin/bash", kSource + "/tests/support/test_pki.sh", pki_.path().string()}, Millis(60000));
    ASSERT_TRUE(pki.ok()) << pki.output;
  }

  [[nodiscard]] std::string pki(const std::string& file) const {
    return (pki_.path() / file).string();
  }

  // tenet-loadgen for ~1 s against 127.0.0.1:PORT with `extra` options;
  // its last output line is the JSON summary.
  [[nodiscard]] static ProcessResult loadgen(int port, const std::string& requests,
                                             const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
#ifdef TENET_LOADGEN
        kLoadgen,
#endif
        "--connect",     "127.0.0.1:" + std::to_string(port),
        "--requests",    requests,
        "--duration",    "1",
        "--connections", "2",
        "--pipeline",    "4",
        "--summary"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, Millis(30000));
  }

  [[nodiscard]] static json summary_of(const ProcessResult& run) {
    const std::size_t start = run.output.rfind("\n{");
    if (start == std::string::npos) return json::object();
    return json::parse(run.output.substr(start + 1), nullptr, false);
  }

  TempDir pki_{"tenet-loadgen-tls"};
};

TEST_F(LoadgenTls, ServerVerifiedTlsAnswersEveryRequest) {
  ServerProcess server(kBinary,
                       {kPolicies, "--listen", "127.0.0.1:0", "--tls-cert", pki("server.pem"),
                        "--tls-key", pki("server.key")},
                       1);
  ASSERT_TRUE(server.started()) << server.error();
  const ProcessResult run =
      loadgen(server.tcp_port(), kChecks, {"--tls", "--tls-ca", pki("ca.pem")});
  ASSERT_TRUE(run.ok()) << run.output;
  const json summary = summary_of(run);
  ASSERT_TRUE(summary.is_object()) << run.output;
  EXPECT_GT(summary.value("decisions", 0), 0) << run.output;
  EXPECT_EQ(summary.value("errors", -1), 0) << run.output;
  EXPECT_EQ(summary.value("tls", false), true) << run.output;
  EXPECT_EQ(summary.value("handshakes", 0), 2) << run.output;  // one per connection
}

TEST_F(LoadgenTls, MutualTlsBindsThePartnerOfTheCertificate) {
  ServerProcess server(kBinary,
                       {kPolicies, "--listen", "127.0.0.1:0", "--tls-cert", pki("server.pem"),
                        "--tls-key", pki("server.key"), "--tls-client-ca", pki("ca.pem")},
                       1);
  ASSERT_TRUE(server.started()) << server.error();
  // cedar-admin.pem binds the connection to partner cedar: its checks are
  // answered, another partner's are refused (so the certificate was used).
  const std::filesystem::path cedar = pki_.path() / "cedar.ndjson";
  const std::filesystem::path lumen = pki_.path() / "lumen.ndjson";
  {
    std::ifstream in(kChecks);
    std::ofstream cedar_out(cedar);
    std::ofstream lumen_out(lumen);
    for (std::string line; std::getline(in, line);) {
      if (line.find(R"("op":"check","tenant":"cedar")") != std::string::npos)
        cedar_out << line << '\n';
      if (line.find(R"("op":"check","tenant":"lumen")") != std::string::npos)
        lumen_out << line << '\n';
    }
  }
  const std::vector<std::string> mutual = {"--tls",
                                           "--tls-ca",
                                           pki("ca.pem"),
                                           "--tls-cert",
                                           pki("cedar-admin.pem"),
                                           "--tls-key",
                                           pki("cedar-admin.key")};
  const ProcessResult own = loadgen(server.tcp_port(), cedar.string(), mutual);
  ASSERT_TRUE(own.ok()) << own.output;
  const json own_summary = summary_of(own);
  EXPECT_GT(own_summary.value("decisions", 0), 0) << own.output;
  EXPECT_EQ(own_summary.value("errors", -1), 0) << own.output;

  const ProcessResult other = loadgen(server.tcp_port(), lumen.string(), mutual);
  const json other_summary = summary_of(other);
  EXPECT_GT(other_summary.value("lines", 0), 0) << other.output;
  EXPECT_EQ(other_summary.value("errors", -1), other_summary.value("lines", -2)) << other.output;
}

TEST_F(LoadgenTls, AServerItCannotVerifyGetsNoRequest) {
  ServerProcess server(kBinary,
                       {kPolicies, "--listen", "127.0.0.1:0", "--tls-cert", pki("server.pem"),
                        "--tls-key", pki("server.key")},
                       1);
  ASSERT_TRUE(server.started()) << server.error();
  const ProcessResult foreign_ca =
      loadgen(server.tcp_port(), kChecks, {"--tls", "--tls-ca", pki("other-ca.pem")});
  EXPECT_NE(foreign_ca.status, 0) << foreign_ca.output;
  EXPECT_NE(foreign_ca.output.find("certificate verify failed"), std::string::npos)
      << foreign_ca.output;
  EXPECT_EQ(summary_of(foreign_ca).value("lines", -1), 0) << foreign_ca.output;

  const ProcessResult wrong_name =
      loadgen(server.tcp_port(), kChecks,
              {"--tls", "--tls-ca", pki("ca.pem"), "--tls-name", "tenet.example"});
  EXPECT_NE(wrong_name.status, 0) << wrong_name.output;
  EXPECT_NE(wrong_name.output.find("mismatch"), std::string::npos) << wrong_name.output;
  EXPECT_EQ(summary_of(wrong_name).value("lines", -1), 0) << wrong_name.output;
}

}  // namespace
