// tenet::client — a header-only C++20 client of `tenet serve` (docs/PROTOCOL.md),
// over Boost.Asio (1.74+) and nlohmann_json.
//
//   tenet::client::Client client(tenet::client::Endpoint::parse("127.0.0.1:7070"),
//                                {.token = "..."});
//   tenet::client::Decision d = client.check({.tenant = "acme", ...});
//   if (d.allowed) ...
//
// Requests and responses are typed (Principal, Resource, CheckRequest ...,
// Decision). A response carrying an `error` object is never returned as a
// value: it throws ProtocolError (with the protocol's code), so an error can
// not be mistaken for a decision. Transport failures (cannot connect,
// connection lost, timeout, a reply out of order) throw ConnectionError and
// close the connection; the next call reconnects (and says `hello` again).
// Every exchange is bounded by Options::timeout.
//
// A call never returns another request's answer. Typed calls number their
// requests and check the id each answer echoes. And a connection whose
// request/answer pairing is uncertain is never used again: an exchange that
// did not read all its answers (a timeout, an error, an exception, a
// coroutine destroyed mid-call) leaves it marked out of step, and the next
// call opens a new connection.
//
// A connection the server closed while it was idle (its --idle-timeout, a
// restart between calls) is replaced before sending. If the close crosses the
// request (end of stream or reset on a connection idle since the last call,
// not one byte of the answer received) the request is sent once more on a
// new connection: the server answered nothing, so it did not act on it, or
// acted and died before answering; decision ops only read, so asking twice
// is safe, and set_feature / reload done twice leave the same state.
//
// Client is synchronous: it runs its own io_context inside each call.
// AsyncClient is the same API as `asio::awaitable`s on an executor the caller
// runs. `check_many` (and `call_lines`) pipeline: every request is written on
// the one connection, then the responses are read back in order.
//
// TLS: off unless Options::tls is set (a "HOST:PORT" address is plaintext, as
// before). With it, the connection is TLS 1.2+ and the server's certificate is
// verified by default: against TlsOptions::ca_file, or the system's CAs, and
// for the host of the address (a DNS name or an IP address) or
// TlsOptions::server_name. A failed verification is a ConnectionError naming
// the reason ("certificate verify failed: unable to get local issuer
// certificate"), never a hang. cert_file + key_file present a client
// certificate (mutual TLS): its `tenet:tenant:` binds the session, and the
// client says `hello` (without a token) to learn it (session()->tenant).
// An AsyncClient with TLS must run on one thread or a strand (a TLS stream's
// read and write share state).
//
// Thread-safety: neither class is thread-safe; use one per thread (or per
// strand). An AsyncClient's coroutines must not overlap (await one call
// before starting the next); the request arguments must outlive the call.
//
// GCC 12: pass named requests to AsyncClient calls (`const CheckRequest r{...};
// co_await client.check(r);`). GCC 12 destroys a braced temporary written
// inside a co_await expression twice (`co_await client.check({...})` crashes);
// the synchronous Client has no such restriction.
#pragma once

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including
// <utility>, so it must come first (and clang-format must not sort it after).
// clang-format off
#include <utility>
// clang-format on

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tenet::client {

namespace asio = boost::asio;
using nlohmann::json;

// ----------------------------------------------------------------- errors

// Base of every exception this client throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One finding about a policy unit, as `tenet check` prints it
// (FILE:LINE:COL: severity: message); `code` is the check's ("unknown-role").
struct Diagnostic {
  std::string file{};
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string severity{};  // "error" or "warning"
  std::string code{};
  std::string message{};

  [[nodiscard]] std::string to_string() const {
    return file + ':' + std::to_string(line) + ':' + std::to_string(column) + ": " + severity +
           ": " + message;
  }
};

// The server answered {"error": {"code": CODE, "message": ...}}: bad_json,
// bad_request, invalid_request, invalid_policy, unauthenticated, forbidden,
// too_large, unknown_op, overloaded, internal, unavailable (a fleet replica
// cut off from its store, docs/FLEET.md) (docs/PROTOCOL.md); or
// `unexpected_response` when a reply lacks the fields its op must carry. The
// connection stays usable (except after too_large, which the server answers by
// closing). A refused put_policy/rollback carries its structured `diagnostics`;
// a refused reload its rendered `diagnostics_text`.
class ProtocolError : public Error {
 public:
  ProtocolError(std::string code, const std::string& message,
                std::vector<Diagnostic> diagnostics = {}, std::string diagnostics_text = {})
      : Error(code + ": " + message),
        code_(std::move(code)),
        server_message_(message),
        diagnostics_(std::move(diagnostics)),
        diagnostics_text_(std::move(diagnostics_text)) {}
  [[nodiscard]] const std::string& code() const noexcept { return code_; }
  // The server's message, without the code.
  [[nodiscard]] const std::string& server_message() const noexcept { return server_message_; }
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }
  [[nodiscard]] const std::string& diagnostics_text() const noexcept { return diagnostics_text_; }

 private:
  std::string code_;
  std::string server_message_;
  std::vector<Diagnostic> diagnostics_;
  std::string diagnostics_text_;
};

