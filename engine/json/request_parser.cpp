// Design note (hot path). A request line is parsed with simdjson's DOM API:
// measured on this machine, a 236-byte check request costs ~330 ns with DOM
// against ~650 ns with On-Demand (whose kernel here is the portable fallback,
// and which needs a type probe per field since fields come in any order).
// DOM also validates the whole line (bad_json for any malformed byte, a
// well-defined depth limit) and lets principal, resource and context be
// validated in a fixed order whatever the key order. The DOM keeps values,
// not their text, so the `id` token is located in the raw line by
// engine/json_scan (a short scan: `id` usually comes first).
//
// Out-of-range numbers (valid JSON that simdjson refuses, failing the whole
// line) are handled off the hot path: see replace_out_of_range_numbers. An
// `id` that is an object or array is reported once the op is known, so a
// decision op still gets its deny (bad_request, `"id":null`).
//
// Nothing is allocated once warm: the dom::parser keeps its capacity, the
// line is copied into a reused padded buffer, strings are views into the
// parser's string buffer, Values live in arrays sized from the schema, set
// elements in reused vectors, messages in reused strings.
#include "engine/json/request_parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/compile/short_text.hpp"
#include "engine/json/internal/attribute_reader.hpp"
#include "engine/json/internal/json_scan.hpp"
#include "grammar/source/did_you_mean.hpp"

namespace tenet::json {
namespace {

namespace dom = simdjson::dom;

enum Field : std::uint8_t {
  kOp,
  kId,
  kTenant,
  kPrincipal,
  kAction,
  kResource,
  kTo,
  kPlan,
  kContext,
  kExplain,
  kRequests,
  kResourceType,
  kToken,
  kFeature,
  kState,
  kAllowRemoval,
  kSource,
  kDryRun,
  kRevision,
  kFieldCount
};
// The member names one object kind is read for, with an index by length:
// a key is compared only with the names of its size (one or two), not with
// every name in turn.
template <std::size_t N>
struct NameSet {
  static_assert(N <= 32);
  static constexpr std::size_t kLongest = 16;  // longer keys share the last bucket
  std::array<std::string_view, N> names;
  std::array<std::uint32_t, kLongest + 1> by_size{};  // bit i: names[i] has this size

  constexpr explicit NameSet(const std::array<std::string_view, N>& list) : names(list) {
    for (std::size_t i = 0; i < N; ++i) by_size[std::min(names[i].size(), kLongest)] |= 1U << i;
  }
  // The index of `key` in names, or N.
  [[nodiscard]] std::size_t find(std::string_view key) const {
    for (std::uint32_t bits = by_size[std::min(key.size(), kLongest)]; bits != 0;
         bits &= bits - 1) {
      const auto i = static_cast<std::size_t>(std::countr_zero(bits));
      if (compile::same_text(key, names[i])) return i;
    }
    return N;
  }
};

constexpr NameSet<kFieldCount> kFieldNames({"op", "id", "tenant", "principal", "action", "resource",
                                            "to", "plan", "context", "explain", "requests",
                                            "resource_type", "token", "feature", "state",
                                            "allow_removal", "source", "dry_run", "revision"});

// The members of one object we care about. A key we read given twice is
// refused (bad_request, docs/PROTOCOL.md "Common fields"): `duplicate` names
// the first such key, and the first occurrence is kept meanwhile so that the
// id and op still shape the answer.
template <std::size_t N>
struct Members {
  std::array<dom::element, N> value{};
  std::array<bool, N> present{};
  std::size_t duplicate = N;

