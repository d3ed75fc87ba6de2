// The acme scenario in C++: a basic user reads her own document (allow); a
// guest asks to become basic before KYC (deny, and tenet says which condition
// is unmet).
//
//   acme [HOST:PORT | SOCKET_PATH]          (default 127.0.0.1:7070)
//   TENET_TOKEN=... acme                    (a server with a token file)
#include <cstdlib>
#include <iostream>
#include <tenet/client.hpp>

namespace tc = tenet::client;

int main(int argc, char** argv) {
  const char* token = std::getenv("TENET_TOKEN");
  try {
    tc::Client tenet(tc::Endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:7070"),
                     {.token = token ? std::optional<std::string>(token) : std::nullopt});

    const tc::Principal alice{.id = "alice",
                              .role = "basic",
                              .attrs = {{"kyc", "verified"},
                                        {"account_age_days", 12},
                                        {"country", "DE"},
                                        {"tags", tc::json::array()}}};
    const tc::Resource her_document{
        .type = "document",
        .id = "d1",
        .tenant = "acme",
        .attrs = {{"owner", "alice"}, {"locked", false}, {"classification", "internal"}}};
    const tc::Principal gus{.id = "gus",
                            .role = "guest",
                            .attrs = {{"kyc", "pending"},
                                      {"account_age_days", 0},
                                      {"country", "FR"},
                                      {"tags", tc::json::array()}}};

    const tc::Decision read = tenet.check(
        {.tenant = "acme", .principal = alice, .action = "read", .resource = her_document});
    std::cout << "alice reads d1: " << (read.allowed ? "allow " : "deny ")
              << tc::json(read.reasons).dump() << '\n';

    const tc::Decision upgrade =
        tenet.transition({.tenant = "acme", .principal = gus, .to = "basic"});
    std::cout << "gus becomes basic: " << (upgrade.allowed ? "allow " : "deny ")
              << tc::json(upgrade.unmet).dump() << '\n';
  } catch (const tc::Error& e) {  // ProtocolError (refused, with .code()) or ConnectionError
    std::cerr << e.what() << '\n';
    return 1;
  }
}