// Could not connect, the connection broke, an exchange timed out, or the
// responses came back out of step. The connection is closed; the next call
// opens a new one.
class ConnectionError : public Error {
 public:
  using Error::Error;
};

// A ConnectionError because nothing came back within Options::timeout.
class TimeoutError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

// --------------------------------------------------------- typed requests

struct Principal {
  std::string id{};
  std::string role{};
  json attrs = json::object();  // attribute name → value, as the schema types it
};

struct Resource {
  std::string type{};
  std::string id{};
  std::string tenant{};                // required: tenant isolation is checked on it
  std::optional<std::string> state{};  // only for types with a lifecycle
  json attrs = json::object();
};

struct CheckRequest {
  std::string tenant{};
  Principal principal{};
  std::string action{};
  Resource resource{};
  std::optional<json> context{};
};

struct TransitionRequest {
  std::string tenant{};
  Principal principal{};
  std::string to{};
  std::optional<json> context{};
};

struct SubscribeRequest {
  std::string tenant{};
  Principal principal{};
  std::string plan{};
  std::optional<json> context{};
};

// `plans` and `features` ask the same question shape.
struct PrincipalRequest {
  std::string tenant{};
  Principal principal{};
  std::optional<json> context{};
};

struct LifecycleRequest {
  std::string tenant{};
  Principal principal{};
  Resource resource{};
  std::string to{};
  std::optional<json> context{};
};

// A rule that could not be evaluated (fail closed, docs/LANGUAGE.md §7.1).
struct RuleError {
  std::string rule{};
  std::string message{};
};

struct Decision {
  bool allowed = false;
  std::vector<std::string> reasons{};  // rule ids (`acme:owner-reads`) or built-in reasons
  std::vector<std::string> unmet{};    // on a deny: the false conditions, as source text
  std::vector<RuleError> errors{};
  // The revision of the tenant's policy unit that answered (none for an unknown tenant).
  std::optional<std::uint64_t> revision{};
};

// What a reload did with one partner unit that changed or was refused.
struct UnitOutcome {
  std::string tenant{};
  std::string outcome{};       // "applied", "added", "removed" or "refused"
  std::uint64_t revision = 0;  // served after the reload (the previous one when refused)
  std::string message{};
  std::string diagnostics{};  // rendered, for a refused unit
};

struct ReloadResult {
  std::uint64_t policy_version = 0;
  std::string platform{};  // "unchanged" or "applied"
  std::uint64_t platform_revision = 0;
  std::vector<UnitOutcome> units{};
  std::vector<std::string> removed_tenants{};
};

// The rule ids (TENANT:ID) a put adds, removes or changes.
struct PolicyChanges {
  std::vector<std::string> added{};
  std::vector<std::string> removed{};
  std::vector<std::string> changed{};
};

// The answer to put_policy and rollback.
struct PolicyPut {
  std::string tenant{};
  std::uint64_t revision = 0;  // the new one (the one it would get, for a dry run)
  std::string path{};          // under the policy directory: "tenants/acme.tenet"
  bool dry_run = false;
  PolicyChanges changes{};
  std::vector<Diagnostic> diagnostics{};  // warnings
};

// The unit served now (get_policy).
struct Policy {
  std::string tenant{};
  std::uint64_t revision = 0;
  std::string path{};
  std::string hash{};  // SHA-256 of the source
  std::string source{};
};

struct PolicyRevision {
  std::uint64_t revision = 0;
  std::string time{};
  std::string actor{};  // "sha256:<16 hex>" (a token), "anonymous" or "disk"
  std::string hash{};
};

struct PolicyHistory {
  std::string tenant{};
  std::vector<PolicyRevision> revisions{};  // newest first
};

// The answer to `hello`.
struct Session {
  std::optional<std::string> tenant{};  // empty for a global token
  std::string version{};
};

enum class FeatureSwitch { on, off, reset };  // reset = back to the policy's default

// ----------------------------------------------------------------- JSON codec

