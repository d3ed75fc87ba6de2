#include "server/protocol.hpp"

#include <chrono>
#include <exception>
#include <type_traits>
#include <variant>

#include "engine/json/line_handler.hpp"
#include "server/log.hpp"

#ifndef TENET_VERSION
#define TENET_VERSION "0.0.0"
#endif

namespace tenet::server {
namespace {

using json::ErrorCode;

// The per-unit outcomes of a reload (docs/UNITS.md), as a JSON array.
std::string units_json(const std::vector<units::UnitReport>& reports) {
  std::string out = "[";
  for (const units::UnitReport& unit : reports) {
    if (out.size() > 1) out += ',';
    json::ObjectWriter item(out);
    item.string("tenant", unit.tenant)
        .string("outcome", units::outcome_name(unit.outcome))
        .number("revision", unit.revision);
    if (!unit.message.empty()) item.string("message", unit.message);
    if (!unit.diagnostics.empty()) {
      std::string text;
      for (const Diagnostic& diagnostic : unit.diagnostics)
        text += render(diagnostic, *unit.sources);
      item.string("diagnostics", text);
    }
    item.close();
  }
  return out + ']';
}

// With a token file: whether the reload took it (and how many tokens serve),
// or why not (the old tokens are kept).
void write_reload_tokens(json::ObjectWriter& answer, const Service::ReloadResult& result) {
  if (!result.tokens) return;
  answer.begin("tokens").boolean("ok", result.tokens->ok);
  if (result.tokens->ok) {
    answer.number("count", static_cast<std::uint64_t>(result.tokens->count));
  } else {
    answer.string("message", result.tokens->message);
  }
  answer.end();
}

// The answer to `reload`: ok with what each unit did, or invalid_request
// with the diagnostics or the tenants the new set would remove; the version
// serving after the call; the token file's outcome.
void write_reload_answer(std::string& out, std::string_view id,
                         const Service::ReloadResult& result) {
  json::ObjectWriter answer(out, id);
  if (result.ok) {
    answer.boolean("ok", true).number("policy_version", result.policy_version);
    if (!result.removed_tenants.empty()) answer.strings("removed_tenants", result.removed_tenants);
    answer.string("platform", result.platform_changed ? "applied" : "unchanged")
        .number("platform_revision", result.platform_revision)
        .raw("units", units_json(result.units));
    write_reload_tokens(answer, result);
    answer.close();
    return;
  }
  if (result.unavailable) {
    answer.error(ErrorCode::Unavailable, result.message);
  } else if (result.removed_tenants.empty()) {
    answer.error(
        ErrorCode::InvalidRequest,
        (result.message.empty() ? std::string("the policy set has errors") : result.message) +
            "; the old one keeps serving\n" + result.diagnostics);
  } else {
    std::string names;
    for (const std::string& name : result.removed_tenants)
      names += (names.empty() ? "" : ", ") + name;
    answer.error(ErrorCode::InvalidRequest,
                 "the new policy set no longer declares tenant(s) " + names +
                     "; send {\"op\":\"reload\",\"allow_removal\":true} to remove them; the "
                     "old set keeps serving");
    answer.strings("removed_tenants", result.removed_tenants);
  }
  answer.number("policy_version", result.policy_version);
  if (!result.diagnostics.empty()) answer.string("diagnostics", result.diagnostics);
  if (!result.units.empty()) answer.raw("units", units_json(result.units));
  write_reload_tokens(answer, result);
  answer.close();
}

// Diagnostics as objects (docs/UNITS.md): the texts `tenet check` prints.
std::string diagnostics_json(const std::vector<Diagnostic>& diagnostics, const SourceSet* sources) {
  std::string out = "[";
  for (const Diagnostic& d : diagnostics) {
    if (out.size() > 1) out += ',';
    json::ObjectWriter item(out);
    item.string("file", sources != nullptr ? std::string_view(sources->file(d.span.file).path)
                                           : std::string_view{})
        .number("line", std::uint64_t{d.span.line})
        .number("column", std::uint64_t{d.span.column})
        .string("severity", d.severity == Severity::Error ? "error" : "warning")
        .string("code", code_name(d.code))
        .string("message", d.message)
        .close();
  }
  return out + ']';
}

ErrorCode put_error_code(std::string_view code) {
  if (code == "too_large") return ErrorCode::TooLarge;
  if (code == "invalid_policy") return ErrorCode::InvalidPolicy;
  if (code == "unavailable") return ErrorCode::Unavailable;
  if (code == "forbidden") return ErrorCode::Forbidden;
  return ErrorCode::InvalidRequest;
}

// The answer to put_policy and rollback.
void write_put_answer(std::string& out, std::string_view id, const std::string& tenant,
                      const Service::PutResult& result, bool dry_run) {
  const units::PutReport& report = result.report;
  const std::string diagnostics = diagnostics_json(report.diagnostics, report.sources.get());
  json::ObjectWriter answer(out, id);
  if (!result.failure.empty()) {
    answer.error(ErrorCode::Internal,
                 "the unit could not be written: " + result.failure + "; nothing changed");
  } else if (!report.ok) {
    answer.error(put_error_code(report.error_code), report.message);
    answer.raw("diagnostics", diagnostics);
  } else {
    answer.boolean("ok", true)
        .string("tenant", tenant)
        .number("revision", report.revision)
        .string("path", report.path)
        .boolean("dry_run", dry_run);
    answer.begin("changes")
        .strings("added", report.added)
        .strings("removed", report.removed)
        .strings("changed", report.changed)
        .end();
    answer.raw("diagnostics", diagnostics);
  }
  answer.close();
}

}  // namespace

void Protocol::error(std::string& out, json::RequestOp op, std::string_view id, ErrorCode code,
                     std::string_view message) {
  service_.stats().count_error(code);
  json::write_error(out, op, id, code, message);
}

void Protocol::hello_failed(std::string& out, std::string_view id, ErrorCode code,
                            std::string_view message) {
  grant_.reset();
  ++failed_hellos_;
  service_.stats().count_failed_hello();
  const bool closing = close_requested();
  LogLine("warning")
      .field("what", "hello_failed")
      .field("peer", peer_)
      .field("failures", static_cast<std::uint64_t>(failed_hellos_))
      .field("message", std::string(message) + (closing ? "; closing the connection" : ""))
      .emit();
  error(out, json::RequestOp::ServerOnly, id, code,
        closing ? std::string(message) + "; too many failed hellos, closing the connection"
                : std::string(message));
}

void Protocol::set_token_deadline(std::chrono::steady_clock::time_point now,
                                  std::chrono::system_clock::time_point wall_now) {
  if (!grant_ || !grant_->expires) {
    token_deadline_ = std::chrono::steady_clock::time_point::max();
    return;
  }
  // The wall-clock time left, capped: the steady clock does not follow the
  // wall clock's steps, so look at the wall clock again now and then. In
  // seconds first: an expiry past 2262 does not fit in nanoseconds.
  const auto wall_second = std::chrono::floor<std::chrono::seconds>(wall_now);
  const std::chrono::seconds whole = *grant_->expires - wall_second;
  if (whole > kExpiryRecheck) {
    token_deadline_ = now + kExpiryRecheck;
    return;
  }
  token_deadline_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              whole - (wall_now - wall_second));
}

