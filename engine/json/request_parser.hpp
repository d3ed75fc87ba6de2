// docs/PROTOCOL.md request lines → engine-form requests (engine/eval/request.hpp).
//
// `RequestParser` is the JSON front of the engine, shared by `tenet eval`,
// `tenet test`, `Engine::handle_json` and the server. It owns
// everything a parse needs — the simdjson parser, a padded copy of the line,
// the attribute Value arrays sized from the schema, set storage and message
// text — and reuses it from one line to the next: once warmed up, parsing a
// line allocates nothing. Every view in a ParsedRequest (strings, sets, the
// raw `id` token, messages) points into that storage and stays valid until
// the next call to `parse()`; a batch item's, for kBatchItemsAlive - 1 more
// calls of `next_batch_item()` (the server reads a batch ahead).
//
// Protocol problems are answered here (bad_json, bad_request, unknown_op,
// too_large); an attribute that does not fit the schema is *not* an error of
// the parse: its message goes into RequestBase::invalid and the evaluator
// answers invalid_request after the isolation checks (docs/LANGUAGE.md §7).
//
// Choices where the protocol is silent (docs/SEMANTICS-NOTES.md, "JSON
// requests"): a key the parser reads (a request field, a principal or
// resource field) given twice in one object is bad_request; `null` for an
// attribute, `attrs`, `context`, `resource.state`, `explain` means absent;
// unknown fields and attributes are ignored; JSON nested deeper than
// `RequestLimits::max_depth` is bad_json.
//
// Thread-safety: one RequestParser per thread; not shared.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include "engine/compile/compiled.hpp"
#include "engine/eval/request.hpp"
#include "engine/json/error_code.hpp"
#include "engine/json/filter_request.hpp"

namespace tenet::json {

using model::Index;
using model::kNone;

struct RequestLimits {
  std::size_t max_batch = 1024;            // items of a `batch`; more → too_large
  std::size_t max_depth = 64;              // JSON nesting; deeper → bad_json
  std::size_t max_set_elements = 100'000;  // per request, over all set attributes; more → too_large
};

enum class RequestOp : std::uint8_t {
  Check,
  Transition,
  Subscribe,
  Plans,
  Features,
  Lifecycle,
  Filter,  // rows of a type the principal may ACTION (engine/json/filter_op.hpp); not a decision op
  Batch,
  ServerOnly,  // hello, health, stats, reload, set_feature: answered by `tenet serve`
  None,        // the line could not be read far enough to know (error says why)
};

[[nodiscard]] constexpr bool is_decision_op(RequestOp op) { return op <= RequestOp::Lifecycle; }

// The op requests, one type each. plans and features read the common
// fields only; `batch` holds the item count (the items are read one at a
// time with RequestParser::next_batch_item()).
struct PlansRequest : eval::RequestBase {};
struct FeaturesRequest : eval::RequestBase {};
struct BatchRequest {
  std::size_t size = 0;
};
// The server ops (hello, health, stats, reload, set_feature), answered by
// `tenet serve`, which judges their fields: a string field is set when it
// was sent as a string.
struct HelloRequest {
  std::optional<std::string_view> token;
};
struct HealthRequest {};
struct StatsRequest {};
struct ReloadRequest {
  enum class Removal : std::uint8_t { Absent, Allowed, Refused, Mistyped };
  Removal allow_removal = Removal::Absent;  // `allow_removal`: true, false, absent, other
};
struct SetFeatureRequest {
  std::optional<std::string_view> tenant;
  std::optional<std::string_view> feature;
  std::optional<std::string_view> state;
};
// Partner units over the protocol (docs/UNITS.md).
struct PutPolicyRequest {
  enum class DryRun : std::uint8_t { No, Yes, Mistyped };
  std::optional<std::string_view> tenant;
  std::optional<std::string_view> source;
  DryRun dry_run = DryRun::No;
};
struct GetPolicyRequest {
  std::optional<std::string_view> tenant;
};
struct PolicyHistoryRequest {
  std::optional<std::string_view> tenant;
};
struct RollbackRequest {
  std::optional<std::string_view> tenant;
  std::optional<std::uint64_t> revision;  // unset: absent, or not a non-negative integer
};

// A parsed request: the one op request it is, or monostate when the
// request failed (ParsedRequest::error says why).
using Request =
    std::variant<std::monostate, eval::CheckRequest, eval::TransitionRequest,
                 eval::SubscribeRequest, PlansRequest, FeaturesRequest, eval::LifecycleRequest,
                 FilterRequest, BatchRequest, HelloRequest, HealthRequest, StatsRequest,
                 ReloadRequest, SetFeatureRequest, PutPolicyRequest, GetPolicyRequest,
                 PolicyHistoryRequest, RollbackRequest>;

// One request (a line, or one item of a batch) after parsing.
struct ParsedRequest {
  // The op named, known even when the request failed past it: the shape of
  // the error answer depends on it (a decision op still gets its deny).
  RequestOp op = RequestOp::None;
  std::string_view op_name;  // as written
  std::string_view id;       // the raw JSON token of `id` (`1`, `"a\u00e9"`, `null`); empty: none
  // `id` was an object or an array: refused (bad_request), `id` is "null".
  bool id_refused = false;
  // Set: a protocol error, and `request` holds monostate.
  std::optional<ErrorCode> error;
  std::string_view error_message;
  Request request;

  [[nodiscard]] bool ok() const { return !error.has_value(); }
};

// The fields every decision op (and filter) shares, or nullptr for a
// request that has none (batch, a server op, a failed request).
[[nodiscard]] inline const eval::RequestBase* request_base(const ParsedRequest& parsed) {
  return std::visit(
      [](const auto& request) -> const eval::RequestBase* {
        if constexpr (std::is_base_of_v<eval::RequestBase, std::decay_t<decltype(request)>>) {
          return &request;
        } else {
          return nullptr;
        }
      },
      parsed.request);
}

class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;
  RequestParser(RequestParser&&) noexcept;
  RequestParser& operator=(RequestParser&&) noexcept;

  // `explain: true` on every request (tenet eval --explain).
  void set_force_explain(bool on) { force_explain_ = on; }
  // Read the server ops (hello, ...) into their requests: `tenet serve`
  // does. Off (the default), they are bad_request ("served by `tenet
  // serve` only").
  void set_server_ops(bool on) { server_ops_ = on; }

  // Parses one line (without its '\n') against `policies`. For a batch, the
  // result holds a BatchRequest; read its items in order with
  // next_batch_item(). The reference is valid until the next call.
  const ParsedRequest& parse(const compile::CompiledPolicySet& policies, std::string_view line);

  // The next item of the batch parse() returned (items past its size, or
  // without a batch, come back as bad_request). A batch item is never itself
  // a batch: a nested batch, or any op that is not a decision op, gets
  // bad_request; an unrecognised op gets unknown_op. The reference stays
  // valid for the next kBatchItemsAlive - 1 calls too (not past the next
  // parse()), so a caller can read ahead of the item it decides — the
  // server does, to prefetch what the next decisions will touch.
  const ParsedRequest& next_batch_item();
  static constexpr std::size_t kBatchItemsAlive = 8;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool force_explain_ = false;
  bool server_ops_ = false;
};

}  // namespace tenet::json