namespace codec {

inline json to_json(const Principal& p) {
  return json{{"id", p.id}, {"role", p.role}, {"attrs", p.attrs}};
}

inline json to_json(const Resource& r) {
  json out{{"type", r.type}, {"id", r.id}, {"tenant", r.tenant}, {"attrs", r.attrs}};
  if (r.state) out["state"] = *r.state;
  return out;
}

inline json request(std::string_view op, const std::string& tenant, const Principal& principal,
                    const std::optional<json>& context) {
  json out{{"op", op}, {"tenant", tenant}, {"principal", to_json(principal)}};
  if (context) out["context"] = *context;
  return out;
}

inline json to_json(const CheckRequest& r) {
  json out = request("check", r.tenant, r.principal, r.context);
  out["action"] = r.action;
  out["resource"] = to_json(r.resource);
  return out;
}

inline json to_json(const TransitionRequest& r) {
  json out = request("transition", r.tenant, r.principal, r.context);
  out["to"] = r.to;
  return out;
}

inline json to_json(const SubscribeRequest& r) {
  json out = request("subscribe", r.tenant, r.principal, r.context);
  out["plan"] = r.plan;
  return out;
}

inline json to_json(const LifecycleRequest& r) {
  json out = request("lifecycle", r.tenant, r.principal, r.context);
  out["resource"] = to_json(r.resource);
  out["to"] = r.to;
  return out;
}

// A response line as JSON; a line that is not a JSON object breaks the stream.
inline json parse_response(std::string_view line) {
  json response = json::parse(line, nullptr, false);
  if (!response.is_object()) throw ConnectionError("not a protocol response: " + std::string(line));
  return response;
}

inline std::uint64_t unsigned_field(const json& object, const char* field) {
  const auto found = object.find(field);
  return found != object.end() && found->is_number_unsigned() ? found->get<std::uint64_t>() : 0;
}

inline std::string string_field(const json& object, const char* field) {
  const auto found = object.find(field);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

// The structured `diagnostics` array of a put_policy/rollback answer (anything else: none).
inline std::vector<Diagnostic> diagnostics(const json& response) {
  std::vector<Diagnostic> out;
  const auto list = response.find("diagnostics");
  if (list == response.end() || !list->is_array()) return out;
  for (const json& item : *list) {
    if (!item.is_object()) continue;
    out.push_back({string_field(item, "file"), unsigned_field(item, "line"),
                   unsigned_field(item, "column"), string_field(item, "severity"),
                   string_field(item, "code"), string_field(item, "message")});
  }
  return out;
}

// Throws ProtocolError when the response carries an error object.
inline void throw_if_error(const json& response) {
  const auto error = response.find("error");
  if (error == response.end()) return;
  std::string code = "internal";
  std::string message;
  if (error->is_object()) {
    code = error->value("code", code);
    message = error->value("message", "");
  }
  throw ProtocolError(std::move(code), message, diagnostics(response),
                      string_field(response, "diagnostics"));
}

inline std::vector<std::string> strings(const json& response, const char* field) {
  std::vector<std::string> out;
  const auto list = response.find(field);
  if (list == response.end()) return out;
  if (!list->is_array())
    throw ProtocolError("unexpected_response", std::string(field) + " is not a list");
  for (const json& item : *list) {
    if (!item.is_string())
      throw ProtocolError("unexpected_response", std::string(field) + " holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

inline Decision to_decision(const json& response) {
  throw_if_error(response);
  const auto decision = response.find("decision");
  if (decision == response.end() || !decision->is_string()) {
    throw ProtocolError("unexpected_response", "no decision in " + response.dump());
  }
  Decision out;
  out.allowed = *decision == "allow";
  out.reasons = strings(response, "reasons");
  out.unmet = strings(response, "unmet");
  if (const auto errors = response.find("errors"); errors != response.end() && errors->is_array()) {
    for (const json& e : *errors) {
      if (e.is_object()) out.errors.push_back({e.value("rule", ""), e.value("message", "")});
    }
  }
  if (const auto revision = response.find("revision");
      revision != response.end() && revision->is_number_unsigned()) {
    out.revision = revision->get<std::uint64_t>();
  }
  return out;
}

inline ReloadResult to_reload(const json& response) {
  throw_if_error(response);
  ReloadResult out;
  out.policy_version = unsigned_field(response, "policy_version");
  out.platform = string_field(response, "platform");
  out.platform_revision = unsigned_field(response, "platform_revision");
  if (const auto units = response.find("units"); units != response.end() && units->is_array()) {
    for (const json& unit : *units) {
      if (!unit.is_object()) continue;
      out.units.push_back({string_field(unit, "tenant"), string_field(unit, "outcome"),
                           unsigned_field(unit, "revision"), string_field(unit, "message"),
                           string_field(unit, "diagnostics")});
    }
  }
  out.removed_tenants = strings(response, "removed_tenants");
  return out;
}

// put_policy and rollback; a refused unit throws ProtocolError (invalid_policy) with diagnostics.
inline PolicyPut to_policy_put(const json& response) {
  throw_if_error(response);
  PolicyPut out;
  out.tenant = string_field(response, "tenant");
  out.revision = unsigned_field(response, "revision");
  out.path = string_field(response, "path");
  out.dry_run = response.value("dry_run", false);
  if (const auto changes = response.find("changes");
      changes != response.end() && changes->is_object()) {
    out.changes = {strings(*changes, "added"), strings(*changes, "removed"),
                   strings(*changes, "changed")};
  }
  out.diagnostics = diagnostics(response);
  return out;
}

inline Policy to_policy(const json& response) {
  throw_if_error(response);
  return {string_field(response, "tenant"), unsigned_field(response, "revision"),
          string_field(response, "path"), string_field(response, "hash"),
          string_field(response, "source")};
}

inline PolicyHistory to_policy_history(const json& response) {
  throw_if_error(response);
  PolicyHistory out;
  out.tenant = string_field(response, "tenant");
  if (const auto list = response.find("revisions"); list != response.end() && list->is_array()) {
    for (const json& item : *list) {
      if (!item.is_object()) continue;
      out.revisions.push_back({unsigned_field(item, "revision"), string_field(item, "time"),
                               string_field(item, "actor"), string_field(item, "hash")});
    }
  }
  return out;
}

inline std::vector<std::string> to_names(const json& response, const char* field) {
  throw_if_error(response);
  if (!response.contains(field)) {
    throw ProtocolError("unexpected_response",
                        std::string("no ") + field + " in " + response.dump());
  }
  return strings(response, field);
}

}  // namespace codec

// ----------------------------------------------------------------- endpoint

struct Endpoint {
  enum class Kind { tcp, unix_socket };
  Kind kind = Kind::tcp;
  std::string host = "127.0.0.1";
  std::uint16_t port = 7070;
  std::string path;  // Unix socket

  static Endpoint tcp(std::string host, std::uint16_t port) {
    return Endpoint{Kind::tcp, std::move(host), port, {}};
  }
  static Endpoint unix_socket(std::string path) {
    return Endpoint{Kind::unix_socket, {}, 0, std::move(path)};
  }

  // "HOST:PORT" ("[::1]:7070" for IPv6) is TCP; "unix:PATH", or anything
  // with a '/' or without a ':', is a Unix socket path.
  static Endpoint parse(std::string_view address) {
    if (address.starts_with("unix:")) return unix_socket(std::string(address.substr(5)));
    const std::size_t colon = address.rfind(':');
    if (address.find('/') != std::string_view::npos || colon == std::string_view::npos) {
      return unix_socket(std::string(address));
    }
    std::string_view host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    const std::string_view digits = address.substr(colon + 1);
    unsigned long port = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9' || port > 65535)
        throw Error("bad port in address: " + std::string(address));
      port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (digits.empty() || port == 0 || port > 65535)
      throw Error("bad port in address: " + std::string(address));
    return tcp(std::string(host), static_cast<std::uint16_t>(port));
  }

  [[nodiscard]] std::string to_string() const {
    return kind == Kind::tcp ? host + ":" + std::to_string(port) : path;
  }
};

// TLS to a `tenet serve --tls-cert ...` TCP listener (not for Unix sockets).
struct TlsOptions {
  std::string ca_file{};      // PEM CA certificate(s) to trust; empty: the system's CAs
  std::string cert_file{};    // client certificate chain (PEM), for mutual TLS; with key_file
  std::string key_file{};     // its private key (PEM, unencrypted)
  std::string server_name{};  // the name (or IP) the server certificate must carry; empty: the host
};

struct Options {
  std::optional<std::string> token{};                // sent with `hello` on every connect
  std::chrono::milliseconds timeout{5000};           // per exchange (connect + hello, or one call)
  std::size_t max_response_line = 64 * 1024 * 1024;  // a longer reply breaks the connection
  std::optional<TlsOptions> tls{};                   // set: TLS with certificate verification
};

// ------------------------------------------------------------ AsyncClient

class AsyncClient {
 public:
  using Socket = asio::generic::stream_protocol::socket;

  AsyncClient(asio::any_io_executor executor, Endpoint endpoint, Options options = {})
      : executor_(std::move(executor)),
        socket_(executor_),
        endpoint_(std::move(endpoint)),
        options_(std::move(options)) {
    if (options_.tls) {
      if (endpoint_.kind != Endpoint::Kind::tcp)
        throw Error("TLS is for TCP addresses (HOST:PORT), not " + endpoint_.to_string());
      tls_context_ = make_tls_context(*options_.tls);
    }
  }

  AsyncClient(const AsyncClient&) = delete;
  AsyncClient& operator=(const AsyncClient&) = delete;

  [[nodiscard]] bool is_open() const { return socket_.is_open(); }
  [[nodiscard]] const Endpoint& endpoint() const { return endpoint_; }
  // The answer to the last `hello` (empty without a token or client certificate).
  [[nodiscard]] const std::optional<Session>& session() const { return session_; }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
    tls_stream_.reset();  // a pending write's handler holds its own reference
    buffer_.clear();
    in_step_ = false;
  }

  // Whether the connection speaks TLS (Options::tls).
  [[nodiscard]] bool uses_tls() const { return tls_context_ != nullptr; }

  // Opens the connection (closing any open one) and, with a token, says hello.
  asio::awaitable<void> connect() {
    close();
    Deadline deadline(executor_, socket_, options_.timeout);
    try {
      if (endpoint_.kind == Endpoint::Kind::unix_socket) {
        co_await socket_.async_connect(asio::local::stream_protocol::endpoint(endpoint_.path),
                                       asio::use_awaitable);
      } else {
        asio::ip::tcp::resolver resolver(executor_);
        const auto results = co_await resolver.async_resolve(
            endpoint_.host, std::to_string(endpoint_.port), asio::use_awaitable);
        boost::system::error_code last = asio::error::host_not_found;
        for (const auto& entry : results) {
          socket_.close(last);
          last = {};
          co_await socket_.async_connect(Socket::endpoint_type(entry.endpoint()),
                                         asio::redirect_error(asio::use_awaitable, last));
          if (!last) break;
        }
        if (last) throw boost::system::system_error(last);
        socket_.set_option(asio::ip::tcp::no_delay(true));
      }
    } catch (const boost::system::system_error& e) {
      close();
      if (deadline.expired())
        throw TimeoutError("cannot connect to " + endpoint_.to_string() + ": timed out");
      throw ConnectionError("cannot connect to " + endpoint_.to_string() + ": " +
                            e.code().message());
    }
    if (tls_context_) {
      tls_stream_ = std::make_shared<TlsStream>(socket_, *tls_context_);
      const bool named = expect_server_name(tls_stream_->native_handle());
      try {
        co_await tls_stream_->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
      } catch (const boost::system::system_error& e) {
        const long verified = SSL_get_verify_result(tls_stream_->native_handle());
        close();
        if (deadline.expired())
          throw TimeoutError("TLS handshake with " + endpoint_.to_string() + ": timed out");
        std::string why = e.code().message();
        if (verified != X509_V_OK) {
          (why += ": ") += X509_verify_cert_error_string(verified);
          if (verified == X509_V_ERR_HOSTNAME_MISMATCH ||
              verified == X509_V_ERR_IP_ADDRESS_MISMATCH)
            (why += " (expected ") += (named ? "name " : "IP address ") + expected_name() + ")";
        }
        throw ConnectionError("TLS handshake with " + endpoint_.to_string() + " failed: " + why);
      }
    }
    deadline.cancel();
    session_.reset();
    in_step_ = true;  // a new connection: nothing in flight
    // With a client certificate the session is bound by it: hello (without a
    // token) says to which tenant.
    if (options_.token || (options_.tls && !options_.tls->cert_file.empty())) {
      // Built outside the co_await: GCC 12 miscompiles ("array used as
      // initializer") an initializer list inside a co_await expression.
      std::string hello = hello_line(options_.token);
      const json response = codec::parse_response(co_await exchange_line(std::move(hello)));
      if (response.contains("error")) close();
      codec::throw_if_error(response);
      in_step_ = false;  // until the session is set: a throw below leaves it unusable
      Session session;
      if (const auto t = response.find("tenant"); t != response.end() && t->is_string())
        session.tenant = *t;
      session.version = response.value("version", "");
      session_ = std::move(session);
      in_step_ = true;
    }
  }

  // ---- decision ops

  asio::awaitable<Decision> check(const CheckRequest& r) {
    co_return codec::to_decision(co_await call_typed(codec::to_json(r)));
  }
  asio::awaitable<Decision> transition(const TransitionRequest& r) {
    co_return codec::to_decision(co_await call_typed(codec::to_json(r)));
  }
  asio::awaitable<Decision> subscribe(const SubscribeRequest& r) {
    co_return codec::to_decision(co_await call_typed(codec::to_json(r)));
  }
  asio::awaitable<Decision> lifecycle(const LifecycleRequest& r) {
    co_return codec::to_decision(co_await call_typed(codec::to_json(r)));
  }
  asio::awaitable<std::vector<std::string>> plans(const PrincipalRequest& r) {
    const json response =
        co_await call_typed(codec::request("plans", r.tenant, r.principal, r.context));
    co_return codec::to_names(response, "plans");
  }
  asio::awaitable<std::vector<std::string>> features(const PrincipalRequest& r) {
    const json response =
        co_await call_typed(codec::request("features", r.tenant, r.principal, r.context));
    co_return codec::to_names(response, "features");
  }

  // Pipelined: writes every request, then reads every response in order. If
  // any response is an error, all are read first (the connection stays in
  // step), then the first error is thrown, its message prefixed with the
  // index of its request.
  asio::awaitable<std::vector<Decision>> check_many(std::span<const CheckRequest> requests) {
    std::vector<json> encoded;
    encoded.reserve(requests.size());
    for (const CheckRequest& r : requests) encoded.push_back(codec::to_json(r));
    const std::vector<json> responses = co_await call_many_typed(std::move(encoded));
    std::vector<Decision> decisions;
    decisions.reserve(responses.size());
    for (std::size_t i = 0; i < responses.size(); ++i) {
      try {
        decisions.push_back(codec::to_decision(responses[i]));
      } catch (const ProtocolError& e) {
        throw ProtocolError(e.code(), "request " + std::to_string(i) + ": " + e.what());
      }
    }
    co_return decisions;
  }

  // ---- session and administration ops

  asio::awaitable<std::uint64_t> health() {
    const json response = co_await call_typed(op_only("health"));
    codec::throw_if_error(response);
    co_return response.value("policy_version", std::uint64_t{0});
  }
  asio::awaitable<json> stats() {
    json response = co_await call_typed(op_only("stats"));
    codec::throw_if_error(response);
    co_return response;
  }
  // What the reload did: the policy version serving after it and, per partner unit that
  // changed or was refused, its outcome (a broken unit is refused alone, the reload is still
  // ok). A reload refused whole throws ProtocolError (invalid_request, diagnostics_text()).
  asio::awaitable<ReloadResult> reload(bool allow_removal = false) {
    json request = op_only("reload");
    request["allow_removal"] = allow_removal;
    co_return codec::to_reload(co_await call_typed(std::move(request)));
  }
  asio::awaitable<void> set_feature(const std::string& tenant, const std::string& feature,
                                    FeatureSwitch state) {
    const char* text = state == FeatureSwitch::on    ? "on"
                       : state == FeatureSwitch::off ? "off"
                                                     : "default";
    json request = json::object();
    request["op"] = "set_feature";
    request["tenant"] = tenant;
    request["feature"] = feature;
    request["state"] = text;
    const json response = co_await call_typed(std::move(request));
    codec::throw_if_error(response);
  }

  // ---- partner policy units (the `author` right)

  // Replaces the tenant's unit with `source` (its whole text): a new revision, served by every
  // request after the answer; `dry_run` only reports what would change. Refused: ProtocolError
  // (invalid_policy with diagnostics(), too_large, forbidden), and nothing changes.
  asio::awaitable<PolicyPut> put_policy(const std::string& tenant, const std::string& source,
                                        bool dry_run = false) {
    json request = policy_request("put_policy", tenant);
    request["source"] = source;
    request["dry_run"] = dry_run;
    co_return codec::to_policy_put(co_await call_typed(std::move(request)));
  }
  asio::awaitable<Policy> get_policy(const std::string& tenant) {
    co_return codec::to_policy(co_await call_typed(policy_request("get_policy", tenant)));
  }
  asio::awaitable<PolicyHistory> policy_history(const std::string& tenant) {
    co_return codec::to_policy_history(
        co_await call_typed(policy_request("policy_history", tenant)));
  }
  // The source of `revision` becomes a new revision (invalid_request when it is not kept).
  asio::awaitable<PolicyPut> rollback(const std::string& tenant, std::uint64_t revision) {
    json request = policy_request("rollback", tenant);
    request["revision"] = revision;
    co_return codec::to_policy_put(co_await call_typed(std::move(request)));
  }

  // ---- raw lines: any op, no interpretation (errors come back as JSON)

  // One request line (without '\n') → its response line (without '\n').
  asio::awaitable<std::string> call_line(std::string_view line) {
    check_one_line(line);
    const bool idle = co_await ensure_connected();
    std::vector<std::string> lines = co_await exchange(std::string(line) + '\n', 1, idle);
    co_return std::move(lines.front());
  }

  // Pipelined raw lines: one response per request, in order.
  asio::awaitable<std::vector<std::string>> call_lines(std::span<const std::string> lines) {
    std::string payload;
    for (const std::string& line : lines) {
      check_one_line(line);
      (payload += line) += '\n';
    }
    const bool idle = co_await ensure_connected();
    co_return co_await exchange(std::move(payload), lines.size(), idle);
  }

 private:
  // Closes the socket if an exchange is not over within `timeout`, which
  // fails every pending operation on it: nothing waits longer than that.
  class Deadline {
   public:
    Deadline(const asio::any_io_executor& executor, Socket& socket,
             std::chrono::milliseconds timeout)
        : timer_(executor, timeout), expired_(std::make_shared<bool>(false)) {
      timer_.async_wait([&socket, expired = expired_](const boost::system::error_code& error) {
        if (error) return;  // cancelled: the exchange finished in time
        *expired = true;
        boost::system::error_code ignored;
        socket.close(ignored);
      });
    }
    ~Deadline() { cancel(); }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    void cancel() { timer_.cancel(); }
    [[nodiscard]] bool expired() const { return *expired_; }

   private:
    asio::steady_timer timer_;
    std::shared_ptr<bool> expired_;
  };

  // (Requests are built in plain functions: see hello in connect().)
  static std::string hello_line(const std::optional<std::string>& token) {
    json hello{{"op", "hello"}};
    if (token) hello["token"] = *token;
    return hello.dump();
  }

  using TlsStream = asio::ssl::stream<Socket&>;

  // TLS 1.2+, the server's certificate verified against `ca_file` (or the
  // system's CAs), and the client's own certificate when given. A file that
  // cannot be read is an Error here, at construction, not at each connect.
  static std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& tls) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code error;
    if (tls.ca_file.empty()) {
      context->set_default_verify_paths(error);
      if (error) throw Error("TLS: cannot load the system's CA certificates: " + error.message());
    } else {
      context->load_verify_file(tls.ca_file, error);
      if (error)
        throw Error("TLS: cannot load the CA file " + tls.ca_file + ": " + error.message());
    }
    if (tls.cert_file.empty() != tls.key_file.empty())
      throw Error("TLS: a client certificate needs both cert_file and key_file");
    if (!tls.cert_file.empty()) {
      context->use_certificate_chain_file(tls.cert_file, error);
      if (error)
        throw Error("TLS: cannot load the certificate " + tls.cert_file + ": " + error.message());
      context->use_private_key_file(tls.key_file, asio::ssl::context::pem, error);
      if (error) throw Error("TLS: cannot load the key " + tls.key_file + ": " + error.message());
    }
    return context;
  }

  [[nodiscard]] std::string expected_name() const {
    return options_.tls->server_name.empty() ? endpoint_.host : options_.tls->server_name;
  }

  // The name the server's certificate must carry: an IP address is matched
  // against its IP SANs, a DNS name against its DNS SANs (and sent as SNI).
  // True for a DNS name.
  bool expect_server_name(SSL* ssl) const {
    const std::string name = expected_name();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    boost::system::error_code not_ip;
    (void)asio::ip::make_address(name, not_ip);
    if (!not_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
      return false;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    SSL_set_tlsext_host_name(ssl, name.c_str());
    return true;
  }
  static json op_only(const char* op) { return json{{"op", op}}; }
  static json policy_request(const char* op, const std::string& tenant) {
    json request = op_only(op);
    request["tenant"] = tenant;
    return request;
  }

  // A '\n' inside would put the answers out of step; a blank line gets none.
  static void check_one_line(std::string_view line) {
    if (line.find('\n') != std::string_view::npos ||
        line.find_first_not_of(" \t\r") == std::string_view::npos) {
      throw Error("a request must be one non-blank line without '\\n'");
    }
  }

  // A connection in step with the server, opened (again) if need be. True
  // when it is one kept from an earlier call (idle since), false when new.
  asio::awaitable<bool> ensure_connected() {
    if (socket_.is_open() && in_step_ && idle_connection_usable()) co_return true;
    co_await connect();
    co_return false;
  }

  // Whether a connection idle since the last call can carry a request: not
  // closed by the server (end of stream, reset) and holding no bytes nobody
  // asked for. Peeks without blocking; reads nothing.
  bool idle_connection_usable() {
    if (!buffer_.empty()) return false;
    boost::system::error_code error;
    socket_.non_blocking(true, error);
    if (error) return false;
    char byte = 0;
    if (tls_stream_) {
      // TLS records the server sends unasked (TLS 1.3 session tickets) are
      // not answers: read through TLS, without blocking; a byte of data is.
      if (tls_stream_->read_some(asio::buffer(&byte, 1), error) > 0) buffer_.push_back(byte);
    } else {
      socket_.receive(asio::buffer(&byte, 1), Socket::message_peek, error);
    }
    boost::system::error_code ignored;
    socket_.non_blocking(false, ignored);
    return error == asio::error::would_block;
  }

  static bool closed_by_peer(const boost::system::error_code& error) {
    return error == asio::error::eof || error == asio::error::connection_reset ||
           error == asio::error::broken_pipe;
  }

  asio::awaitable<std::string> exchange_line(std::string line) {
    line += '\n';
    std::vector<std::string> lines = co_await exchange(std::move(line), 1, false);
    co_return std::move(lines.front());
  }

  // Writes `payload` (complete lines) while reading `count` response lines.
  // The write runs alongside the reads, so a long pipeline can not deadlock
  // against the server's own writes. `idle`: the connection was kept from an
  // earlier call, so a close by the server before any answer byte means it
  // closed an idle connection: the payload is sent once more on a new one.
  asio::awaitable<std::vector<std::string>> exchange(std::string payload, std::size_t count,
                                                     bool idle) {
    for (;;) {
      std::vector<std::string> lines;
      bool send_again = false;
      {
        Deadline deadline(executor_, socket_, options_.timeout);
        // Out of step until the last answer is read: whatever ends this
        // exchange early (even the coroutine's destruction) leaves it so.
        in_step_ = false;
        auto write_state = std::make_shared<WriteState>();
        // Kept only while it may have to be sent again.
        write_state->payload = idle ? payload : std::move(payload);
        // The write's handler keeps the TLS stream alive: it may complete
        // after a failed read closed the connection and connect() replaced it.
        const auto wrote = [write_state, keep = tls_stream_](const boost::system::error_code& error,
                                                             std::size_t) {
          write_state->error = error;
        };
        if (tls_stream_) {
          asio::async_write(*tls_stream_, asio::buffer(write_state->payload), wrote);
        } else {
          asio::async_write(socket_, asio::buffer(write_state->payload), wrote);
        }
        lines.reserve(count);
        try {
          while (lines.size() < count) {
            std::size_t length = 0;
            auto into = asio::dynamic_buffer(buffer_, options_.max_response_line);
            if (tls_stream_) {
              length =
                  co_await asio::async_read_until(*tls_stream_, into, '\n', asio::use_awaitable);
            } else {
              length = co_await asio::async_read_until(socket_, into, '\n', asio::use_awaitable);
            }
            lines.emplace_back(buffer_, 0, length - 1);
            buffer_.erase(0, length);
          }
        } catch (const boost::system::system_error& e) {
          const bool nothing_answered = lines.empty() && buffer_.empty();
          close();
          if (deadline.expired()) {
            throw TimeoutError("no response from " + endpoint_.to_string() + " within " +
                               std::to_string(options_.timeout.count()) + " ms");
          }
          send_again = idle && nothing_answered &&
                       (closed_by_peer(e.code()) || closed_by_peer(write_state->error));
          if (!send_again) {
            const std::string why =
                write_state->error ? write_state->error.message() : e.code().message();
            throw ConnectionError("connection to " + endpoint_.to_string() + " lost: " + why);
          }
        }
        if (!send_again) {
          in_step_ = true;
          co_return lines;
        }
      }
      idle = false;  // once: the new connection is not idle
      co_await connect();
    }
  }

  struct WriteState {
    std::string payload;
    boost::system::error_code error;
  };

  // Numbers the request, sends it, and checks that the response answers it.
  asio::awaitable<json> call_typed(json request) {
    std::vector<json> one;
    one.push_back(std::move(request));
    std::vector<json> responses = co_await call_many_typed(std::move(one));
    co_return std::move(responses.front());
  }

  asio::awaitable<std::vector<json>> call_many_typed(std::vector<json> requests) {
    const bool idle = co_await ensure_connected();
    const std::uint64_t first = next_id_;
    std::string payload;
    for (json& request : requests) {
      request["id"] = next_id_++;
      (payload += request.dump()) += '\n';
    }
    const std::vector<std::string> lines =
        co_await exchange(std::move(payload), requests.size(), idle);
    std::vector<json> responses;
    responses.reserve(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      json response = json::parse(lines[i], nullptr, false);
      const auto id = response.is_object() ? response.find("id") : response.end();
      const bool in_step =
          id != response.end() && id->is_number_unsigned() && id->get<std::uint64_t>() == first + i;
      // Only a line the server could not read (bad_json, too_large) is
      // answered without its id, and that answer is an error, never a decision.
      const bool unread = response.is_object() && (id == response.end() || id->is_null()) &&
                          response.contains("error");
      if (!in_step && !unread) {
        close();
        throw ConnectionError("response out of step: expected id " + std::to_string(first + i) +
                              ", got " + lines[i]);
      }
      if (const auto error = response.find("error"); error != response.end() &&
                                                     error->is_object() &&
                                                     error->value("code", "") == "too_large") {
        close();  // the server closes after too_large
      }
      responses.push_back(std::move(response));
    }
    co_return responses;
  }

  asio::any_io_executor executor_;
  Socket socket_;
  Endpoint endpoint_;
  Options options_;
  std::shared_ptr<asio::ssl::context> tls_context_;  // with Options::tls
  std::shared_ptr<TlsStream> tls_stream_;            // over socket_, one per connection
  std::string buffer_;                               // bytes read past the last complete line
  std::uint64_t next_id_ = 1;
  std::optional<Session> session_;
  bool in_step_ = false;  // open, said hello, and every answer asked for was read
};

// ----------------------------------------------------------------- Client

// The synchronous client: AsyncClient on a private io_context, run to
// completion inside each call (bounded by Options::timeout).
class Client {
 public:
  // Connects at once (throws ConnectionError / ProtocolError on failure).
  explicit Client(Endpoint endpoint, Options options = {})
      : async_(context_.get_executor(), std::move(endpoint), std::move(options)) {
    run(async_.connect());
  }

  [[nodiscard]] bool is_open() const { return async_.is_open(); }
  [[nodiscard]] const std::optional<Session>& session() const { return async_.session(); }
  void close() { async_.close(); }
  void reconnect() { run(async_.connect()); }

  [[nodiscard]] Decision check(const CheckRequest& r) { return run(async_.check(r)); }
  [[nodiscard]] Decision transition(const TransitionRequest& r) {
    return run(async_.transition(r));
  }
  [[nodiscard]] Decision subscribe(const SubscribeRequest& r) { return run(async_.subscribe(r)); }
  [[nodiscard]] Decision lifecycle(const LifecycleRequest& r) { return run(async_.lifecycle(r)); }
  [[nodiscard]] std::vector<std::string> plans(const PrincipalRequest& r) {
    return run(async_.plans(r));
  }
  [[nodiscard]] std::vector<std::string> features(const PrincipalRequest& r) {
    return run(async_.features(r));
  }
  [[nodiscard]] std::vector<Decision> check_many(std::span<const CheckRequest> r) {
    return run(async_.check_many(r));
  }

  [[nodiscard]] std::uint64_t health() { return run(async_.health()); }
  [[nodiscard]] json stats() { return run(async_.stats()); }
  ReloadResult reload(bool allow_removal = false) { return run(async_.reload(allow_removal)); }
  void set_feature(const std::string& tenant, const std::string& feature, FeatureSwitch state) {
    run(async_.set_feature(tenant, feature, state));
  }

  PolicyPut put_policy(const std::string& tenant, const std::string& source, bool dry_run = false) {
    return run(async_.put_policy(tenant, source, dry_run));
  }
  [[nodiscard]] Policy get_policy(const std::string& tenant) {
    return run(async_.get_policy(tenant));
  }
  [[nodiscard]] PolicyHistory policy_history(const std::string& tenant) {
    return run(async_.policy_history(tenant));
  }
  PolicyPut rollback(const std::string& tenant, std::uint64_t revision) {
    return run(async_.rollback(tenant, revision));
  }

  [[nodiscard]] std::string call_line(std::string_view line) { return run(async_.call_line(line)); }
  [[nodiscard]] std::vector<std::string> call_lines(std::span<const std::string> lines) {
    return run(async_.call_lines(lines));
  }

 private:
  template <typename T>
  T run(asio::awaitable<T> operation) {
    std::exception_ptr failure;
    std::optional<T> result;
    asio::co_spawn(context_, std::move(operation), [&](std::exception_ptr e, T value) {
      failure = e;
      if (!e) result.emplace(std::move(value));
    });
    drive();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }

  void run(asio::awaitable<void> operation) {
    std::exception_ptr failure;
    asio::co_spawn(context_, std::move(operation), [&](std::exception_ptr e) { failure = e; });
    drive();
    if (failure) std::rethrow_exception(failure);
  }

  // Runs until the operation and its timer are done: the Deadline bounds it.
  void drive() {
    context_.restart();
    context_.run();
  }

  asio::io_context context_{1};
  AsyncClient async_;
};

}  // namespace tenet::client