bool Protocol::recheck_token(std::string& out, json::RequestOp op, std::string_view id,
                             std::chrono::steady_clock::time_point now) {
  const std::uint64_t generation = service_.token_generation();
  if (generation != token_generation_) {
    // Read before the set (Service::install_tokens stores the set, then
    // moves the generation): a change after this read moves it again.
    token_generation_ = generation;
    const std::shared_ptr<const TokenStore> tokens = service_.tokens();
    std::optional<Grant> current = tokens ? tokens->authenticate_hash(token_hash_) : std::nullopt;
    if (!current) {
      const std::string token_id = grant_->id;
      grant_.reset();
      LogLine("warning")
          .field("what", "token_revoked")
          .field("peer", peer_)
          .field("token", token_id)
          .field("message", "the token of this session was withdrawn; the session has no rights")
          .emit();
      error(out, op, id, ErrorCode::Unauthenticated,
            "the token of this session was revoked; send hello with a valid token");
      return false;
    }
    grant_ = std::move(current);  // its expiry may have changed too
  }
  const auto wall_now = std::chrono::system_clock::now();
  if (grant_->expired_at(wall_now)) {
    const std::string token_id = grant_->id;
    const std::string expired = format_utc_time(*grant_->expires);
    grant_.reset();
    LogLine("warning")
        .field("what", "token_expired")
        .field("peer", peer_)
        .field("token", token_id)
        .field("message",
               "the token of this session expired at " + expired + "; the session has no rights")
        .emit();
    error(out, op, id, ErrorCode::Unauthenticated,
          "the token of this session expired at " + expired + "; send hello with a valid token");
    return false;
  }
  set_token_deadline(now, wall_now);
  return true;
}

