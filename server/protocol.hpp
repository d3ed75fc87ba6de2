// The protocol of one connection, without sockets: request line → response
// line(s), with the session's authentication state.
//
// Decision ops and `batch` go through engine/json/line_handler (`LineHandler`),
// after the session checks (hello first when the server has tokens; the
// `check` right; a tenant-scoped token gets `forbidden` for any request —
// or batch item — whose `tenant` is another tenant). hello, health, stats,
// reload and set_feature are answered here. Choices where docs/PROTOCOL.md is
// silent:
//   - a reload that fails answers `invalid_request` (the policy set is not
//     valid) with the rendered diagnostics as message, plus the version
//     still serving as `policy_version`; so does one that would remove
//     tenants without `"allow_removal":true`, with `removed_tenants`;
//   - `set_feature` of an undeclared tenant or feature: `invalid_request`;
//     a state file that cannot be written: `internal` (nothing switched);
//   - `resource.tenant` naming another tenant is left to the engine, which
//     answers deny with reason `cross_tenant` (tenant isolation).
//   - a failed hello (unknown or missing token) leaves the session with no
//     rights, even after an earlier successful hello; it is logged (with
//     the peer, never the token) and counted (`failed_hellos` in stats),
//     and the kMaxFailedHellos-th on one connection is answered and the
//     connection closed (close_requested()); successes do not reset the
//     count, so a partner's valid token cannot cover guesses at another's;
//   - `set_feature` on a server without a state file: `forbidden` (a switch
//     a restart would lose is never acknowledged);
//   - an `id` that is an object or array: `bad_request` with `"id":null`.
//   - a token withdrawn while the session is open (Service::replace_tokens,
//     a reload of the token file): the session's next request that needs
//     authentication (anything but hello and health; a batch line once) is
//     answered `unauthenticated` and the session has no rights until a new
//     hello (logged, not counted as a failed hello); a token whose tenant or
//     rights changed gets its new grant from the next request on. Checked
//     only when Service::token_generation() moved since the session last
//     looked: one atomic load per request otherwise.
//   - a token with an expiry (Grant::expires): hello is refused once it has
//     passed (`unauthenticated`, the message says it expired, counted as a
//     failed hello), and a session authenticated with it is answered
//     `unauthenticated` on its first request at or after the expiry, then
//     has no rights, as for a withdrawn token (logged `token_expired`). The
//     expiry is a wall-clock instant, but the check per request compares
//     the steady clock read the line already makes with a cached deadline
//     (token_deadline_); the wall clock is read again only when that
//     deadline passes, and the deadline is never more than kExpiryRecheck
//     ahead, so a wall clock stepped or slewed meanwhile moves the cut-off
//     by at most that much.
//   - a session bound to a client certificate (bind_certificate): its
//     notAfter is enforced as a token's expiry, and after a reload of the
//     TLS settings (Service::trust_generation() moved) its next request
//     verifies the certificate again against the new CA and CRL; one no
//     longer trusted is answered `unauthenticated` and the connection closes
//     (close_requested()).
//
// One Protocol per connection, used by one thread at a time; the Scratch
// (the line handler) belongs to the calling thread. The Service is shared.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/engine.hpp"
#include "engine/json/line_handler.hpp"
#include "server/decision_log/decision_recorder.hpp"
#include "server/service.hpp"
#include "server/tokens.hpp"

namespace tenet::server {

// Per-thread scratch reused from one request to the next.
struct Scratch {
  Scratch() { handler.parser().set_server_ops(true); }
  json::LineHandler handler;
  decision_log::DecisionRecorder recorder;  // used when the server has a decision log
  // With a decision log: when the line started, then when its last decision
  // was answered (a batch item's latency runs from the one before it).
  std::chrono::steady_clock::time_point mark;
};

// What an admin op (reload, set_feature) leaves to be done off the I/O
// thread: it compiles or fsyncs, then appends the answer (without '\n').
struct AdminJob {
  using Run = std::function<void(std::string& out)>;
  std::string queue;  // the tenant it acts for ("*": reload): Service::run_admin's turn
  Run run;

  explicit operator bool() const { return static_cast<bool>(run); }
  void operator()(std::string& out) const { run(out); }
};

class Protocol {
 public:
  // `peer` names the client in logs (an address, or "unix").
  explicit Protocol(Service& service, std::string peer = {})
      : service_(service), peer_(std::move(peer)) {}

