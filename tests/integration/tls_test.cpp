// `tenet serve` over TLS (docs/SECURITY.md), end to end with a throw-away
// PKI (tests/support/test_pki.sh) and a real TLS client: a client trusting
// the right CA is served (TLS 1.3); a wrong CA, plaintext to the TLS port,
// and — with mutual TLS — an expired, a revoked, a foreign or a missing
// client certificate are refused cleanly while the server keeps serving;
// a client certificate binds its partner exactly as a token does; the
// certificate is reloaded on SIGHUP under load with no failed request; a
// plaintext listener on a non-loopback address is refused at start.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command_output.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tls_client.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tenet::test_support::connect_tcp;
using tenet::test_support::LineClient;
using tenet::test_support::Millis;
using tenet::test_support::ServerProcess;
using tenet::test_support::TlsClientOptions;
using tenet::test_support::TlsLineClient;

const std::string kBinary = tenet::test_support::tenet_binary(TENET_BINARY);
const std::string kPolicies = std::string(TENET_SOURCE_DIR) + "/policies";

std::string check_line(const std::string& tenant) {
  return R"({"op":"check","tenant":")" + tenant +
         R"(","principal":{"id":"u1","role":"basic","attrs":{"kyc":"verified","account_age_days":40}},"action":"read","resource":{"type":"document","id":"d1","tenant":")" +
         tenant +
         R"(","attrs":{"owner":"u1","locked":false,"classification":"internal"}},"context":{"mfa":true}})";
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ =
        new fs::path(fs::temp_directory_path() / ("tenet_tls_pki_" + std::to_string(::getpid())));
    fs::remove_all(*pki_);
    const auto made = tenet::test_support::run_command(
        std::string(TENET_SOURCE_DIR) + "/tests/support/test_pki.sh " + pki_->string() + " 2>&1");
    ASSERT_EQ(made.status, 0) << made.output;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*pki_);
    delete pki_;
  }
  static std::string pki(const std::string& file) { return (*pki_ / file).string(); }

  static std::vector<std::string> tls_args() {
    return {"--tls-cert", pki("server.pem"), "--tls-key", pki("server.key")};
  }
  static std::vector<std::string> mutual_args() {
    std::vector<std::string> args = tls_args();
    args.insert(args.end(), {"--tls-client-ca", pki("ca.pem"), "--tls-crl", pki("crl.pem")});
    return args;
  }
  static TlsClientOptions trusting(const std::string& ca, const std::string& client = "") {
    TlsClientOptions options;
    options.ca_file = pki(ca);
    if (!client.empty()) {
      options.cert_file = pki(client + ".pem");
      options.key_file = pki(client + ".key");
    }
    return options;
  }

  static fs::path* pki_;
};

fs::path* TlsTest::pki_ = nullptr;

TEST_F(TlsTest, AClientTrustingTheServersCaIsServedOverTls13) {
  TENET_START_SERVER(server, kBinary, kPolicies, tls_args());
  TlsLineClient client(server.tcp_port(), trusting("ca.pem"));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.protocol_version(), "TLSv1.3");
  const auto answer = client.round_trip(check_line("acme"));
  ASSERT_TRUE(answer) << client.error();
  EXPECT_EQ(json::parse(*answer)["decision"], "allow") << *answer;
  EXPECT_NE(server.stderr_text().find(R"("tls":true)"), std::string::npos);
}