  void collect(const dom::object& object, const NameSet<N>& names) {
    for (const dom::key_value_pair field : object) {
      const std::size_t i = names.find(field.key);
      if (i >= N) continue;
      if (present[i]) {
        if (duplicate == N) duplicate = i;
        continue;
      }
      value[i] = field.value;
      present[i] = true;
    }
  }
  // Present and not null.
  [[nodiscard]] bool has(std::size_t i) const { return present[i] && !value[i].is_null(); }
};

constexpr NameSet<3> kPrincipalNames({"id", "role", "attrs"});
constexpr NameSet<5> kResourceNames({"type", "id", "tenant", "state", "attrs"});

// At most 64 bytes of request text in a message, cut on a UTF-8 boundary.
std::string_view clip(std::string_view text) {
  constexpr std::size_t kMax = 64;
  if (text.size() <= kMax) return text;
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return text.substr(0, cut);
}

// The length of the JSON number (RFC 8259 grammar) that `text` starts
// with, or 0 when it does not start with one.
std::size_t json_number_length(std::string_view text) {
  const auto digit_at = [&](std::size_t i) {
    return i < text.size() && text[i] >= '0' && text[i] <= '9';
  };
  const auto digits_from = [&](std::size_t i) {
    while (digit_at(i)) ++i;
    return i;
  };
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (!digit_at(i)) return 0;
  i = text[i] == '0' ? i + 1 : digits_from(i);
  if (i < text.size() && text[i] == '.') {
    if (!digit_at(i + 1)) return 0;
    i = digits_from(i + 1);
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digit_at(i)) return 0;
    i = digits_from(i);
  }
  return i;
}

// Whether the well-formed JSON number `number` fits what simdjson reads: a
// 64-bit integer (signed, or unsigned when positive) or a finite double.
bool number_fits(std::string_view number) {
  const char* const first = number.data();
  const char* const last = first + number.size();
  if (number.find_first_of(".eE") != std::string_view::npos) {
    double value = 0;
    return std::from_chars(first, last, value).ec != std::errc::result_out_of_range;
  }
  if (number.front() == '-') {
    std::int64_t value = 0;
    return std::from_chars(first, last, value).ec != std::errc::result_out_of_range;
  }
  std::uint64_t value = 0;
  return std::from_chars(first, last, value).ec != std::errc::result_out_of_range;
}

// JSON allows numbers of any size; simdjson reads 64-bit integers and
// doubles only, and fails the whole line on any other number — which would
// leave a decision request without its decision and its id. So that such a
// line is answered as what it is, every well-formed number in it that does
// not fit is replaced, in `copy` (a copy of `line`, same offsets), by a
// stand-in of the same length (padded with spaces) that reads as the same
// kind of unusable value: an integer by 18446744073709551615 (no attribute
// takes it: "an integer out of range"), a float by 0.0 (no attribute is a
// float). An id is echoed from the raw line, not from the stand-in. Runs
// only on a line simdjson refused: no cost on the hot path. True when
// anything was replaced.
bool replace_out_of_range_numbers(std::string_view line, char* copy) {
  constexpr std::string_view kIntegerStandIn = "18446744073709551615";
  constexpr std::string_view kFloatStandIn = "0.0";
  bool replaced = false;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == '"') {  // skip the string, escapes included
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < line.size() &&
           std::string_view("0123456789+-.eE").find(line[end]) != std::string_view::npos) {
      ++end;
    }
    const std::string_view token = line.substr(i, end - i);
    if (json_number_length(token) == token.size() && !number_fits(token)) {
      const bool integer = token.find_first_of(".eE") == std::string_view::npos;
      const std::string_view stand_in = integer ? kIntegerStandIn : kFloatStandIn;
      if (stand_in.size() <= token.size()) {  // always: a number that does not fit is longer
        std::memset(copy + i, ' ', token.size());
        std::memcpy(copy + i, stand_in.data(), stand_in.size());
        replaced = true;
      }
    }
    i = end;
  }
  return replaced;
}

}  // namespace

struct RequestParser::Impl {
  // One request being read: the result and the storage its views point into.
  struct Slot {
    ParsedRequest request;
    std::string message;
    std::string id_text;  // `id` re-serialised when the raw token cannot be found
    // The request's attribute values, sets and schema message.
    std::vector<eval::Value> principal_values;
    std::vector<eval::Value> context_values;
    std::vector<eval::Value> resource_values;
    SetScratch sets;
    std::string invalid;

    void size_for(const compile::RequestTables& tables) {
      principal_values.assign(tables.principal_slots, eval::Value{});
      context_values.assign(tables.context_slots, eval::Value{});
      resource_values.assign(tables.resource_slots, eval::Value{});
    }
  };

  RequestLimits limits;
  dom::parser json;
  std::string padded;
  std::string_view text;  // the line, inside `padded`
  // A copy of the line with its out-of-range numbers replaced (see
  // replace_out_of_range_numbers); parsed instead of `padded` when the line
  // has such a number. `text` stays the line as sent: same length, same
  // offsets, so raw ids are echoed as written.
  std::string sanitized;
  bool numbers_replaced = false;

  Slot top;
  // Batch items, used round robin: an item stays valid for the next
  // kBatchItemsAlive - 1 calls of next_batch_item().
  std::array<Slot, RequestParser::kBatchItemsAlive> items;
  std::size_t next_item_slot = 0;

  // The batch being read.
  const compile::CompiledPolicySet* batch_policies = nullptr;
  dom::array batch;
  dom::array::iterator batch_next;
  std::size_t batch_left = 0;
  std::size_t batch_size = 0;
  // Where batch items are in the raw line, found only when an item's `id`
  // needs its raw text (integer ids do not): `batch_raw` is the position
  // after item `batch_located - 1` (the '[' while none is located), and
  // `batch_index` the item being read.
  std::size_t batch_raw = scan::npos;
  std::size_t batch_located = 0;
  std::size_t batch_index = 0;

  explicit Impl(RequestLimits l) : limits(l), json(simdjson::SIMDJSON_MAXSIZE_BYTES) {
    // A failure here (out of memory) resurfaces on the first parse.
    [[maybe_unused]] const simdjson::error_code reserved = json.allocate(4096, limits.max_depth);
    padded.reserve(4096 + simdjson::SIMDJSON_PADDING);
    top.message.reserve(256);
    top.invalid.reserve(256);
    for (Slot& item : items) {
      item.message.reserve(256);
      item.invalid.reserve(256);
    }
  }