  // Failed hellos after which the connection is closed.
  static constexpr unsigned kMaxFailedHellos = 3;
  // How far ahead of the last wall-clock read a token's expiry deadline
  // may be cached (see the comment at the top).
  static constexpr std::chrono::seconds kExpiryRecheck{60};

  // Like handle(), except that reload and set_feature are not run here: when
  // the line is one of them (and allowed), nothing is appended and the job
  // is returned. The caller runs it off the I/O thread (it blocks for a
  // compile or an fsync), appends its output and a '\n', and re-pins
  // `policies` before the next line, so pipelined lines after a reload see
  // the new set.
  [[nodiscard]] AdminJob handle_deferring(std::shared_ptr<const CompiledPolicySet>& policies,
                                          std::string_view line, Scratch& scratch,
                                          std::string& out);

  // Appends the response to `line` (without its '\n') and a '\n' to `out`.
  // `policies` is the snapshot the caller pinned for this read; a reload
  // answered here re-pins it, so the next lines see the new set.
  void handle(std::shared_ptr<const CompiledPolicySet>& policies, std::string_view line,
              Scratch& scratch, std::string& out);

  // The `too_large` answer for a line over the limit (the caller then closes).
  void answer_too_large(std::size_t limit, std::string& out);

  [[nodiscard]] const std::optional<Grant>& grant() const { return grant_; }
  // Mutual TLS: the verified client certificate's grant is the session's
  // credential from the start, whether or not the server has a token file;
  // hello then answers it (a token in it is not consulted) and a reload of
  // the token file does not touch it (docs/SECURITY.md). Its expiry is the
  // certificate's notAfter, enforced like a token's; after the server
  // reloads its TLS settings, `still_trusted` is asked again ("" when the
  // certificate still verifies, else why not) and a certificate no longer
  // trusted (revoked by the new CRL) ends the session.
  using CertificateCheck = std::function<std::string()>;
  void bind_certificate(Grant grant, CertificateCheck still_trusted);
  [[nodiscard]] bool certificate_bound() const { return certificate_bound_; }
  // The connection must be closed once the answers so far are sent (too
  // many failed hellos, or a client certificate no longer trusted).
  [[nodiscard]] bool close_requested() const {
    return failed_hellos_ >= kMaxFailedHellos || credential_ended_;
  }

