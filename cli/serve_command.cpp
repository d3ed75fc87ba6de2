#include "cli/serve_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "engine/engine.hpp"
#include "server/decision_log/decision_logging.hpp"
#include "server/feature_state.hpp"
#include "server/log.hpp"
#include "server/policy_history.hpp"
#include "server/server.hpp"
#include "server/service.hpp"
#include "server/store/decision_shipper.hpp"
#include "server/store/fleet_rows.hpp"
#include "server/store/fleet_state.hpp"
#include "server/store/migrations.hpp"
#include "server/tokens.hpp"

namespace tenet::cli {
namespace {

struct ServeOptions {
  std::filesystem::path directory;
  std::vector<std::string> listen;
  std::vector<std::string> unix_sockets;
  unsigned threads = 0;  // 0: number of cores
  std::string tokens;
  std::string state;
  std::size_t max_line = std::size_t{1} << 20U;
  std::size_t max_connections = 1024;
  unsigned idle_timeout = 300;
  std::size_t max_pending_bytes = std::size_t{4} << 20U;
  unsigned hello_timeout = 10;
  unsigned line_timeout = 30;
  std::size_t max_unauthenticated = 0;  // 0: half of max_connections
  unsigned drain_timeout = 10;
  ParseLimits limits;   // of the policy files, at start and on every reload
  bool strict = false;  // refuse to start when a partner unit does not compile
  std::size_t max_unit_bytes = std::size_t{1} << 20U;  // put_policy's limit
  std::size_t keep_revisions = 100;                    // per partner, in .tenet-history
  std::string store;                                   // the fleet's store (docs/FLEET.md)
  std::string cache_dir;                               // with --store: the last state applied
  std::string metrics;                                 // HOST:PORT of /metrics, /healthz, /readyz
  bool metrics_without_partners = false;               // no per-partner series
  // The decision log (docs/DECISION_LOG.md).
  std::string decision_log;
  unsigned decision_log_flush_ms = 200;
  std::string decision_log_overflow = "block";
  std::uint64_t decision_log_max_bytes = 256ULL << 20U;
  unsigned decision_log_max_age = 0;  // seconds; 0: no rotation by age
  unsigned decision_log_files = 10;
  bool decision_log_sync = false;
  std::string decision_log_sample;                       // every partner: RATE or allow=R,deny=R
  std::vector<std::string> decision_log_sample_partner;  // TENANT:SPEC
  std::optional<unsigned> replica_id;                    // the decision ids' replica component
  bool decision_log_to_store = false;  // copy the log into tenet.decisions (with --store)
  std::string audit_log;               // admin audit records (docs/AUDIT.md)
  // TLS on the TCP listeners (docs/SECURITY.md).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;     // mutual TLS: the client certificate binds the partner
  std::string tls_crl;           // revoked client certificates
  bool allow_plaintext = false;  // a non-loopback listener without TLS
};

// --decision-log: opens the log and gives it to `service`; an error text
// when it cannot (the server then does not start).
std::optional<std::string> enable_decision_log(const ServeOptions& options,
                                               server::Service& service) {
  if (options.decision_log.empty()) return std::nullopt;
  server::decision_log::Sampling sampling;
  if (!options.decision_log_sample.empty()) {
    if (auto error =
            server::decision_log::apply_rate_spec(options.decision_log_sample, sampling.all))
      return "--decision-log-sample " + *error;
  }
  for (const std::string& spec : options.decision_log_sample_partner) {
    if (auto error = server::decision_log::add_partner_spec(spec, sampling))
      return "--decision-log-sample-partner " + *error;
  }
  server::decision_log::Options log_options;
  log_options.path = options.decision_log;
  log_options.flush_interval = std::chrono::milliseconds(options.decision_log_flush_ms);
  log_options.max_file_bytes = options.decision_log_max_bytes;
  log_options.max_file_age = std::chrono::seconds(options.decision_log_max_age);
  log_options.files_kept = options.decision_log_files;
  log_options.sync = options.decision_log_sync;
  log_options.overflow = options.decision_log_overflow == "drop"
                             ? server::decision_log::Overflow::drop
                             : server::decision_log::Overflow::block;
  auto opened = server::decision_log::DecisionLog::open(log_options);
  if (!opened.log) return "--decision-log " + options.decision_log + ": " + opened.error;
  std::optional<std::uint16_t> replica;
  if (options.replica_id) replica = static_cast<std::uint16_t>(*options.replica_id);
  auto logging = std::make_unique<server::decision_log::DecisionLogging>(
      std::move(opened.log), replica, std::move(sampling));
  server::LogLine("info")
      .field("what", "decision_log")
      .field("path", options.decision_log)
      .field("replica", static_cast<std::uint64_t>(logging->ids().replica()))
      .field("overflow", options.decision_log_overflow)
      .field("sampled", logging->sampling().records_everything() ? "every decision" : "sampled")
      .emit();
  service.enable_decision_log(std::move(logging));
  return std::nullopt;
}

// After the drain: every record queued is written before the process ends
// (docs/DECISION_LOG.md, "SIGTERM").
void stop_decision_log(server::Service& service) {
  server::decision_log::DecisionLogging* logging = service.decision_logging();
  if (logging == nullptr) return;
  logging->log().stop();
  const server::decision_log::Counters counters = logging->log().counters();
  server::LogLine(counters.lost > 0 ? "error" : "info")
      .field("what", "decision_log_closed")
      .field("written", counters.written)
      .field("dropped", counters.dropped)
      .field("blocked", counters.blocked)
      .field("lost", counters.lost)
      .emit();
}

// Serves until the drain ends, with the decision log when asked for.
int serve_with_log(const ServeOptions& options, server::Service& service,
                   const server::ServerOptions& server_options) {
  if (auto error = enable_decision_log(options, service)) {
    std::cerr << "tenet serve: error: " << *error << '\n';
    return kUsageOrIo;
  }
  // Follows the file the log writes (never the decision path); stopped
  // after the log, so the file it finishes shipping is complete.
  std::unique_ptr<store::DecisionShipper> shipper;
  if (options.decision_log_to_store) {
    store::ShipperOptions shipping;
    shipping.file = options.decision_log;
    shipping.url = options.store;
    shipper = std::make_unique<store::DecisionShipper>(std::move(shipping));
    service.set_decision_shipper(shipper.get());
  }
  const int code = server::run_server(service, server_options);
  stop_decision_log(service);
  if (shipper) shipper->stop();
  return code;
}

// What a replica of the fleet's store starts from: the store's whole state,
// or (the store unreachable) the cache of --cache-dir. 0 when `state` is set.
int read_store_state(const ServeOptions& options, store::FleetState& state, bool& from_cache) {
  try {
    store::Connection connection(options.store);
    store::require_latest(connection);
    state.apply(store::read_changes(connection, 0));
    from_cache = false;
  } catch (const store::StoreError& error) {
    if (options.cache_dir.empty()) {
      std::cerr << "tenet serve: error: the store: " << error.what()
                << " (with --cache-dir, a replica starts from the last state it applied)\n";
      return kUsageOrIo;
    }
    if (auto failure = store::FleetState::load(options.cache_dir, state)) {
      std::cerr << "tenet serve: error: the store: " << error.what() << "; and " << *failure
                << '\n';
      return kUsageOrIo;
    }
    std::cerr << "tenet serve: warning: the store: " << error.what()
              << "; serving the cache of store revision " << state.revision() << " from "
              << options.cache_dir << '\n';
    from_cache = true;
  }
  if (!state.has_policies()) {
    std::cerr << "tenet serve: error: the store has no policies yet: publish them first (tenet "
                 "publish DIR --store URL)\n";
    return kPolicyErrors;
  }
  return kOk;
}

// The partner units at start (docs/UNITS.md): a broken unit is reported and
// not served (or, with --strict, the start refused); a broken platform part,
// like an I/O error, refuses the start. 0 when `loaded.version` serves.
int report_start(const units::Report& loaded, bool strict) {
  for (const std::string& problem : loaded.io_errors)
    std::cerr << "tenet serve: error: " << problem << '\n';
  if (!loaded.io_errors.empty()) return kUsageOrIo;
  if (!loaded.version) {
    for (const Diagnostic& diagnostic : loaded.platform_diagnostics)
      std::cerr << render(diagnostic, *loaded.sources);
    std::cerr << "tenet serve: error: "
              << (loaded.message.empty() ? "the policy set does not compile" : loaded.message)
              << '\n';
    return kPolicyErrors;
  }
  std::size_t broken = 0;
  for (const units::UnitReport& unit : loaded.units) {
    if (unit.outcome != units::Outcome::Refused) continue;
    ++broken;
    for (const Diagnostic& diagnostic : unit.diagnostics)
      std::cerr << render(diagnostic, *unit.sources);
    std::cerr << "tenet serve: " << (strict ? "error" : "warning") << ": the policy unit of '"
              << unit.tenant << "' does not compile"
              << (strict ? "" : "; its requests deny with tenant_unavailable") << '\n';
  }
  if (broken > 0 && strict) {
    std::cerr << "tenet serve: error: " << broken << " partner unit(s) do not compile (--strict)\n";
    return kPolicyErrors;
  }
  if (broken > 0 && broken == loaded.units.size()) {
    std::cerr << "tenet serve: error: no partner unit compiles; nothing to serve\n";
    return kPolicyErrors;
  }
  return kOk;
}

// "HOST:PORT" ("[::1]:PORT" for IPv6) → endpoint; an error text otherwise.
std::optional<std::string> parse_endpoint(const std::string& text,
                                          boost::asio::ip::tcp::endpoint& out,
                                          std::string_view flag = "--listen") {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::string(flag) + ' ' + text + ": expected HOST:PORT";
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return std::string(flag) + ' ' + text + ": the port must be a number from 0 to 65535";
  }
  boost::system::error_code error;
  const boost::asio::ip::address address = boost::asio::ip::make_address(host, error);
  if (error) return std::string(flag) + ' ' + text + ": '" + host + "' is not an IP address";
  out = boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
  return std::nullopt;
}

int run_serve(const ServeOptions& options) {
  server::ServerOptions server_options;
  std::vector<std::string> listen = options.listen;
  if (listen.empty() && options.unix_sockets.empty()) listen.emplace_back("127.0.0.1:7070");
  for (const std::string& text : listen) {
    boost::asio::ip::tcp::endpoint endpoint;
    if (auto error = parse_endpoint(text, endpoint)) {
      std::cerr << "tenet serve: error: " << *error << '\n';
      return kUsageOrIo;
    }
    if (!endpoint.address().is_loopback()) {
      // Across machines: something must authenticate the clients, and
      // their tokens must not travel in clear.
      if (options.tokens.empty() && options.store.empty() && options.tls_client_ca.empty()) {
        std::cerr << "tenet serve: error: refusing to listen on " << text
                  << " without --tokens (or --tls-client-ca): only a loopback address or a Unix "
                     "socket may be served without authentication\n";
        return kUsageOrIo;
      }
      if (options.tls_cert.empty() && !options.allow_plaintext) {
        std::cerr << "tenet serve: error: refusing to listen on " << text
                  << " in plaintext: tokens and decisions would cross the network in clear; give "
                     "--tls-cert and --tls-key (docs/SECURITY.md), or --allow-plaintext on a "
                     "network you trust\n";
        return kUsageOrIo;
      }
    }
    server_options.tcp.push_back(endpoint);
  }
  for (const std::string& path : options.unix_sockets)
    server_options.unix_sockets.emplace_back(path);
  server_options.threads =
      options.threads != 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
  server_options.limits.max_line = options.max_line;
  server_options.limits.max_connections = options.max_connections;
  server_options.limits.idle_timeout = std::chrono::seconds(options.idle_timeout);
  server_options.limits.max_pending_bytes = options.max_pending_bytes;
  server_options.limits.hello_timeout = std::chrono::seconds(options.hello_timeout);
  server_options.limits.line_timeout = std::chrono::seconds(options.line_timeout);
  server_options.limits.max_unauthenticated =
      options.max_unauthenticated != 0
          ? std::min(options.max_unauthenticated, options.max_connections)
          : std::max<std::size_t>(1, options.max_connections / 2);
  server_options.drain_timeout = std::chrono::seconds(options.drain_timeout);
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    std::cerr << "tenet serve: error: --tls-cert and --tls-key go together\n";
    return kUsageOrIo;
  }
  if (options.tls_cert.empty() && (!options.tls_client_ca.empty() || !options.tls_crl.empty())) {
    std::cerr << "tenet serve: error: --tls-client-ca and --tls-crl need --tls-cert and "
                 "--tls-key\n";
    return kUsageOrIo;
  }
  if (!options.tls_cert.empty()) {
    server::TlsSettings tls{options.tls_cert, options.tls_key, std::nullopt, std::nullopt};
    if (!options.tls_client_ca.empty()) tls.client_ca = options.tls_client_ca;
    if (!options.tls_crl.empty()) tls.client_crl = options.tls_crl;
    // Checked now, so a bad file is a usage error before anything starts.
    if (const auto loaded = server::TlsContexts::load(tls); !loaded.contexts) {
      std::cerr << "tenet serve: error: " << loaded.error << '\n';
      return kUsageOrIo;
    }
    server_options.tls = std::move(tls);
  }
  if (!options.metrics.empty()) {
    boost::asio::ip::tcp::endpoint endpoint;
    if (auto error = parse_endpoint(options.metrics, endpoint, "--metrics")) {
      std::cerr << "tenet serve: error: " << *error << '\n';
      return kUsageOrIo;
    }
    // Plain HTTP with no authentication, and it names partners: on a
    // network only when the operator says the network is trusted.
    if (!endpoint.address().is_loopback() && !options.allow_plaintext) {
      std::cerr << "tenet serve: error: --metrics " << options.metrics
                << ": the metrics listener is plain HTTP without authentication; on a "
                   "non-loopback address add --allow-plaintext (a network you trust), or bind "
                   "it to loopback and scrape it there\n";
      return kUsageOrIo;
    }
    server_options.metrics = endpoint;
    server_options.metrics_options.per_partner = !options.metrics_without_partners;
  }