void Protocol::bind_certificate(Grant grant, CertificateCheck still_trusted) {
  // The generation first: a reload after this read moves it again.
  trust_generation_ = service_.trust_generation();
  grant_ = std::move(grant);
  certificate_bound_ = true;
  certificate_check_ = std::move(still_trusted);
  set_token_deadline(std::chrono::steady_clock::now(), std::chrono::system_clock::now());
}

bool Protocol::recheck_certificate(std::string& out, json::RequestOp op, std::string_view id,
                                   std::chrono::steady_clock::time_point now) {
  std::string reason;
  const std::uint64_t generation = service_.trust_generation();
  if (generation != trust_generation_) {
    trust_generation_ = generation;
    if (certificate_check_) reason = certificate_check_();
  }
  const auto wall_now = std::chrono::system_clock::now();
  if (reason.empty() && grant_->expired_at(wall_now))
    reason = "it expired at " + format_utc_time(*grant_->expires);
  if (reason.empty()) {
    set_token_deadline(now, wall_now);
    return true;
  }
  const std::string certificate_id = grant_->id;
  grant_.reset();
  credential_ended_ = true;
  const std::string message =
      "the client certificate of this session is no longer trusted: " + reason;
  LogLine("warning")
      .field("what", "certificate_revoked")
      .field("peer", peer_)
      .field("certificate", certificate_id)
      .field("message", message + "; closing the connection")
      .emit();
  error(out, op, id, ErrorCode::Unauthenticated, message + "; closing the connection");
  return false;
}

void Protocol::answer_too_large(std::size_t limit, std::string& out) {
  service_.stats().count_request();
  error(out, json::RequestOp::None, {}, ErrorCode::TooLarge,
        "the request line is longer than " + std::to_string(limit) +
            " bytes; closing the connection");
  out += '\n';
}

void Protocol::answer_decision(const std::shared_ptr<const CompiledPolicySet>& policies,
                               const json::ParsedRequest& request, Scratch& scratch,
                               std::string& out) {
  if (!request.ok()) {
    error(out, request.op, request.id, *request.error, request.error_message);
    return;
  }
  const RequestBase* base = json::request_base(request);
  if (base != nullptr && !may_tenant(base->tenant_name)) {
    error(out, request.op, request.id, ErrorCode::Forbidden,
          certificate_bound_ ? "this session's client certificate is not allowed this tenant"
                             : "this session's token is not allowed this tenant");
    return;
  }
  decision_log::DecisionLogging* const logging = service_.decision_logging();
  const Index tenant = base != nullptr ? base->tenant : kNone;  // kNone: not served
  const json::AnswerOutcome outcome = scratch.handler.answer(*policies, request, out);
  switch (outcome) {
    case json::AnswerOutcome::Allow:
      service_.stats().count_decision(*policies, tenant, DecisionOutcome::Allow);
      break;
    case json::AnswerOutcome::Deny:
      service_.stats().count_decision(*policies, tenant, DecisionOutcome::Deny);
      break;
    case json::AnswerOutcome::InvalidRequest:  // counted as the error invalid_request too
      service_.stats().count_decision(*policies, tenant, DecisionOutcome::InvalidRequest);
      break;
    case json::AnswerOutcome::Error:  // not reached: a failed request is answered above
    case json::AnswerOutcome::Listing:
    case json::AnswerOutcome::Filter:  // answered without a Decision: nothing to count
      break;
  }
  if (logging == nullptr || outcome == json::AnswerOutcome::Filter ||
      outcome == json::AnswerOutcome::Error)
    return;
  // The record is queued before the answer can be sent: with the default
  // overflow (block) no decision is answered without its record. Its
  // latency: since the line started, or since the batch's item before.
  const auto now = std::chrono::steady_clock::now();
  const auto latency = std::chrono::duration_cast<std::chrono::nanoseconds>(now - scratch.mark);
  scratch.mark = now;
  scratch.recorder.record(*logging, policies, request, scratch.handler.decision(), now,
                          static_cast<std::uint64_t>(latency.count()), out);
}