  // The validation tables are compiled into the set (engine/compile/
  // request_tables.hpp) and read from it on every parse: nothing is built per
  // parser, and binding to another set (a reload) only resizes the Value
  // arrays when its slot counts differ. Nothing of the set is kept between
  // parse() calls, so a parser never pins an old set.
  void bind(const compile::CompiledPolicySet& policies) {
    const compile::RequestTables& tables = policies.request_tables();
    if (top.principal_values.size() == tables.principal_slots &&
        top.context_values.size() == tables.context_slots &&
        top.resource_values.size() == tables.resource_slots)
      return;
    top.size_for(tables);
    for (Slot& item : items) item.size_for(tables);
  }

  static bool fail(Slot& slot, ErrorCode code) {
    slot.request.error = code;
    slot.request.error_message = slot.message;
    slot.request.request.emplace<std::monostate>();  // nothing usable: a request iff ok()
    return false;
  }
  static bool missing(Slot& slot, std::string_view path) {
    slot.message = "missing field '";
    slot.message += path;
    slot.message += '\'';
    return fail(slot, ErrorCode::BadRequest);
  }
  static bool mistyped(Slot& slot, std::string_view path, std::string_view expected,
                       const dom::element& got) {
    slot.message = "field '";
    slot.message += path;
    slot.message += "': expected ";
    slot.message += expected;
    slot.message += ", got ";
    slot.message += json_type_name(got);
    return fail(slot, ErrorCode::BadRequest);
  }

  // A key given twice in one object; `prefix`: the object's path ("" at the top).
  template <std::size_t N>
  static bool duplicated(Slot& slot, const Members<N>& members, const NameSet<N>& names,
                         std::string_view prefix) {
    slot.message = "duplicate key '";
    slot.message += prefix;
    slot.message += names.names[members.duplicate];
    slot.message += "': each key may be given once";
    return fail(slot, ErrorCode::BadRequest);
  }
  // An optional string field: set when present as a string.
  template <std::size_t N>
  static std::optional<std::string_view> optional_string(const Members<N>& members, std::size_t i) {
    if (!members.present[i] || !members.value[i].is_string()) return std::nullopt;
    return members.value[i].get_string().value_unsafe();
  }

  // A required string field.
  template <std::size_t N>
  static bool string_field(Slot& slot, const Members<N>& members, std::size_t i,
                           std::string_view path, std::string_view& out) {
    if (!members.present[i]) return missing(slot, path);
    const dom::element& element = members.value[i];
    if (!element.is_string()) return mistyped(slot, path, "string", element);
    out = element.get_string().value_unsafe();
    return true;
  }
  // An optional object (absent or null: not there).
  template <std::size_t N>
  static bool object_field(Slot& slot, const Members<N>& members, std::size_t i,
                           std::string_view path, std::optional<dom::object>& out) {
    out.reset();
    if (!members.has(i)) return true;
    const dom::element& element = members.value[i];
    if (!element.is_object()) return mistyped(slot, path, "object", element);
    out = element.get_object().value_unsafe();
    return true;
  }

  // The raw start of the batch item being read, scanning forward over the
  // items not located yet.
  std::size_t locate_batch_item() {
    std::size_t start = scan::npos;
    while (batch_located <= batch_index && batch_raw != scan::npos) {
      start = scan::next_item(text, batch_raw);
      batch_raw = start == scan::npos ? start : scan::skip_value(text, start);
      ++batch_located;
    }
    return start;
  }

  // `raw_object`: the object's '{' in the raw line, or npos for the current
  // batch item (located on demand).
  void set_id(Slot& slot, const dom::element& id, std::size_t raw_object) {
    // JSON spells an integer one way only (no '+', no leading zeros; a
    // fraction or exponent makes simdjson read a double), except that "-0"
    // also reads as 0: every other integer is echoed by printing it, without
    // finding its text, which saves a scan of every batch item.
    // When the line had out-of-range numbers, a UINT64 may be a stand-in
    // for one of them: the raw text is echoed instead.
    const dom::element_type type = id.type();
    std::array<char, 24> digits{};
    std::to_chars_result printed{digits.data(), std::errc::value_too_large};
    if (numbers_replaced) {
      // echoed from the raw text below
    } else if (type == dom::element_type::INT64 && id.get_int64().value_unsafe() != 0) {
      printed = std::to_chars(digits.data(), digits.data() + digits.size(),
                              id.get_int64().value_unsafe());
    } else if (type == dom::element_type::UINT64) {
      printed = std::to_chars(digits.data(), digits.data() + digits.size(),
                              id.get_uint64().value_unsafe());
    }
    if (printed.ec == std::errc{}) {
      slot.id_text.assign(digits.data(), printed.ptr);
      slot.request.id = slot.id_text;
      return;
    }
    if (raw_object == scan::npos) raw_object = locate_batch_item();
    const std::size_t at = scan::find_member(text, raw_object, "id");
    if (at != scan::npos) {
      slot.request.id = text.substr(at, scan::skip_value(text, at) - at);
      return;
    }
    // The key was written with escapes (`"\u0069d"`): re-serialise the value.
    slot.id_text = simdjson::minify(id);
    slot.request.id = slot.id_text;
  }