TEST_F(TlsTest, WrongCaAndPlaintextAreRefusedCleanlyAndTheServerGoesOn) {
  TENET_START_SERVER(server, kBinary, kPolicies, tls_args());
  // The client does not trust the server's CA: its handshake fails.
  TlsLineClient doubting(server.tcp_port(), trusting("other-ca.pem"));
  EXPECT_FALSE(doubting.connected());
  EXPECT_NE(doubting.error().find("certificate verify failed"), std::string::npos)
      << doubting.error();
  // Plaintext to the TLS port: no answer, the connection closed at once.
  LineClient plain = connect_tcp(server);
  ASSERT_TRUE(plain.send_all(check_line("acme") + "\n"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(plain.read_line(Millis(5000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  // The server is still serving.
  TlsLineClient client(server.tcp_port(), trusting("ca.pem"));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_TRUE(client.round_trip(check_line("acme")));
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find(R"("what":"tls_handshake_failed")"), std::string::npos) << log;
}

TEST_F(TlsTest, AClientThatNeverFinishesItsHandshakeIsClosedAtTheHelloTimeout) {
  std::vector<std::string> args = tls_args();
  args.insert(args.end(), {"--hello-timeout", "1"});
  TENET_START_SERVER(server, kBinary, kPolicies, args);
  LineClient silent = connect_tcp(server);  // connects, says nothing
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(silent.read_line(Millis(8000)));  // closed, no bytes
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(800));
  EXPECT_LT(waited, std::chrono::seconds(6));
  EXPECT_NE(server.stderr_text().find(R"("what":"tls_handshake_timeout")"), std::string::npos)
      << server.stderr_text();
  TlsLineClient client(server.tcp_port(), trusting("ca.pem"));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_TRUE(client.round_trip(check_line("acme")));
}

TEST_F(TlsTest, MutualTlsBindsTheCertificatesPartnerExactlyAsATokenDoes) {
  TENET_START_SERVER(server, kBinary, kPolicies, mutual_args());
  TlsLineClient acme(server.tcp_port(), trusting("ca.pem", "acme"));
  ASSERT_TRUE(acme.connected()) << acme.error();
  // No token: the certificate is the credential.
  const json hello = json::parse(acme.round_trip(R"({"op":"hello"})").value_or("{}"));
  EXPECT_EQ(hello["tenant"], "acme") << hello;
  EXPECT_EQ(json::parse(acme.round_trip(check_line("acme")).value_or("{}"))["decision"], "allow");
  const json other = json::parse(acme.round_trip(check_line("cedar")).value_or("{}"));
  EXPECT_EQ(other["error"]["code"], "forbidden") << other;
  // The check right only: no stats.
  const json stats = json::parse(acme.round_trip(R"({"op":"stats"})").value_or("{}"));
  EXPECT_EQ(stats["error"]["code"], "forbidden") << stats;
  // tenet:rights:check,admin — a partner's admin sees its own counters.
  TlsLineClient cedar(server.tcp_port(), trusting("ca.pem", "cedar-admin"));
  ASSERT_TRUE(cedar.connected()) << cedar.error();
  const json cedar_stats = json::parse(cedar.round_trip(R"({"op":"stats"})").value_or("{}"));
  EXPECT_EQ(cedar_stats["ok"], true) << cedar_stats;
  EXPECT_EQ(cedar_stats["tenant"], "cedar") << cedar_stats;
}

TEST_F(TlsTest, ExpiredRevokedForeignAndMissingClientCertificatesAreRefused) {
  TENET_START_SERVER(server, kBinary, kPolicies, mutual_args());
  for (const std::string client : {"expired", "revoked", "other-client", ""}) {
    TlsLineClient refused(server.tcp_port(), trusting("ca.pem", client));
    // TLS 1.3: the client may finish its side before the server's alert
    // arrives; then the first read sees it.
    if (refused.connected()) {
      EXPECT_FALSE(refused.round_trip(check_line("acme"))) << client;
    }
  }
  // A certificate of the right CA without tenet:tenant: is told why.
  TlsLineClient nameless(server.tcp_port(), trusting("ca.pem", "notenant"));
  ASSERT_TRUE(nameless.connected()) << nameless.error();
  const auto told = nameless.read_line();
  ASSERT_TRUE(told) << nameless.error();
  EXPECT_EQ(json::parse(*told)["error"]["code"], "unauthenticated") << *told;
  EXPECT_NE(told->find("tenet:tenant:"), std::string::npos) << *told;
  EXPECT_FALSE(nameless.read_line());  // then closed
  const std::string log = server.stderr_text();
  EXPECT_NE(log.find("certificate has expired"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate revoked"), std::string::npos) << log;
  // And the server goes on.
  TlsLineClient acme(server.tcp_port(), trusting("ca.pem", "acme"));
  ASSERT_TRUE(acme.connected()) << acme.error();
  EXPECT_EQ(json::parse(acme.round_trip(check_line("acme")).value_or("{}"))["decision"], "allow");
}

TEST_F(TlsTest, TheCertificateIsReloadedOnSighupUnderLoadWithoutAFailedRequest) {
  const fs::path dir = *pki_ / "reload";
  fs::create_directories(dir);
  fs::copy_file(pki("server.pem"), dir / "cert.pem", fs::copy_options::overwrite_existing);
  fs::copy_file(pki("server.key"), dir / "key.pem", fs::copy_options::overwrite_existing);
  TENET_START_SERVER(server, kBinary, kPolicies,
                     {"--tls-cert", (dir / "cert.pem").string(), "--tls-key",
                      (dir / "key.pem").string(), "--threads", "2"});
  // Four clients: two on one connection each, two connecting again every
  // ten requests; bounded by count.
  std::atomic<int> failures{0};
  std::atomic<int> answered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      const bool reconnect = c >= 2;
      std::unique_ptr<TlsLineClient> client;
      for (int i = 0; i < 20000 && !stop; ++i) {
        if (!client || (reconnect && i % 10 == 0)) {
          client = std::make_unique<TlsLineClient>(server.tcp_port(), trusting("ca.pem"));
          if (!client->connected()) {
            ++failures;
            continue;
          }
        }
        const auto answer = client->round_trip(check_line("acme"));
        if (!answer || answer->find("\"allow\"") == std::string::npos) {
          ++failures;
        } else {
          ++answered;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // The new certificate replaces the files (renamed into place, as a deploy does).
  fs::copy_file(pki("server2.pem"), dir / "cert.new", fs::copy_options::overwrite_existing);
  fs::copy_file(pki("server2.key"), dir / "key.new", fs::copy_options::overwrite_existing);
  fs::rename(dir / "key.new", dir / "key.pem");
  fs::rename(dir / "cert.new", dir / "cert.pem");
  const int before = answered;
  ASSERT_TRUE(server.signal(SIGHUP));
  std::string served;
  for (int i = 0; i < 100 && served != "server2"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    TlsLineClient probe(server.tcp_port(), trusting("ca.pem"));
    served = probe.server_common_name();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(served, "server2") << server.stderr_text();
  EXPECT_EQ(failures, 0);
  EXPECT_GT(answered, before) << "requests went on after the reload";
  EXPECT_NE(server.stderr_text().find(R"("what":"tls_reloaded")"), std::string::npos);
}

// Revoking a client certificate is a CRL and a SIGHUP: the open
// connection bound by it is answered `unauthenticated` on its next request
// and closed, a new handshake with it fails, and other partners' clients
// go on. The hello of a certificate-bound session answers its expiry (the
// certificate's notAfter).
TEST_F(TlsTest, ACertificateRevokedAndReloadedEndsItsOpenConnection) {
  const fs::path dir = *pki_ / "revoke";
  fs::create_directories(dir);
  fs::copy_file(pki("crl.pem"), dir / "crl.pem", fs::copy_options::overwrite_existing);
  std::vector<std::string> args = tls_args();
  args.insert(args.end(),
              {"--tls-client-ca", pki("ca.pem"), "--tls-crl", (dir / "crl.pem").string()});
  TENET_START_SERVER(server, kBinary, kPolicies, args);
  TlsLineClient later(server.tcp_port(), trusting("ca.pem", "acme-later"));
  ASSERT_TRUE(later.connected()) << later.error();
  TlsLineClient acme(server.tcp_port(), trusting("ca.pem", "acme"));
  ASSERT_TRUE(acme.connected()) << acme.error();
  const json hello = json::parse(later.round_trip(R"({"op":"hello"})").value_or("{}"));
  EXPECT_EQ(hello["tenant"], "acme") << hello.dump();
  const auto not_after = tenet::test_support::run_command(
      "openssl x509 -noout -enddate -dateopt iso_8601 -in " + pki("acme-later.pem"));
  // "notAfter=2036-12-04 14:51:26Z" → "2036-12-04T14:51:26Z"
  std::string expected = not_after.output.substr(not_after.output.find('=') + 1, 20);
  expected[10] = 'T';
  EXPECT_EQ(hello.value("expires", ""), expected) << hello.dump() << not_after.output;
  EXPECT_EQ(json::parse(later.round_trip(check_line("acme")).value_or("{}"))["decision"], "allow");

  // The CA revokes it; the operator installs the new CRL and signals.
  fs::copy_file(pki("crl-later.pem"), dir / "crl.new", fs::copy_options::overwrite_existing);
  fs::rename(dir / "crl.new", dir / "crl.pem");
  ASSERT_TRUE(server.signal(SIGHUP));
  for (int i = 0; i < 100 && server.stderr_text().find("tls_reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto refused = later.round_trip(check_line("acme"));
  ASSERT_TRUE(refused) << later.error();
  const json answer = json::parse(*refused);
  EXPECT_EQ(answer["error"]["code"], "unauthenticated") << *refused;
  EXPECT_NE(answer["error"]["message"].get<std::string>().find("certificate revoked"),
            std::string::npos)
      << *refused;
  EXPECT_FALSE(later.read_line());  // then closed
  TlsLineClient again(server.tcp_port(), trusting("ca.pem", "acme-later"));
  if (again.connected()) {  // TLS 1.3: the server's refusal comes with the first read
    EXPECT_FALSE(again.round_trip(check_line("acme")));
  }
  // Another client is untouched.
  EXPECT_EQ(json::parse(acme.round_trip(check_line("acme")).value_or("{}"))["decision"], "allow");
  EXPECT_NE(server.stderr_text().find(R"("what":"certificate_revoked")"), std::string::npos)
      << server.stderr_text();
}

// A certificate naming two partners binds neither: told why, then closed.
TEST_F(TlsTest, ACertificateNamingTwoTenantsIsRefused) {
  TENET_START_SERVER(server, kBinary, kPolicies, mutual_args());
  TlsLineClient both(server.tcp_port(), trusting("ca.pem", "twotenants"));
  ASSERT_TRUE(both.connected()) << both.error();
  const auto told = both.read_line();
  ASSERT_TRUE(told) << both.error();
  EXPECT_EQ(json::parse(*told)["error"]["code"], "unauthenticated") << *told;
  EXPECT_NE(told->find("more than one tenet:tenant:"), std::string::npos) << *told;
  EXPECT_FALSE(both.read_line());
}

// `tenet policy` reaches a TLS listener: its certificate binds it to acme
// with the author right; a wrong CA is a connection error (exit 2).
TEST_F(TlsTest, ThePolicyCommandConnectsOverMutualTls) {
  TENET_START_SERVER(server, kBinary, kPolicies, mutual_args());
  const std::string connect =
      " policy get --connect 127.0.0.1:" + std::to_string(server.tcp_port()) + " --tls-cert " +
      pki("acme-author.pem") + " --tls-key " + pki("acme-author.key");
  const auto got =
      tenet::test_support::run_command(kBinary + connect + " --tls-ca " + pki("ca.pem") + " 2>&1");
  EXPECT_EQ(got.status, 0) << got.output;
  EXPECT_NE(got.output.find("tenant acme"), std::string::npos) << got.output;
  const auto doubting = tenet::test_support::run_command(kBinary + connect + " --tls-ca " +
                                                         pki("other-ca.pem") + " 2>&1");
  EXPECT_EQ(doubting.status, 2) << doubting.output;
  EXPECT_NE(doubting.output.find("certificate verify failed"), std::string::npos)
      << doubting.output;
}

TEST_F(TlsTest, BadTlsSettingsAndPlaintextOnANetworkAddressRefuseTheStart) {
  const auto refused = [](const std::string& args) {
    // Bounded: a server that wrongly starts is killed, and the test fails.
    return tenet::test_support::run_command("timeout 20 " + kBinary + " serve " + kPolicies + " " +
                                            args + " 2>&1");
  };
  const auto missing =
      refused("--listen 127.0.0.1:0 --tls-cert /nonexistent.pem --tls-key " + pki("server.key"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("/nonexistent.pem: no such file"), std::string::npos)
      << missing.output;
  const auto mismatched = refused("--listen 127.0.0.1:0 --tls-cert " + pki("server.pem") +
                                  " --tls-key " + pki("acme.key"));
  EXPECT_EQ(mismatched.status, 2);
  EXPECT_NE(mismatched.output.find("does not match"), std::string::npos) << mismatched.output;
  const auto alone = refused("--listen 127.0.0.1:0 --tls-cert " + pki("server.pem"));
  EXPECT_EQ(alone.status, 2);
  EXPECT_NE(alone.output.find("go together"), std::string::npos) << alone.output;
  // Refused before binding: nothing listens on 0.0.0.0.
  const auto tokens = *pki_ / "tokens";
  std::ofstream(tokens) << "# none\n";
  const auto plaintext = refused("--listen 0.0.0.0:0 --tokens " + tokens.string());
  EXPECT_EQ(plaintext.status, 2);
  EXPECT_NE(plaintext.output.find("--allow-plaintext"), std::string::npos) << plaintext.output;
  // The metrics listener is plain HTTP: on a network address, refused the same way.
  const auto metrics = refused("--listen 127.0.0.1:0 --metrics 0.0.0.0:0");
  EXPECT_EQ(metrics.status, 2);
  EXPECT_NE(metrics.output.find("--metrics 0.0.0.0:0: the metrics listener is plain HTTP"),
            std::string::npos)
      << metrics.output;
}

}  // namespace