void Protocol::handle(std::shared_ptr<const CompiledPolicySet>& policies, std::string_view line,
                      Scratch& scratch, std::string& out) {
  const AdminJob job = handle_deferring(policies, line, scratch, out);
  if (job) {
    job(out);
    out += '\n';
    policies = service_.engine().snapshot();
  }
}

AdminJob Protocol::handle_deferring(std::shared_ptr<const CompiledPolicySet>& policies,
                                    std::string_view line, Scratch& scratch, std::string& out) {
  const auto started = std::chrono::steady_clock::now();
  scratch.mark = started;
  const std::size_t start = out.size();
  service_.stats().count_request();
  AdminJob job;
  json::RequestOp op = json::RequestOp::None;  // the latency histogram's; None: `other`
  try {
    const json::ParsedRequest& request = scratch.handler.parse(*policies, line);
    op = request.op;
    if (request.op == json::RequestOp::ServerOnly && !request.ok()) {
      error(out, request.op, request.id, *request.error, request.error_message);
    } else if (request.op == json::RequestOp::ServerOnly) {
      job.run = answer_server_op(request, out, job.queue, started);
      if (job) return job;
    } else if (request.op == json::RequestOp::None || request.error == ErrorCode::BadJson) {
      error(out, request.op, request.id, *request.error, request.error_message);
    } else if (!token_still_valid(out, request.op, request.id, started)) {
      // answered: the token was withdrawn (a batch is refused whole)
    } else if (!authenticated()) {
      error(out, request.op, request.id, ErrorCode::Unauthenticated,
            "send hello with a token first");
    } else if (!may_check()) {
      error(out, request.op, request.id, ErrorCode::Forbidden,
            "this session's token has no check right");
    } else if (!std::holds_alternative<json::BatchRequest>(request.request)) {
      answer_decision(policies, request, scratch, out);
    } else {
      scratch.handler.answer_batch(*policies, request, out,
                                   [&](const json::ParsedRequest& item, std::string& into) {
                                     answer_decision(policies, item, scratch, into);
                                   });
    }
  } catch (const std::exception& failure) {
    out.resize(start);
    op = json::RequestOp::None;
    error(out, json::RequestOp::None, {}, ErrorCode::Internal, failure.what());
  } catch (...) {
    out.resize(start);
    op = json::RequestOp::None;
    error(out, json::RequestOp::None, {}, ErrorCode::Internal, "unexpected failure");
  }
  out += '\n';
  const auto elapsed = std::chrono::steady_clock::now() - started;
  service_.stats().record_latency(
      op, static_cast<std::uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));
  return job;
}

AdminJob::Run Protocol::answer_server_op(const json::ParsedRequest& request, std::string& out,
                                         std::string& queue,
                                         std::chrono::steady_clock::time_point now) {
  const std::string_view id = request.id;
  if (const auto* hello = std::get_if<json::HelloRequest>(&request.request)) {
    answer(*hello, id, out);
    return {};
  }
  if (const auto* health = std::get_if<json::HealthRequest>(&request.request)) {
    answer(*health, id, out);
    return {};
  }
  if (!token_still_valid(out, json::RequestOp::ServerOnly, id, now)) return {};
  if (!authenticated()) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::Unauthenticated,
          "send hello with a token first");
    return {};
  }
  return std::visit(
      [&](const auto& op) -> AdminJob::Run {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, json::StatsRequest>) {
          answer(op, id, out);
          return {};
        } else if constexpr (std::is_same_v<Op, json::ReloadRequest> ||
                             std::is_same_v<Op, json::SetFeatureRequest> ||
                             std::is_same_v<Op, json::PutPolicyRequest> ||
                             std::is_same_v<Op, json::GetPolicyRequest> ||
                             std::is_same_v<Op, json::PolicyHistoryRequest> ||
                             std::is_same_v<Op, json::RollbackRequest>) {
          return answer(op, id, out, queue);
        } else {  // not a server op: never sent here
          error(out, json::RequestOp::ServerOnly, id, ErrorCode::UnknownOp, "unknown op");
          return {};
        }
      },
      request.request);
}