  // The attribute objects of a decision request, validated against the
  // schema once the protocol fields are all read.
  struct AttributeObjects {
    std::optional<dom::object> principal;
    std::optional<dom::object> context;
    std::optional<dom::object> resource;
    eval::Resource* resource_of = nullptr;  // check and lifecycle
  };

  using Fields = Members<kFieldCount>;
  bool read(const compile::CompiledPolicySet& policies, const dom::object& object,
            std::size_t raw_object, Slot& slot, bool in_batch, bool force_explain);
  bool server_ops = false;  // RequestParser::set_server_ops
  bool read_batch(const compile::CompiledPolicySet& policies, const Fields& fields,
                  std::size_t raw_object, Slot& slot);
  // A decision op (or filter): the common fields, the op's own, then the attributes.
  template <typename OpRequest>
  bool read_decision(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
                     bool force_explain);
  bool read_common(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
                   eval::RequestBase& base, AttributeObjects& attrs, bool force_explain);
  bool read_op(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
               eval::CheckRequest& request, AttributeObjects& attrs);
  bool read_op(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
               eval::TransitionRequest& request, AttributeObjects& attrs);
  bool read_op(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
               eval::SubscribeRequest& request, AttributeObjects& attrs);
  bool read_op(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
               eval::LifecycleRequest& request, AttributeObjects& attrs);
  bool read_op(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
               FilterRequest& request, AttributeObjects& attrs);
  // After the attributes: an action the tenant does not declare for the
  // type makes the request invalid_request, naming both (the evaluator
  // alone has no words for it); it wins over an attribute's error.
  static void name_undeclared_action(const compile::CompiledPolicySet& policies, Slot& slot,
                                     eval::RequestBase& base, Index action,
                                     std::string_view action_name, Index type);
  static void check_action(const compile::CompiledPolicySet& policies, Slot& slot,
                           eval::CheckRequest& request) {
    name_undeclared_action(policies, slot, request, request.action, request.action_name,
                           request.resource.type);
  }
  static void check_action(const compile::CompiledPolicySet& policies, Slot& slot,
                           FilterRequest& request) {
    name_undeclared_action(policies, slot, request, request.action, request.action_name,
                           request.resource_type);
  }
  static void check_action(const compile::CompiledPolicySet&, Slot&, eval::RequestBase&) {}
  // plans, features: no field of their own.
  static bool read_op(const compile::CompiledPolicySet&, const Fields&, Slot&, eval::RequestBase&,
                      AttributeObjects&) {
    return true;
  }
  // The server ops: their fields as sent; `tenet serve` judges them (a
  // missing token is a failed hello there, not a parse error).
  template <typename OpRequest>
  bool read_server_op(const compile::CompiledPolicySet& policies, const Fields& fields, Slot& slot,
                      bool force_explain);
  static void read_server_fields(const Fields& /*fields*/, HealthRequest& /*request*/) {}
  static void read_server_fields(const Fields& /*fields*/, StatsRequest& /*request*/) {}
  static void read_server_fields(const Fields& fields, HelloRequest& request) {
    request.token = optional_string(fields, kToken);
  }
  static void read_server_fields(const Fields& fields, ReloadRequest& request) {
    if (!fields.present[kAllowRemoval]) return;
    const dom::element& allow = fields.value[kAllowRemoval];
    request.allow_removal =
        allow.is_bool() ? (allow.get_bool().value_unsafe() ? ReloadRequest::Removal::Allowed
                                                           : ReloadRequest::Removal::Refused)
                        : ReloadRequest::Removal::Mistyped;
  }
  static void read_server_fields(const Fields& fields, PutPolicyRequest& request) {
    request.tenant = optional_string(fields, kTenant);
    request.source = optional_string(fields, kSource);
    if (!fields.present[kDryRun]) return;
    const dom::element& dry_run = fields.value[kDryRun];
    request.dry_run = dry_run.is_bool()
                          ? (dry_run.get_bool().value_unsafe() ? PutPolicyRequest::DryRun::Yes
                                                               : PutPolicyRequest::DryRun::No)
                          : PutPolicyRequest::DryRun::Mistyped;
  }
  static void read_server_fields(const Fields& fields, GetPolicyRequest& request) {
    request.tenant = optional_string(fields, kTenant);
  }
  static void read_server_fields(const Fields& fields, PolicyHistoryRequest& request) {
    request.tenant = optional_string(fields, kTenant);
  }
  static void read_server_fields(const Fields& fields, RollbackRequest& request) {
    request.tenant = optional_string(fields, kTenant);
    if (!fields.present[kRevision]) return;
    const dom::element& revision = fields.value[kRevision];
    if (revision.is_uint64()) {
      request.revision = revision.get_uint64().value_unsafe();
    } else if (revision.is_int64() && revision.get_int64().value_unsafe() >= 0) {
      request.revision = static_cast<std::uint64_t>(revision.get_int64().value_unsafe());
    }
  }
  static void read_server_fields(const Fields& fields, SetFeatureRequest& request) {
    request.tenant = optional_string(fields, kTenant);
    request.feature = optional_string(fields, kFeature);
    request.state = optional_string(fields, kState);
  }
  bool read_attributes(const compile::CompiledPolicySet& policies, Slot& slot,
                       eval::RequestBase& base, const AttributeObjects& attrs);
  bool read_resource(const compile::CompiledPolicySet& policies, const dom::element& element,
                     Index tenant, Slot& slot, eval::Resource& resource,
                     std::optional<dom::object>& attrs);