 private:
  // The server ops, one function each. reload and set_feature return the
  // job instead of answering, and set `queue` to the tenant it acts for.
  [[nodiscard]] AdminJob::Run answer_server_op(const json::ParsedRequest& request, std::string& out,
                                               std::string& queue,
                                               std::chrono::steady_clock::time_point now);
  void answer(const json::HelloRequest& hello, std::string_view id, std::string& out);
  void answer(const json::HealthRequest& health, std::string_view id, std::string& out);
  void answer(const json::StatsRequest& stats, std::string_view id, std::string& out);
  [[nodiscard]] AdminJob::Run answer(const json::ReloadRequest& reload, std::string_view id,
                                     std::string& out, std::string& queue);
  [[nodiscard]] AdminJob::Run answer(const json::SetFeatureRequest& set_feature,
                                     std::string_view id, std::string& out, std::string& queue);
  // Partner units (docs/UNITS.md): each runs on the admin thread in the
  // turn of the tenant it acts for.
  [[nodiscard]] AdminJob::Run answer(const json::PutPolicyRequest& put, std::string_view id,
                                     std::string& out, std::string& queue);
  [[nodiscard]] AdminJob::Run answer(const json::GetPolicyRequest& get, std::string_view id,
                                     std::string& out, std::string& queue);
  [[nodiscard]] AdminJob::Run answer(const json::PolicyHistoryRequest& history, std::string_view id,
                                     std::string& out, std::string& queue);
  [[nodiscard]] AdminJob::Run answer(const json::RollbackRequest& rollback, std::string_view id,
                                     std::string& out, std::string& queue);
  // A change the session may not make (forbidden): the job audits it as
  // refused (docs/AUDIT.md), then answers `message`.
  [[nodiscard]] AdminJob::Run refused_change(std::string_view id, std::string& queue,
                                             AuditRecord record, std::string message);
  // The tenant of a unit op, when the session may author it (else the
  // error is answered and nothing is returned).
  [[nodiscard]] std::optional<std::string> unit_tenant(std::optional<std::string_view> tenant,
                                                       std::string_view op, std::string_view id,
                                                       std::string& out);
  // A decision op (or one batch item): the session checks, the engine's
  // answer, the counters and, with a decision log, the decision_id and
  // the record.
  void answer_decision(const std::shared_ptr<const CompiledPolicySet>& policies,
                       const json::ParsedRequest& request, Scratch& scratch, std::string& out);
  void error(std::string& out, json::RequestOp op, std::string_view id, json::ErrorCode code,
             std::string_view message);
  // Answers a failed hello: no rights left, logged, counted.
  void hello_failed(std::string& out, std::string_view id, json::ErrorCode code,
                    std::string_view message);
  // Before a request that needs authentication: when the service's tokens
  // changed since this session last looked, takes the grant its token has
  // now; when the cached expiry deadline has passed, checks the expiry
  // against the wall clock. False when the token was withdrawn or expired:
  // the session lost its rights and the request is answered
  // (`unauthenticated`). `now`: the steady clock read at the line's start.
  [[nodiscard]] bool token_still_valid(std::string& out, json::RequestOp op, std::string_view id,
                                       std::chrono::steady_clock::time_point now) {
    if (!grant_) return true;  // nothing to withdraw or expire
    if (certificate_bound_) {
      if (service_.trust_generation() == trust_generation_ && now < token_deadline_) return true;
      return recheck_certificate(out, op, id, now);
    }
    if (service_.token_generation() == token_generation_ && now < token_deadline_) return true;
    return recheck_token(out, op, id, now);
  }
  // The same for a client certificate: the trust settings were reloaded or
  // the deadline passed. False (and the connection to be closed) when the
  // certificate is no longer trusted or has expired.
  [[nodiscard]] bool recheck_certificate(std::string& out, json::RequestOp op, std::string_view id,
                                         std::chrono::steady_clock::time_point now);
  // token_still_valid() off the hot path: the set changed or the deadline passed.
  [[nodiscard]] bool recheck_token(std::string& out, json::RequestOp op, std::string_view id,
                                   std::chrono::steady_clock::time_point now);
  // token_deadline_ for grant_ (max without expiry).
  void set_token_deadline(std::chrono::steady_clock::time_point now,
                          std::chrono::system_clock::time_point wall_now);
  // Whether the session's rights are checked: with a token file, or
  // bound to a client certificate.
  [[nodiscard]] bool checks_rights() const {
    return service_.authenticates() || certificate_bound_;
  }
  [[nodiscard]] bool authenticated() const { return !checks_rights() || grant_.has_value(); }
  [[nodiscard]] bool may_check() const { return !checks_rights() || (grant_ && grant_->check); }
  [[nodiscard]] bool may_admin() const { return !checks_rights() || (grant_ && grant_->admin); }
  // put_policy & co: an `author` token of that tenant, or a global admin
  // or author token.
  [[nodiscard]] bool may_author(std::string_view tenant) const {
    if (!checks_rights()) return true;
    if (!grant_) return false;
    if (grant_->all_tenants()) return grant_->admin || grant_->author;
    return grant_->author && grant_->tenant == tenant;
  }
  [[nodiscard]] std::string actor() const {
    return grant_ && !grant_->id.empty() ? grant_->id : "anonymous";
  }
  [[nodiscard]] bool may_tenant(std::string_view tenant) const {
    return !checks_rights() || (grant_ && (grant_->all_tenants() || grant_->tenant == tenant));
  }

  Service& service_;
  std::string peer_;
  std::optional<Grant> grant_;
  // While grant_ is set: the SHA-256 of the token of the hello that gave it
  // (never the token), and the token generation its grant was read from.
  std::array<unsigned char, 32> token_hash_{};
  std::uint64_t token_generation_ = 0;
  // While grant_ is set: before this steady instant the token has not
  // expired (max: it does not expire). See set_token_deadline().
  std::chrono::steady_clock::time_point token_deadline_ =
      std::chrono::steady_clock::time_point::max();
  unsigned failed_hellos_ = 0;
  bool certificate_bound_ = false;
  // Certificate-bound: the check after a trust reload, and the trust
  // generation the certificate was last verified in.
  CertificateCheck certificate_check_;
  std::uint64_t trust_generation_ = 0;
  // The session's certificate stopped being trusted: close after answering.
  bool credential_ended_ = false;
};

}  // namespace tenet::server