void Protocol::answer(const json::HealthRequest& /*health*/, std::string_view id,
                      std::string& out) {
  json::ObjectWriter answer(out, id);
  answer.boolean("ok", true).number("policy_version", service_.policy_version());
  if (service_.platform_revision() != 0)
    answer.number("platform_revision", service_.platform_revision());
  // The partners not served (their unit did not compile at start).
  const std::shared_ptr<const CompiledPolicySet> serving = service_.engine().snapshot();
  std::vector<std::string> unavailable;
  for (Index t = 0; t < serving->tenant_count(); ++t) {
    if (serving->tenant(t).unavailable) unavailable.emplace_back(serving->tenant_name(t));
  }
  answer.begin("units")
      .number("served", static_cast<std::uint64_t>(serving->tenant_count() - unavailable.size()))
      .strings("unavailable", unavailable)
      .end();
  if (service_.serves_store()) {
    const Service::StoreStatus store = service_.store_status();
    answer.begin("store").boolean("connected", store.connected).number("revision", store.revision);
    if (!store.connected) answer.string("since", store.since);
    answer.boolean("from_cache", store.from_cache).end();
  }
  answer.close();
}

void Protocol::answer(const json::HelloRequest& hello, std::string_view id, std::string& out) {
  if (certificate_bound_) {
    // The certificate is the credential: answered as it binds the session
    // (none left once it stopped being trusted; the connection is closing).
    if (!grant_) {
      error(out, json::RequestOp::ServerOnly, id, ErrorCode::Unauthenticated,
            "the client certificate of this session is no longer trusted");
      return;
    }
  } else if (!service_.authenticates()) {
    grant_.reset();
  } else {
    if (!hello.token) {
      hello_failed(out, id, ErrorCode::BadRequest, "'token' (string) is required");
      return;
    }
    // The generation before the set: see token_still_valid().
    const std::uint64_t generation = service_.token_generation();
    const std::shared_ptr<const TokenStore> tokens = service_.tokens();
    const std::array<unsigned char, 32> hash = sha256(*hello.token);
    std::optional<Grant> granted = tokens ? tokens->authenticate_hash(hash) : std::nullopt;
    if (!granted) {
      hello_failed(out, id, ErrorCode::Unauthenticated, "unknown token");
      return;
    }
    const auto wall_now = std::chrono::system_clock::now();
    if (granted->expired_at(wall_now)) {
      hello_failed(out, id, ErrorCode::Unauthenticated,
                   "the token expired at " + format_utc_time(*granted->expires));
      return;
    }
    grant_ = std::move(granted);
    token_hash_ = hash;
    token_generation_ = generation;
    set_token_deadline(std::chrono::steady_clock::now(), wall_now);
  }
  json::ObjectWriter answer(out, id);
  answer.boolean("ok", true);
  if (grant_ && !grant_->all_tenants()) {
    answer.string("tenant", grant_->tenant);
  } else {
    answer.null("tenant");
  }
  if (grant_ && grant_->expires) {
    answer.string("expires", format_utc_time(*grant_->expires));
  } else {
    answer.null("expires");
  }
  answer.string("version", TENET_VERSION).close();
}

void Protocol::answer(const json::StatsRequest& /*stats*/, std::string_view id, std::string& out) {
  if (!may_admin()) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::Forbidden,
          "stats needs the admin right");
    return;
  }
  const std::shared_ptr<const CompiledPolicySet> serving = service_.engine().snapshot();
  json::ObjectWriter answer(out, id);
  answer.boolean("ok", true);
  if (grant_ && !grant_->all_tenants()) {
    // A partner's admin: its own counters only. The server-wide ones
    // (requests, errors, connections, latency) would show the volume of
    // the other partners, so they are not here (docs/PROTOCOL.md).
    answer.string("tenant", grant_->tenant);
    service_.stats().write_partner_json(answer, grant_->tenant);
    const Index tenant = serving->find_tenant(grant_->tenant);
    if (tenant != kNone) {
      answer.number("revision", serving->tenant(tenant).revision);
    } else {
      answer.null("revision");  // not served (a token of a partner not declared)
    }
  } else {
    service_.stats().know_partners(*serving);  // partners that have not decided yet too
    service_.stats().write_json(answer);
  }
  answer.number("policy_version", service_.policy_version()).close();
}