  // How an op is read once named (batch: by read() itself, reader nullptr).
  using Reader = bool (Impl::*)(const compile::CompiledPolicySet&, const Fields&, Slot&, bool);
  struct OpName {
    std::string_view name;
    RequestOp op;
    Reader reader;
  };
  static constexpr std::array<OpName, 17> kOps = {{
      {"check", RequestOp::Check, &Impl::read_decision<eval::CheckRequest>},
      {"transition", RequestOp::Transition, &Impl::read_decision<eval::TransitionRequest>},
      {"subscribe", RequestOp::Subscribe, &Impl::read_decision<eval::SubscribeRequest>},
      {"plans", RequestOp::Plans, &Impl::read_decision<PlansRequest>},
      {"features", RequestOp::Features, &Impl::read_decision<FeaturesRequest>},
      {"lifecycle", RequestOp::Lifecycle, &Impl::read_decision<eval::LifecycleRequest>},
      {"filter", RequestOp::Filter, &Impl::read_decision<FilterRequest>},
      {"batch", RequestOp::Batch, nullptr},
      {"hello", RequestOp::ServerOnly, &Impl::read_server_op<HelloRequest>},
      {"health", RequestOp::ServerOnly, &Impl::read_server_op<HealthRequest>},
      {"stats", RequestOp::ServerOnly, &Impl::read_server_op<StatsRequest>},
      {"reload", RequestOp::ServerOnly, &Impl::read_server_op<ReloadRequest>},
      {"set_feature", RequestOp::ServerOnly, &Impl::read_server_op<SetFeatureRequest>},
      {"put_policy", RequestOp::ServerOnly, &Impl::read_server_op<PutPolicyRequest>},
      {"get_policy", RequestOp::ServerOnly, &Impl::read_server_op<GetPolicyRequest>},
      {"policy_history", RequestOp::ServerOnly, &Impl::read_server_op<PolicyHistoryRequest>},
      {"rollback", RequestOp::ServerOnly, &Impl::read_server_op<RollbackRequest>},
  }};
};

bool RequestParser::Impl::read(const compile::CompiledPolicySet& policies,
                               const dom::object& object, std::size_t raw_object, Slot& slot,
                               bool in_batch, bool force_explain) {
  // slot.request and slot.message were reset by the caller (parse / next_batch_item).
  Members<kFieldCount> fields;
  fields.collect(object, kFieldNames);

  // An `id` that is an object or an array is refused (bad_request, echoed
  // as `"id":null`) once the op is known, so that a decision op still gets
  // the shape of its answer: `decision: deny` (docs/PROTOCOL.md, common fields).
  const bool id_refused =
      fields.present[kId] && (fields.value[kId].is_object() || fields.value[kId].is_array());
  if (id_refused) {
    slot.request.id = "null";
    slot.request.id_refused = true;
  } else if (fields.present[kId]) {
    set_id(slot, fields.value[kId], raw_object);
  }

  if (fields.duplicate == kOp) return duplicated(slot, fields, kFieldNames, "");
  if (!fields.present[kOp]) return missing(slot, "op");
  if (!fields.value[kOp].is_string()) return mistyped(slot, "op", "string", fields.value[kOp]);
  const std::string_view op_name = fields.value[kOp].get_string().value_unsafe();
  slot.request.op_name = op_name;
  const auto* known = std::find_if(kOps.begin(), kOps.end(), [&](const OpName& o) {
    return compile::same_text(o.name, op_name);
  });
  if (known == kOps.end()) {
    slot.message = "unknown op '";
    slot.message += clip(op_name);
    slot.message += '\'';
    return fail(slot, ErrorCode::UnknownOp);
  }
  slot.request.op = known->op;
  if (id_refused) {
    slot.message = "field 'id': expected a JSON scalar, got ";
    slot.message += json_type_name(fields.value[kId]);
    return fail(slot, ErrorCode::BadRequest);
  }

  if (fields.duplicate < kFieldCount) return duplicated(slot, fields, kFieldNames, "");

  if ((known->op == RequestOp::ServerOnly && (in_batch || !server_ops)) ||
      (in_batch && (known->op == RequestOp::Batch || known->op == RequestOp::Filter))) {
    slot.message = '\'';
    slot.message += op_name;
    slot.message += in_batch ? "' cannot be a batch item: a batch holds decision requests only"
                             : "' is served by `tenet serve` only";
    return fail(slot, ErrorCode::BadRequest);
  }
  if (known->op == RequestOp::Batch) return read_batch(policies, fields, raw_object, slot);
  return (this->*known->reader)(policies, fields, slot, force_explain);
}