  std::optional<server::TokenStore> tokens;
  if (!options.tokens.empty()) {
    auto loaded = server::TokenStore::load(options.tokens);
    if (!loaded.store) {
      std::cerr << "tenet serve: error: " << loaded.error << '\n';
      return kUsageOrIo;
    }
    tokens = std::move(loaded.store);
  }
  auto features = std::make_unique<server::FeatureState>();
  std::optional<std::filesystem::path> state_path;
  if (!options.state.empty()) state_path = options.state;
  if (auto error = server::FeatureState::load(state_path, *features)) {
    std::cerr << "tenet serve: error: " << *error << '\n';
    return kUsageOrIo;
  }

  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  if (!options.store.empty()) {
    store::FleetState state;
    bool from_cache = false;
    if (const int code = read_store_state(options, state, from_cache); code != kOk) return code;
    units::UnitOptions unit_options;
    unit_options.limits = options.limits;
    unit_options.assigned = state.assigned();
    unit_options.platform_revision = state.platform_revision();
    const units::Report loaded = units::load_texts(state.texts(), unit_options);
    if (const int code = report_start(loaded, options.strict); code != kOk) return code;
    // Authentication is always on: the tokens are the store's (and the
    // token file's, when given), and a store with none yet admits nobody.
    if (!tokens) tokens = server::TokenStore::from_entries({});
    server::Service service(std::filesystem::path(options.cache_dir), loaded.version,
                            std::move(tokens), std::move(features), policy_options);
    server::Service::StoreSettings settings;
    settings.units = {options.max_unit_bytes, options.keep_revisions};
    settings.url = options.store;
    if (!options.cache_dir.empty()) settings.cache_dir = options.cache_dir;
    service.serve_store(std::move(settings), std::move(state), from_cache);
    return serve_with_log(options, service, server_options);
  }
  units::UnitOptions unit_options;
  unit_options.limits = options.limits;
  // Revision numbers go on from the history a previous run kept.
  unit_options.known = server::PolicyHistory(options.directory, options.keep_revisions).known();
  const units::Report loaded = units::load(options.directory, unit_options);
  if (const int code = report_start(loaded, options.strict); code != kOk) return code;
  server::Service service(options.directory, loaded.version, std::move(tokens), std::move(features),
                          policy_options);
  service.adopt_units({options.max_unit_bytes, options.keep_revisions});
  // Read again on every reload (the op and SIGHUP): a token taken out of the
  // file stops working, on open connections too.
  if (!options.tokens.empty()) service.set_token_file(options.tokens);
  if (!options.audit_log.empty()) {
    if (auto error = service.audit().open_file(options.audit_log)) {
      std::cerr << "tenet serve: error: " << *error << '\n';
      return kUsageOrIo;
    }
  }
  return serve_with_log(options, service, server_options);
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command =
      app.add_subcommand("serve",
                         "Serve decisions over newline-delimited JSON (PROTOCOL.md) on TCP and/or "
                         "a Unix socket. Exit status: 0 "
                         "after a graceful drain (SIGTERM/SIGINT), 1 policy errors at start, 2 "
                         "usage or I/O error (including a Unix socket path a live server answers "
                         "on), 3 the drain timed out (--drain-timeout) and the connections still "
                         "open were cut. SIGHUP reloads (never removing a tenant: the reload op "
                         "with \"allow_removal\":true does).");
  command->add_option("DIR", options->directory, "Policy directory (not with --store)");
  command->add_option("--store", options->store,
                      "Serve the fleet's store (docs/FLEET.md): a PostgreSQL URL (libpq). The "
                      "replica loads the latest revisions, follows every change, and writes "
                      "put_policy, rollback and set_feature through the store; tokens come "
                      "from the store (and --tokens); no DIR");
  command->add_option("--cache-dir", options->cache_dir,
                      "With --store: keep the last state applied here, to start from when the "
                      "store cannot be reached");
  command
      ->add_option(
          "--listen", options->listen,
          "HOST:PORT to listen on (default 127.0.0.1:7070 when no --unix; port 0: any free port); "
          "repeat it to listen on several")
      // One value per --listen: DIR after it is DIR, not a second address.
      ->allow_extra_args(false);
  command->add_option("--unix", options->unix_sockets, "Unix socket path to listen on (repeatable)")
      ->allow_extra_args(false);
  command->add_option("--threads", options->threads, "Worker threads (default: number of cores)");
  command->add_option("--tls-cert", options->tls_cert,
                      "PEM certificate (and chain) of the server: every TCP listener speaks TLS "
                      "1.2+ (1.3 preferred); read again on SIGHUP");
  command->add_option("--tls-key", options->tls_key, "PEM private key of --tls-cert");
  command->add_option("--tls-client-ca", options->tls_client_ca,
                      "Mutual TLS: clients must present a certificate signed by this PEM CA; its "
                      "subjectAltName URI tenet:tenant:NAME (and tenet:rights:LIST) binds the "
                      "connection like a token");
  command->add_option("--tls-crl", options->tls_crl,
                      "PEM CRL of the client CA: revoked client certificates are refused");
  command->add_flag("--allow-plaintext", options->allow_plaintext,
                    "Allow a non-loopback listener without TLS (a network you trust)");
  command->add_option("--tokens", options->tokens,
                      "Token file (SHA256HEX TENANT RIGHTS per line), read again on every reload "
                      "(a token removed stops working on open connections too; a file that does "
                      "not load keeps the tokens serving)");
  command->add_option("--state", options->state,
                      "Feature switch state file (JSON), written atomically before set_feature "
                      "answers ok; without it set_feature is refused (forbidden)");
  command->add_option("--max-line", options->max_line, "Longest request line, in bytes")
      ->capture_default_str();
  command->add_option("--max-connections", options->max_connections, "Connections served at once")
      ->capture_default_str();
  command
      ->add_option("--idle-timeout", options->idle_timeout,
                   "Seconds before an idle connection is closed")
      ->capture_default_str();
  command
      ->add_option("--max-pending-bytes", options->max_pending_bytes,
                   "Answers a client may leave unread before it is disconnected, in bytes")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--hello-timeout", options->hello_timeout,
                   "With --tokens: seconds a connection has to authenticate (hello) before it "
                   "is closed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--line-timeout", options->line_timeout,
                   "Seconds from a request line's first byte to its newline before the "
                   "connection is closed (not extended by each byte)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--max-unauthenticated", options->max_unauthenticated,
                   "With --tokens: connections waiting for hello at once (default: half of "
                   "--max-connections; the rest is kept for authenticated clients). When full, "
                   "a new connection replaces the oldest waiting one")
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--drain-timeout", options->drain_timeout,
                   "Seconds a drain (SIGTERM/SIGINT) may take; then the connections still open "
                   "are cut and the exit status is 3")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--max-unit-bytes", options->max_unit_bytes,
                   "Largest partner unit put_policy accepts, in bytes (a request line must "
                   "also fit --max-line)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--keep-revisions", options->keep_revisions,
                   "Revisions of each partner unit kept in DIR/.tenet-history (the oldest are "
                   "pruned)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--metrics", options->metrics,
                      "HOST:PORT for Prometheus and load balancers over HTTP: GET /metrics, "
                      "/healthz, /readyz (docs/METRICS.md); no authentication: bind it where "
                      "only the scraper reaches");
  command->add_flag("--metrics-without-partners", options->metrics_without_partners,
                    "Leave out the per-partner series of /metrics (for fleets with very many "
                    "partners)");
  command->add_option("--decision-log", options->decision_log,
                      "Write one NDJSON record per decision to this file, and give every "
                      "decision response a decision_id (docs/DECISION_LOG.md); @sensitive "
                      "attributes are never written");
  command
      ->add_option("--decision-log-flush-ms", options->decision_log_flush_ms,
                   "The longest a record waits in memory before it is written: what kill -9 "
                   "may lose")
      ->capture_default_str()
      ->check(CLI::Range(1U, 60'000U));
  command
      ->add_option("--decision-log-overflow", options->decision_log_overflow,
                   "When the log's queues are full: block (the decision waits for its record; "
                   "none is lost) or drop (the record is dropped and counted)")
      ->capture_default_str()
      ->check(CLI::IsMember({"block", "drop"}));
  command
      ->add_option("--decision-log-max-bytes", options->decision_log_max_bytes,
                   "Rotate the log (FILE → FILE.1 …) before it grows past this many bytes; 0: "
                   "never by size")
      ->capture_default_str();
  command
      ->add_option("--decision-log-max-age", options->decision_log_max_age,
                   "Rotate the log when it is older than this many seconds; 0: never by age")
      ->capture_default_str();
  command
      ->add_option("--decision-log-files", options->decision_log_files,
                   "Rotated files kept (FILE.1 … FILE.N); older ones are removed")
      ->capture_default_str()
      ->check(CLI::Range(1U, 10'000U));
  command->add_flag("--decision-log-sync", options->decision_log_sync,
                    "fdatasync the log at every flush (survives a machine crash, at a cost)");
  command->add_option("--decision-log-sample", options->decision_log_sample,
                      "Share of decisions recorded, for every partner: RATE (0..1 or N%) or "
                      "allow=RATE,deny=RATE (deny includes invalid_request); default 1");
  command
      ->add_option("--decision-log-sample-partner", options->decision_log_sample_partner,
                   "TENANT:RATE or TENANT:allow=RATE,deny=RATE, overriding "
                   "--decision-log-sample for one partner (repeatable)")
      ->allow_extra_args(false);
  command->add_flag("--decision-log-to-store", options->decision_log_to_store,
                    "With --store and --decision-log: copy the log's records into the store's "
                    "tenet.decisions, one partition per day (docs/DECISION_LOG.md, \"Into the "
                    "store\")");
  command
      ->add_option("--replica-id", options->replica_id,
                   "The replica component of decision ids, 0..65535 (default: random at start); "
                   "give each replica of a fleet its own")
      ->check(CLI::Range(0U, 65535U));
  command->add_option("--audit-log", options->audit_log,
                      "Append one JSON record per admin action (start, stop, reload, token file "
                      "changes, set_feature, put_policy, rollback; refusals too) to FILE, "
                      "fdatasync'd before the action is answered (docs/AUDIT.md); not with "
                      "--store, whose audit is tenet.admin_audit");
  command->add_flag("--strict", options->strict,
                    "Refuse to start when a partner's policy unit does not compile (by default "
                    "the others are served and its requests deny with tenant_unavailable)");
  add_parse_limit_options(*command, options->limits);
  command->callback([options, &exit_code] {
    if (options->store.empty() == options->directory.empty()) {
      std::cerr << "tenet serve: error: "
                << (options->store.empty() ? "DIR is required (or --store URL)"
                                           : "DIR and --store exclude each other: a replica of "
                                             "the store serves what the store holds")
                << '\n';
      exit_code = kUsageOrIo;
      return;
    }
    if (!options->cache_dir.empty() && options->store.empty()) {
      std::cerr << "tenet serve: error: --cache-dir goes with --store\n";
      exit_code = kUsageOrIo;
      return;
    }
    if (!options->store.empty() && !options->audit_log.empty()) {
      std::cerr << "tenet serve: error: --audit-log does not go with --store: the audit records "
                   "go into the store's tenet.admin_audit\n";
      exit_code = kUsageOrIo;
      return;
    }
    if (!options->store.empty() && !options->state.empty()) {
      std::cerr << "tenet serve: error: --state does not go with --store: the switches live in "
                   "the store\n";
      exit_code = kUsageOrIo;
      return;
    }
    if (options->decision_log_to_store &&
        (options->store.empty() || options->decision_log.empty())) {
      std::cerr << "tenet serve: error: --decision-log-to-store copies the --decision-log FILE "
                   "into the --store URL: it needs both\n";
      exit_code = kUsageOrIo;
      return;
    }
    if (options->decision_log.empty() &&
        (!options->decision_log_sample.empty() || !options->decision_log_sample_partner.empty())) {
      std::cerr << "tenet serve: error: --decision-log-sample goes with --decision-log\n";
      exit_code = kUsageOrIo;
      return;
    }
    exit_code = run_serve(*options);
  });
}

}  // namespace tenet::cli