AdminJob::Run Protocol::answer(const json::ReloadRequest& reload, std::string_view id,
                               std::string& out, std::string& queue) {
  if (!may_admin() || !may_tenant("*"))
    return refused_change(id, queue, AuditRecord::of({}, "reload"),
                          "reload needs a global (*) admin token");
  // Removing a tenant is asked for explicitly (see Service::reload).
  using Removal = json::ReloadRequest::Removal;
  if (reload.allow_removal == Removal::Mistyped) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          "'allow_removal' must be true or false");
    return {};
  }
  queue = "*";
  const bool allow = reload.allow_removal == Removal::Allowed;
  return [this, id = std::string(id), allow, actor = actor()](std::string& answer) {
    const Service::ReloadResult result = service_.reload(allow, actor);
    if (!result.ok)
      service_.stats().count_error(result.unavailable ? ErrorCode::Unavailable
                                                      : ErrorCode::InvalidRequest);
    write_reload_answer(answer, id, result);
  };
}

AdminJob::Run Protocol::refused_change(std::string_view id, std::string& queue, AuditRecord record,
                                       std::string message) {
  // In the turn of the token's own tenant: a flood of refused changes
  // slows its sender, not the partner it aimed at.
  queue = grant_ ? grant_->tenant : "*";
  record.actor = actor();
  record.outcome = "refused";
  record.message = std::move(message);
  return [this, id = std::string(id), record = std::move(record)](std::string& answer) {
    service_.record_audit(record);  // durable before the refusal is answered
    error(answer, json::RequestOp::ServerOnly, id, ErrorCode::Forbidden, record.message);
  };
}

AdminJob::Run Protocol::answer(const json::SetFeatureRequest& set_feature, std::string_view id,
                               std::string& out, std::string& queue) {
  if (!set_feature.tenant || !set_feature.feature || !set_feature.state) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          "set_feature needs 'tenant', 'feature' and 'state' (strings)");
    return {};
  }
  const std::string tenant(*set_feature.tenant);
  const std::string feature(*set_feature.feature);
  const std::string_view state_name = *set_feature.state;
  AuditRecord refusal = AuditRecord::of({}, "set_feature", tenant, feature);
  refusal.after = {{"state", std::string(state_name)}};
  if (!may_admin() || !may_tenant(tenant))
    return refused_change(id, queue, refusal, "set_feature needs the admin right for this tenant");
  FeatureSwitch state = FeatureSwitch::Default;
  if (state_name == "on") {
    state = FeatureSwitch::On;
  } else if (state_name == "off") {
    state = FeatureSwitch::Off;
  } else if (state_name != "default") {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          "'state' must be \"on\", \"off\" or \"default\"");
    return {};
  }
  if (!service_.features_durable())
    return refused_change(
        id, queue, refusal,
        "set_feature is refused: this server has no state file, so a switch would be lost on "
        "restart (start tenet serve with --state FILE)");
  queue = tenant;
  return
      [this, id = std::string(id), tenant, feature, state, actor = actor()](std::string& answer) {
        std::string failure;
        switch (service_.set_feature(tenant, feature, state, failure, actor)) {
          case Service::SetFeatureResult::Ok:
            json::ObjectWriter(answer, id).boolean("ok", true).close();
            return;
          case Service::SetFeatureResult::UnknownFeature:
            error(answer, json::RequestOp::ServerOnly, id, ErrorCode::InvalidRequest,
                  "tenant '" + tenant + "' has no feature '" + feature + "'");
            return;
          case Service::SetFeatureResult::PersistFailed:
            error(answer, json::RequestOp::ServerOnly, id, ErrorCode::Internal,
                  (service_.serves_store() ? "the store refused the switch: "
                                           : "the state file could not be written: ") +
                      failure);
            return;
          case Service::SetFeatureResult::Unavailable:
            error(answer, json::RequestOp::ServerOnly, id, ErrorCode::Unavailable, failure);
            return;
          case Service::SetFeatureResult::Refused:
            error(answer, json::RequestOp::ServerOnly, id, ErrorCode::Forbidden, failure);
            return;
        }
      };
}

std::optional<std::string> Protocol::unit_tenant(std::optional<std::string_view> tenant,
                                                 std::string_view op, std::string_view id,
                                                 std::string& out) {
  if (!tenant) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          std::string(op) + " needs 'tenant' (string)");
    return std::nullopt;
  }
  if (!may_author(*tenant)) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::Forbidden,
          std::string(op) + " needs an author token of this tenant (or a global admin token)");
    return std::nullopt;
  }
  return std::string(*tenant);
}