bool RequestParser::Impl::read_batch(const compile::CompiledPolicySet& policies,
                                     const Fields& fields, std::size_t raw_object, Slot& slot) {
  if (!fields.present[kRequests]) return missing(slot, "requests");
  const dom::element& requests = fields.value[kRequests];
  if (!requests.is_array()) return mistyped(slot, "requests", "array", requests);
  batch = requests.get_array().value_unsafe();
  const std::size_t size = batch.size();
  if (size > limits.max_batch) {
    slot.message = "a batch holds at most " + std::to_string(limits.max_batch) +
                   " requests, this one " + std::to_string(size);
    return fail(slot, ErrorCode::TooLarge);
  }
  slot.request.request.emplace<BatchRequest>().size = size;
  batch_policies = &policies;
  batch_next = batch.begin();
  batch_left = size;
  batch_size = size;
  batch_raw = scan::find_member(text, raw_object, "requests");
  batch_located = 0;
  batch_index = 0;
  return true;
}

bool RequestParser::Impl::read_resource(const compile::CompiledPolicySet& policies,
                                        const dom::element& element, Index tenant, Slot& slot,
                                        eval::Resource& resource,
                                        std::optional<dom::object>& attrs) {
  if (!element.is_object()) return mistyped(slot, "resource", "object", element);
  Members<kResourceNames.names.size()> members;
  members.collect(element.get_object().value_unsafe(), kResourceNames);
  if (members.duplicate < members.value.size())
    return duplicated(slot, members, kResourceNames, "resource.");
  if (!string_field(slot, members, 0, "resource.type", resource.type_name)) return false;
  if (!string_field(slot, members, 1, "resource.id", resource.id)) return false;
  if (!string_field(slot, members, 2, "resource.tenant", resource.tenant)) return false;
  if (members.has(3)) {
    if (!string_field(slot, members, 3, "resource.state", resource.state_name)) return false;
  }
  if (!object_field(slot, members, 4, "resource.attrs", attrs)) return false;
  resource.type = policies.find_resource_type(resource.type_name);
  if (tenant != kNone && resource.type != kNone && !resource.state_name.empty()) {
    resource.state = policies.find_state(tenant, resource.type, resource.state_name);
  }
  return true;
}

template <typename OpRequest>
bool RequestParser::Impl::read_server_op(const compile::CompiledPolicySet& /*policies*/,
                                         const Fields& fields, Slot& slot, bool /*force_explain*/) {
  read_server_fields(fields, slot.request.request.emplace<OpRequest>());
  return true;
}

template <typename OpRequest>
bool RequestParser::Impl::read_decision(const compile::CompiledPolicySet& policies,
                                        const Fields& fields, Slot& slot, bool force_explain) {
  OpRequest& request = slot.request.request.emplace<OpRequest>();
  AttributeObjects attrs;
  // protocol fields first: a bad_request wins over an invalid attribute
  if (!(read_common(policies, fields, slot, request, attrs, force_explain) &&
        read_op(policies, fields, slot, request, attrs) &&
        read_attributes(policies, slot, request, attrs))) {
    return false;
  }
  check_action(policies, slot, request);
  return true;
}

void RequestParser::Impl::name_undeclared_action(const compile::CompiledPolicySet& policies,
                                                 Slot& slot, eval::RequestBase& base, Index action,
                                                 std::string_view action_name, Index type) {
  // Isolation comes first (unknown tenant, role or type deny): only a
  // served tenant's known type can say what it declares.
  if (base.tenant >= policies.tenant_count()) return;
  const compile::Tenant& tenant = policies.tenant(base.tenant);
  if (tenant.unavailable || type >= tenant.type_count || tenant.declares(action, type)) return;
  // The suggestion looks at the first kCandidates actions of the type; the
  // name is quoted up to kQuoted bytes (cut at a character's start).
  constexpr std::size_t kCandidates = 1000;
  constexpr std::size_t kQuoted = 100;
  std::vector<std::string_view> candidates;
  for (Index a = 1; a < tenant.local_actions && candidates.size() < kCandidates; ++a) {
    if (tenant.declares(a, type)) candidates.push_back(tenant.action_names[a]);
  }
  std::string_view quoted = action_name;
  if (quoted.size() > kQuoted) {
    std::size_t cut = kQuoted;
    while (cut > 0 && (static_cast<unsigned char>(quoted[cut]) & 0xC0U) == 0x80U) --cut;
    quoted = quoted.substr(0, cut);
  }
  const model::PolicySet& model = policies.model();
  slot.invalid = "action '";
  slot.invalid += quoted;
  if (quoted.size() < action_name.size()) slot.invalid += "...";
  slot.invalid += "' is not declared for resource type '";
  slot.invalid += model.name(model.schema.resources[type].name);
  slot.invalid += "' in tenant '";
  slot.invalid += tenant.name;
  slot.invalid += '\'';
  slot.invalid += did_you_mean(action_name, candidates);
  base.invalid = slot.invalid;
}

