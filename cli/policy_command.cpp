#include "cli/policy_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tenet/client.hpp>

#include "cli/check_command.hpp"

namespace tenet::cli {
namespace {

namespace tc = tenet::client;

// What every `tenet policy` subcommand needs to reach the server.
struct Connection {
  std::string address;
  std::string token;
  std::string token_file;
  std::string tenant;
  // TLS (a server started with --tls-cert): on when any of these is given.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_name;
  bool tls = false;
};

// A usage or I/O problem found before anything is sent: exit status 2.
struct UsageError {
  std::string message;
};

void add_connection_options(CLI::App& command, Connection& connection) {
  command.add_option("--connect", connection.address, "The server: HOST:PORT or unix:PATH")
      ->required();
  command.add_option("--token", connection.token, "The token (prefer --token-file)");
  command.add_option("--token-file", connection.token_file, "A file whose first line is the token");
  command.add_option("--tenant", connection.tenant,
                     "The tenant whose unit this is (default: the token's tenant)");
  command.add_flag("--tls", connection.tls,
                   "Connect over TLS, verifying the server against the system's CAs");
  command.add_option("--tls-ca", connection.tls_ca,
                     "TLS: the CA certificate(s) (PEM) the server's certificate must chain to");
  command
      .add_option("--tls-cert", connection.tls_cert,
                  "TLS: a client certificate (PEM) for a server that asks for one")
      ->needs(command.add_option("--tls-key", connection.tls_key,
                                 "TLS: the client certificate's private key (PEM)"));
  command.add_option("--tls-name", connection.tls_name,
                     "TLS: the name the server's certificate must carry (default: the host)");
}

// TLS options when any TLS flag is given.
std::optional<tc::TlsOptions> tls_of(const Connection& connection) {
  const bool wanted = connection.tls || !connection.tls_ca.empty() || !connection.tls_key.empty() ||
                      !connection.tls_cert.empty() || !connection.tls_name.empty();
  if (!wanted) return std::nullopt;
  if (!connection.tls_key.empty() && connection.tls_cert.empty()) {
    throw UsageError{"--tls-key needs --tls-cert"};
  }
  return tc::TlsOptions{connection.tls_ca, connection.tls_cert, connection.tls_key,
                        connection.tls_name};
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::optional<std::string> token_of(const Connection& connection) {
  if (!connection.token.empty() && !connection.token_file.empty()) {
    throw UsageError{"give --token or --token-file, not both"};
  }
  if (!connection.token.empty()) return connection.token;
  if (connection.token_file.empty()) return std::nullopt;
  const std::optional<std::string> text = read_file(connection.token_file);
  if (!text) throw UsageError{"cannot read the token file " + connection.token_file};
  std::string token = text->substr(0, text->find('\n'));
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) throw UsageError{"the token file " + connection.token_file + " is empty"};
  return token;
}

void print_diagnostics(std::ostream& out, const std::vector<tc::Diagnostic>& diagnostics) {
  for (const tc::Diagnostic& diagnostic : diagnostics) out << diagnostic.to_string() << '\n';
}

void print_ids(const char* what, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::cout << "  " << what << ':';
  for (const std::string& id : ids) std::cout << ' ' << id;
  std::cout << '\n';
}

void print_put(const tc::PolicyPut& put) {
  if (put.dry_run) {
    std::cout << put.tenant << ": dry run: would be revision " << put.revision << " (" << put.path
              << "); nothing changed\n";
  } else {
    std::cout << put.tenant << ": revision " << put.revision << " served (" << put.path << ")\n";
  }
  print_ids("added", put.changes.added);
  print_ids("removed", put.changes.removed);
  print_ids("changed", put.changes.changed);
  if (put.changes.added.empty() && put.changes.removed.empty() && put.changes.changed.empty()) {
    std::cout << "  no rule changed\n";
  }
  print_diagnostics(std::cout, put.diagnostics);
}

// Connects, works out the tenant, runs `work`, and maps every failure to its exit status.
int run(const char* name, const Connection& connection,
        const std::function<void(tc::Client&, const std::string&)>& work) {
  try {
    tc::Options options;
    options.token = token_of(connection);
    options.tls = tls_of(connection);
    tc::Client client(tc::Endpoint::parse(connection.address), std::move(options));
    std::string tenant = connection.tenant;
    if (tenant.empty() && client.session() && client.session()->tenant) {
      tenant = *client.session()->tenant;
    }
    if (tenant.empty()) throw UsageError{"--tenant is needed (the token names no tenant)"};
    work(client, tenant);
    return kOk;
  } catch (const UsageError& e) {
    std::cerr << "tenet policy " << name << ": error: " << e.message << '\n';
    return kUsageOrIo;
  } catch (const tc::ProtocolError& e) {
    std::cerr << "tenet policy " << name << ": refused (" << e.code() << "): " << e.server_message()
              << '\n';
    print_diagnostics(std::cerr, e.diagnostics());
    if (!e.diagnostics_text().empty()) std::cerr << e.diagnostics_text() << '\n';
    return kPolicyErrors;
  } catch (const tc::Error& e) {  // no connection, a timeout, a bad address
    std::cerr << "tenet policy " << name << ": error: " << e.what() << '\n';
    return kUsageOrIo;
  }
}

}  // namespace

void add_policy_command(CLI::App& app, int& exit_code) {
  CLI::App* policy = app.add_subcommand(
      "policy", "Read and edit a partner's policy unit on a running server (docs/UNITS.md)");
  policy->require_subcommand(1);

  struct Options {
    Connection connection;
    std::string file;
    bool dry_run = false;
    std::uint64_t revision = 0;
  };
  auto options = std::make_shared<Options>();

  CLI::App* put = policy->add_subcommand(
      "put",
      "Replace the tenant's unit with FILE: a new revision (or --dry-run: what would change)");
  add_connection_options(*put, options->connection);
  put->add_option("FILE", options->file, "The whole unit text")->required();
  put->add_flag("--dry-run", options->dry_run,
                "Check it and show what would change; change nothing");
  put->callback([options, &exit_code] {
    const std::optional<std::string> source = read_file(options->file);
    if (!source) {
      std::cerr << "tenet policy put: error: cannot read " << options->file << '\n';
      exit_code = kUsageOrIo;
      return;
    }
    exit_code = run("put", options->connection, [&](tc::Client& client, const std::string& tenant) {
      print_put(client.put_policy(tenant, *source, options->dry_run));
    });
  });

  CLI::App* get = policy->add_subcommand(
      "get", "Print the unit served now (its text on stdout, its revision on stderr)");
  add_connection_options(*get, options->connection);
  get->callback([options, &exit_code] {
    exit_code = run("get", options->connection, [](tc::Client& client, const std::string& tenant) {
      const tc::Policy unit = client.get_policy(tenant);
      std::cerr << unit.tenant << ": revision " << unit.revision << " (" << unit.path << ", sha256 "
                << unit.hash << ")\n";
      std::cout << unit.source << std::flush;
    });
  });

  CLI::App* history = policy->add_subcommand("history", "List the kept revisions, newest first");
  add_connection_options(*history, options->connection);
  history->callback([options, &exit_code] {
    exit_code =
        run("history", options->connection, [](tc::Client& client, const std::string& tenant) {
          const tc::PolicyHistory found = client.policy_history(tenant);
          std::cout << "revision  time                  actor                    hash\n";
          for (const tc::PolicyRevision& r : found.revisions) {
            std::string number = std::to_string(r.revision);
            number.resize(std::max<std::size_t>(number.size(), 8), ' ');
            std::string time = r.time;
            time.resize(std::max<std::size_t>(time.size(), 20), ' ');
            std::string actor = r.actor;
            actor.resize(std::max<std::size_t>(actor.size(), 23), ' ');
            std::cout << number << "  " << time << "  " << actor << "  " << r.hash.substr(0, 12)
                      << '\n';
          }
        });
  });

  CLI::App* rollback = policy->add_subcommand(
      "rollback", "Serve the text of an older revision again, as a new revision");
  add_connection_options(*rollback, options->connection);
  rollback->add_option("--revision", options->revision, "The revision to bring back")->required();
  rollback->callback([options, &exit_code] {
    exit_code =
        run("rollback", options->connection, [&](tc::Client& client, const std::string& tenant) {
          print_put(client.rollback(tenant, options->revision));
        });
  });
}

}  // namespace tenet::cli