AdminJob::Run Protocol::answer(const json::PutPolicyRequest& put, std::string_view id,
                               std::string& out, std::string& queue) {
  // A dry run refused is no change refused: only unit_tenant answers it.
  if (put.tenant && !may_author(*put.tenant) && put.dry_run == json::PutPolicyRequest::DryRun::No)
    return refused_change(id, queue, AuditRecord::of({}, "put_policy", std::string(*put.tenant)),
                          "put_policy needs an author token of this tenant (or a global admin "
                          "token)");
  std::optional<std::string> tenant = unit_tenant(put.tenant, "put_policy", id, out);
  if (!tenant) return {};
  if (!put.source) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          "put_policy needs 'source' (string): the whole unit");
    return {};
  }
  if (put.dry_run == json::PutPolicyRequest::DryRun::Mistyped) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          "'dry_run' must be true or false");
    return {};
  }
  queue = *tenant;
  const bool dry_run = put.dry_run == json::PutPolicyRequest::DryRun::Yes;
  return [this, id = std::string(id), tenant = *tenant, source = std::string(*put.source), dry_run,
          actor = actor()](std::string& answer) {
    const Service::PutResult result = service_.put_policy(tenant, source, dry_run, actor);
    if (!result.report.ok) service_.stats().count_error(put_error_code(result.report.error_code));
    write_put_answer(answer, id, tenant, result, dry_run);
  };
}

AdminJob::Run Protocol::answer(const json::RollbackRequest& rollback, std::string_view id,
                               std::string& out, std::string& queue) {
  if (rollback.tenant && !may_author(*rollback.tenant))
    return refused_change(id, queue, AuditRecord::of({}, "rollback", std::string(*rollback.tenant)),
                          "rollback needs an author token of this tenant (or a global admin "
                          "token)");
  std::optional<std::string> tenant = unit_tenant(rollback.tenant, "rollback", id, out);
  if (!tenant) return {};
  if (!rollback.revision) {
    error(out, json::RequestOp::ServerOnly, id, ErrorCode::BadRequest,
          "rollback needs 'revision' (a non-negative integer)");
    return {};
  }
  queue = *tenant;
  return [this, id = std::string(id), tenant = *tenant, revision = *rollback.revision,
          actor = actor()](std::string& answer) {
    const Service::PutResult result = service_.rollback(tenant, revision, actor);
    if (!result.report.ok) service_.stats().count_error(put_error_code(result.report.error_code));
    write_put_answer(answer, id, tenant, result, false);
  };
}

AdminJob::Run Protocol::answer(const json::GetPolicyRequest& get, std::string_view id,
                               std::string& out, std::string& queue) {
  std::optional<std::string> tenant = unit_tenant(get.tenant, "get_policy", id, out);
  if (!tenant) return {};
  queue = *tenant;
  return [this, id = std::string(id), tenant = *tenant](std::string& answer) {
    const std::shared_ptr<const units::Unit> unit = service_.unit(tenant);
    if (!unit) {
      error(answer, json::RequestOp::ServerOnly, id, ErrorCode::InvalidRequest,
            "tenant '" + tenant + "' has no policy unit");
      return;
    }
    json::ObjectWriter(answer, id)
        .boolean("ok", true)
        .string("tenant", tenant)
        .number("revision", unit->revision)
        .string("path", unit->path)
        .string("hash", unit->hash)
        .boolean("served", unit->served)
        .string("source", unit->text())
        .close();
  };
}

AdminJob::Run Protocol::answer(const json::PolicyHistoryRequest& history, std::string_view id,
                               std::string& out, std::string& queue) {
  std::optional<std::string> tenant = unit_tenant(history.tenant, "policy_history", id, out);
  if (!tenant) return {};
  queue = *tenant;
  return [this, id = std::string(id), tenant = *tenant](std::string& answer) {
    std::string unavailable;
    const std::optional<std::vector<PolicyHistory::Entry>> entries =
        service_.policy_history(tenant, unavailable);
    if (!entries) {
      error(answer, json::RequestOp::ServerOnly, id, ErrorCode::Unavailable, unavailable);
      return;
    }
    std::string revisions = "[";
    for (const PolicyHistory::Entry& entry : *entries) {
      if (revisions.size() > 1) revisions += ',';
      json::ObjectWriter(revisions)
          .number("revision", entry.revision)
          .string("time", entry.time)
          .string("actor", entry.actor)
          .string("hash", entry.hash)
          .close();
    }
    revisions += ']';
    json::ObjectWriter(answer, id)
        .boolean("ok", true)
        .string("tenant", tenant)
        .raw("revisions", revisions)
        .close();
  };
}

}  // namespace tenet::server