bool RequestParser::Impl::read_common(const compile::CompiledPolicySet& policies,
                                      const Fields& fields, Slot& slot, eval::RequestBase& base,
                                      AttributeObjects& attrs, bool force_explain) {
  if (!string_field(slot, fields, kTenant, "tenant", base.tenant_name)) return false;
  if (!fields.present[kPrincipal]) return missing(slot, "principal");
  if (!fields.value[kPrincipal].is_object())
    return mistyped(slot, "principal", "object", fields.value[kPrincipal]);
  Members<kPrincipalNames.names.size()> principal;
  principal.collect(fields.value[kPrincipal].get_object().value_unsafe(), kPrincipalNames);
  if (principal.duplicate < principal.value.size())
    return duplicated(slot, principal, kPrincipalNames, "principal.");
  if (!string_field(slot, principal, 0, "principal.id", base.principal.id)) return false;
  if (!string_field(slot, principal, 1, "principal.role", base.principal.role_name)) return false;
  if (!object_field(slot, principal, 2, "principal.attrs", attrs.principal)) return false;
  if (!object_field(slot, fields, kContext, "context", attrs.context)) return false;
  if (fields.has(kExplain)) {
    if (!fields.value[kExplain].is_bool())
      return mistyped(slot, "explain", "bool", fields.value[kExplain]);
    base.explain = fields.value[kExplain].get_bool().value_unsafe();
  }
  base.explain = base.explain || force_explain;

  base.tenant = policies.find_tenant(base.tenant_name);
  // The role is looked up last: the tenant's first lines load meanwhile.
  if (base.tenant != kNone) policies.prefetch_tenant(base.tenant);
  return true;
}

bool RequestParser::Impl::read_op(const compile::CompiledPolicySet& policies, const Fields& fields,
                                  Slot& slot, eval::CheckRequest& request,
                                  AttributeObjects& attrs) {
  if (!string_field(slot, fields, kAction, "action", request.action_name)) return false;
  if (!fields.present[kResource]) return missing(slot, "resource");
  if (!read_resource(policies, fields.value[kResource], request.tenant, slot, request.resource,
                     attrs.resource)) {
    return false;
  }
  request.action = policies.find_action(request.tenant, request.action_name);
  attrs.resource_of = &request.resource;
  return true;
}

bool RequestParser::Impl::read_op(const compile::CompiledPolicySet& policies, const Fields& fields,
                                  Slot& slot, eval::TransitionRequest& request,
                                  AttributeObjects& /*attrs*/) {
  if (!string_field(slot, fields, kTo, "to", request.to_name)) return false;
  if (request.tenant != kNone) request.to = policies.find_role(request.tenant, request.to_name);
  return true;
}

bool RequestParser::Impl::read_op(const compile::CompiledPolicySet& policies, const Fields& fields,
                                  Slot& slot, eval::SubscribeRequest& request,
                                  AttributeObjects& /*attrs*/) {
  if (!string_field(slot, fields, kPlan, "plan", request.plan_name)) return false;
  if (request.tenant != kNone) request.plan = policies.find_plan(request.tenant, request.plan_name);
  return true;
}

bool RequestParser::Impl::read_op(const compile::CompiledPolicySet& policies, const Fields& fields,
                                  Slot& slot, eval::LifecycleRequest& request,
                                  AttributeObjects& attrs) {
  if (!fields.present[kResource]) return missing(slot, "resource");
  if (!read_resource(policies, fields.value[kResource], request.tenant, slot, request.resource,
                     attrs.resource)) {
    return false;
  }
  if (!string_field(slot, fields, kTo, "to", request.to_name)) return false;
  attrs.resource_of = &request.resource;
  if (request.tenant != kNone && request.resource.type != kNone) {
    request.to = policies.find_state(request.tenant, request.resource.type, request.to_name);
  }
  return true;
}

bool RequestParser::Impl::read_op(const compile::CompiledPolicySet& policies, const Fields& fields,
                                  Slot& slot, FilterRequest& request, AttributeObjects& /*attrs*/) {
  if (!string_field(slot, fields, kAction, "action", request.action_name)) return false;
  if (!string_field(slot, fields, kResourceType, "resource_type", request.resource_type_name))
    return false;
  request.action = policies.find_action(request.tenant, request.action_name);
  request.resource_type = policies.find_resource_type(request.resource_type_name);
  return true;
}

