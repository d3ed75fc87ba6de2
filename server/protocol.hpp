// The protocol of one connection, without sockets: request line → response
// line(s), with the session's authentication state.
//
// Decision ops and `batch` go through engine/json_api (`answer_request`),
// after the session checks (hello first when the server has tokens; the
// `check` right; a tenant-scoped token gets `forbidden` for any request —
// or batch item — whose `tenant` is another tenant). hello, health, stats,
// reload and set_feature are answered here. Choices where PROTOCOL.md is
// silent:
//   - a reload that fails answers `invalid_request` (the policy set is not
//     valid) with the rendered diagnostics as message, plus the version
//     still serving as `policy_version`; so does one that would remove
//     tenants without `"allow_removal":true`, with `removed_tenants`;
//   - `set_feature` of an undeclared tenant or feature: `invalid_request`;
//     a state file that cannot be written: `internal` (nothing switched);
//   - `resource.tenant` naming another tenant is left to the engine, which
//     answers deny with reason `cross_tenant` (tenant isolation).
//
// One Protocol per connection, used by one thread at a time; the Scratch
// (parser, decision) belongs to the calling thread. The Service is shared.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/decision.hpp"
#include "engine/request_parser.hpp"
#include "server/service.hpp"
#include "server/tokens.hpp"

namespace tenet::server {

// Per-thread scratch reused from one request to the next.
struct Scratch {
  RequestParser parser;
  Decision decision;
};

// What an admin op (reload, set_feature) leaves to be done off the I/O
// thread: it compiles or fsyncs, then appends the answer (without '\n').
using AdminJob = std::function<void(std::string& out)>;

class Protocol {
 public:
  explicit Protocol(Service& service) : service_(service) {}

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

 private:
  // Returns the job of a reload / set_feature instead of answering it.
  [[nodiscard]] AdminJob answer_server_op(const ParsedRequest& request, std::string_view line,
                                          std::string& out);
  void answer_decision(const CompiledPolicySet& policies, const ParsedRequest& request,
                       Decision& decision, std::string& out);
  // A `batch` whose items are read from scratch.parser.
  void answer_batch(const CompiledPolicySet& policies, const ParsedRequest& batch, Scratch& scratch,
                    std::string& out);
  void error(std::string& out, RequestOp op, std::string_view id, std::string_view code,
             std::string_view message);
  [[nodiscard]] bool authenticated() const {
    return service_.tokens() == nullptr || grant_.has_value();
  }
  [[nodiscard]] bool may_check() const {
    return service_.tokens() == nullptr || (grant_ && grant_->check);
  }
  [[nodiscard]] bool may_admin() const {
    return service_.tokens() == nullptr || (grant_ && grant_->admin);
  }
  [[nodiscard]] bool may_tenant(std::string_view tenant) const {
    return service_.tokens() == nullptr ||
           (grant_ && (grant_->all_tenants() || grant_->tenant == tenant));
  }

  Service& service_;
  std::optional<Grant> grant_;
};

}  // namespace tenet::server