// The attributes, validated against the schema: principal, resource, context.
bool RequestParser::Impl::read_attributes(const compile::CompiledPolicySet& policies, Slot& slot,
                                          eval::RequestBase& base, const AttributeObjects& attrs) {
  eval::Resource* const resource = attrs.resource_of;
  std::fill(slot.principal_values.begin(), slot.principal_values.end(), eval::Value{});
  std::fill(slot.context_values.begin(), slot.context_values.end(), eval::Value{});
  if (resource != nullptr)
    std::fill(slot.resource_values.begin(), slot.resource_values.end(), eval::Value{});
  SetScratch& sets = slot.sets;
  sets.clear();
  sets.limit = limits.max_set_elements;
  slot.invalid.clear();
  const compile::RequestTables& tables = policies.request_tables();
  bool fits = true;
  if (attrs.principal) {
    fits = json::read_attributes(*attrs.principal, tables.principal, tables, slot.principal_values,
                                 sets, slot.invalid);
  }
  if (fits && resource != nullptr && attrs.resource && resource->type != kNone) {
    fits = json::read_attributes(*attrs.resource, tables.resources.at(resource->type), tables,
                                 slot.resource_values, sets, slot.invalid);
  }
  if (fits && attrs.context) {
    fits = json::read_attributes(*attrs.context, tables.context, tables, slot.context_values, sets,
                                 slot.invalid);
  }
  if (sets.over_limit) {
    slot.message =
        "more than " + std::to_string(limits.max_set_elements) + " set elements in one request";
    return fail(slot, ErrorCode::TooLarge);
  }
  sets.resolve();
  if (base.tenant != kNone)
    base.principal.role = policies.find_role(base.tenant, base.principal.role_name);
  base.principal.attributes = slot.principal_values;
  base.context = slot.context_values;
  base.invalid = slot.invalid;
  if (resource != nullptr) resource->attributes = slot.resource_values;
  return true;
}

RequestParser::RequestParser(RequestLimits limits) : impl_(std::make_unique<Impl>(limits)) {}
RequestParser::~RequestParser() = default;
RequestParser::RequestParser(RequestParser&&) noexcept = default;
RequestParser& RequestParser::operator=(RequestParser&&) noexcept = default;

const ParsedRequest& RequestParser::parse(const compile::CompiledPolicySet& policies,
                                          std::string_view line) {
  Impl& m = *impl_;
  m.bind(policies);
  m.batch_left = 0;
  m.batch_policies = nullptr;
  Impl::Slot& slot = m.top;
  slot.request = ParsedRequest{};
  slot.message.clear();

  m.padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(m.padded.data(), line.data(), line.size());
  m.text = std::string_view(m.padded.data(), line.size());

  m.numbers_replaced = false;
  dom::element root;
  simdjson::error_code error = m.json.parse(m.padded.data(), line.size(), false).get(root);
  if (error == simdjson::NUMBER_ERROR) {
    m.sanitized.assign(m.padded);
    if (replace_out_of_range_numbers(m.text, m.sanitized.data())) {
      m.numbers_replaced = true;
      error = m.json.parse(m.sanitized.data(), line.size(), false).get(root);
    }
  }
  if (error != simdjson::SUCCESS) {
    ErrorCode code = ErrorCode::BadJson;
    switch (error) {
      case simdjson::EMPTY:
        slot.message = "empty request";
        break;
      case simdjson::DEPTH_ERROR:
        slot.message = "JSON nested deeper than " + std::to_string(m.limits.max_depth) + " levels";
        break;
      case simdjson::UTF8_ERROR:
        slot.message = "invalid UTF-8";
        break;
      case simdjson::NUMBER_ERROR:  // out-of-range numbers were replaced: a malformed one
        slot.message = "not valid JSON: a number is malformed";
        break;
      case simdjson::CAPACITY:
        code = ErrorCode::TooLarge;
        slot.message = "request too large";
        break;
      default:
        slot.message = "not valid JSON: ";
        slot.message += simdjson::error_message(error);
        break;
    }
    return (Impl::fail(slot, code), slot.request);
  }
  if (!root.is_object()) {
    slot.message = "a request must be a JSON object, got ";
    slot.message += json_type_name(root);
    return (Impl::fail(slot, ErrorCode::BadJson), slot.request);
  }
  const std::size_t raw_root = scan::skip_space(m.text, 0);
  m.server_ops = server_ops_;
  m.read(policies, root.get_object().value_unsafe(), raw_root, slot, false, force_explain_);
  return slot.request;
}

const ParsedRequest& RequestParser::next_batch_item() {
  Impl& m = *impl_;
  Impl::Slot& slot = m.items[m.next_item_slot];
  m.next_item_slot = (m.next_item_slot + 1) % m.items.size();
  slot.request = ParsedRequest{};
  slot.message.clear();
  if (m.batch_left == 0 || m.batch_policies == nullptr) {
    slot.message = "no batch item left";
    return (Impl::fail(slot, ErrorCode::BadRequest), slot.request);
  }
  --m.batch_left;
  const dom::element element = *m.batch_next;
  ++m.batch_next;
  m.batch_index = m.batch_size - m.batch_left - 1;
  if (!element.is_object()) {
    slot.message = "a batch item must be a JSON object, got ";
    slot.message += json_type_name(element);
    return (Impl::fail(slot, ErrorCode::BadRequest), slot.request);
  }
  m.read(*m.batch_policies, element.get_object().value_unsafe(), scan::npos, slot, true,
         force_explain_);
  return slot.request;
}

}  // namespace tenet::json
