#include "server/decision_log/decision_recorder.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>
#include <type_traits>
#include <variant>

#include "engine/json/line_handler.hpp"  // the engine's JSON and compiled forms
#include "server/decision_log/record_buffer.hpp"

namespace tenet::server::decision_log {
namespace {

using model::Index;

// `,"key":` for a literal key: one copy of a constant length, inlined.
template <std::size_t N>
struct Key {
  consteval Key(const char (&name)[N]) {  // NOLINT: implicit from a literal
    text[0] = ',';
    text[1] = '"';
    for (std::size_t i = 0; i + 1 < N; ++i) text[i + 2] = name[i];
    text[N + 1] = '"';
    text[N + 2] = ':';
  }
  [[nodiscard]] constexpr std::string_view view() const { return {text.data(), text.size()}; }
  std::array<char, N + 3> text{};
};

template <std::size_t N>
void put_key(RecordBuffer& out, const Key<N>& key) {
  out.put(key.view());
}

template <std::size_t N>
void put_string_member(RecordBuffer& out, const Key<N>& key, std::string_view value) {
  out.put(key.view());
  out.put_json_string(value);
}

template <std::size_t N>
void put_strings(RecordBuffer& out, const Key<N>& key, std::span<const std::string_view> values) {
  put_key(out, key);
  out.put('[');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.put(',');
    out.put_json_string(values[i]);
  }
  out.put(']');
}

void put_value(RecordBuffer& out, const eval::Value& value) {
  switch (value.kind) {
    case eval::ValueKind::Absent:
      out.put("null");
      return;
    case eval::ValueKind::Bool:
      out.put(value.boolean ? std::string_view("true") : std::string_view("false"));
      return;
    case eval::ValueKind::Int:
      out.put_integer(value.integer);
      return;
    case eval::ValueKind::String:
    case eval::ValueKind::Enum:
      out.put_json_string(value.string);
      return;
    case eval::ValueKind::SetOfString:
      out.put('[');
      for (std::size_t i = 0; i < value.strings.size(); ++i) {
        if (i > 0) out.put(',');
        out.put_json_string(value.strings[i]);
      }
      out.put(']');
      return;
    case eval::ValueKind::SetOfInt:
      out.put('[');
      for (std::size_t i = 0; i < value.integers.size(); ++i) {
        if (i > 0) out.put(',');
        out.put_integer(value.integers[i]);
      }
      out.put(']');
      return;
  }
}

// A rate as the record writes it: up to 6 decimals, no exponent.
void put_rate(RecordBuffer& out, double rate) {
  std::array<char, 64> digits{};  // 64, not 32: GCC's -Warray-bounds sees copy_bytes' long path
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), rate,
                                    std::chars_format::fixed, 6);
  std::string_view text(digits.data(), static_cast<std::size_t>(result.ptr - digits.data()));
  while (text.size() > 1 && text.back() == '0') text.remove_suffix(1);
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  out.put(text);
}

}  // namespace

DecisionRecorder::DecisionRecorder() : random_state_(std::random_device{}() | 1U) {
  withheld_paths_.reserve(8);
  withheld_names_.reserve(8);
}

bool DecisionRecorder::sampled(double rate) {
  if (rate >= 1.0) return true;
  if (rate <= 0.0) return false;
  // xorshift64*: enough for sampling, one multiply per draw, no lock.
  random_state_ ^= random_state_ >> 12U;
  random_state_ ^= random_state_ << 25U;
  random_state_ ^= random_state_ >> 27U;
  const std::uint64_t draw = random_state_ * 0x2545F4914F6CDD1DULL;
  return static_cast<double>(draw >> 11U) * 0x1.0p-53 < rate;
}

const DecisionRecorder::SetView& DecisionRecorder::view_of(
    DecisionLogging& logging, const std::shared_ptr<const compile::CompiledPolicySet>& policies) {
  // The address alone could be a freed set's; the weak pointer tells.
  if (view_.raw == policies.get() && !view_.set.expired()) return view_;
  SetView view;
  view.set = policies;
  view.raw = policies.get();
  const model::PolicySet& model = policies->model();
  const auto fields_of = [&](const std::vector<model::Attribute>& attributes) {
    std::vector<Field> fields;
    fields.reserve(attributes.size());
    for (const model::Attribute& attribute : attributes) {
      const std::string_view name = model.name(attribute.name);
      std::string key = ",";
      json::write_json_string(key, name);
      key += ':';
      fields.push_back(Field{name, std::move(key), attribute.slot, attribute.sensitive});
    }
    return fields;
  };
  view.principal = fields_of(model.schema.principal);
  view.context = fields_of(model.schema.context);
  for (const model::ResourceType& type : model.schema.resources)
    view.resources.push_back(fields_of(type.attributes));
  const Sampling& sampling = logging.sampling();
  view.unknown_tenant = sampling.all;
  for (Index t = 0; t < policies->tenant_count(); ++t)
    view.rates.push_back(sampling.rates_of(policies->tenant_name(t)));
  const PlatformInfo platform = logging.platform_info(&policies->platform());
  if (platform.revision != 0)
    view.platform_members = ",\"platform_revision\":" + std::to_string(platform.revision);
  if (!platform.hash.empty())
    view.platform_members += ",\"platform_hash\":\"" + platform.hash + '"';
  view_ = std::move(view);
  return view_;
}

std::uint64_t DecisionRecorder::unix_ms(std::chrono::steady_clock::time_point now) {
  if (now >= resync_at_) {
    wall_offset_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch() - now.time_since_epoch());
    resync_at_ = now + std::chrono::seconds(1);
  }
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch() + wall_offset_)
          .count());
  last_ms_ = std::max(last_ms_, ms);
  return last_ms_;
}

std::uint64_t DecisionRecorder::next_counter(DecisionIds& ids) {
  // A block per thread: unique across threads, one atomic add per 4,096 ids.
  constexpr std::uint64_t kBlock = 4096;
  if (counter_left_ == 0) {
    counter_next_ = ids.reserve(kBlock);
    counter_left_ = kBlock;
  }
  --counter_left_;
  return counter_next_++;
}

bool DecisionRecorder::record(DecisionLogging& logging,
                              const std::shared_ptr<const compile::CompiledPolicySet>& policies,
                              const json::ParsedRequest& request, const eval::Decision& decision,
                              std::chrono::steady_clock::time_point now, std::uint64_t latency_ns,
                              std::string& out) {
  const std::uint64_t ms = unix_ms(now);
  const std::uint16_t replica = logging.ids().replica();
  if (ms != header_ms_ || replica != header_replica_) [[unlikely]]
    write_header(ms, replica);
  // The id: the millisecond's head, then this decision's counter.
  const DecisionIdParts parts{
      .unix_ms = ms, .replica = replica, .counter = next_counter(logging.ids())};
  std::array<char, kDecisionIdLength> id{};
  std::copy_n(header_.data() + kHeaderIdAt, kDecisionIdHeadLength, id.data());
  DecisionIds::encode_tail(parts, std::span(id).last<kDecisionIdLength - kDecisionIdHeadLength>());
  // The response's last member: it ends with '}'.
  if (!out.empty() && out.back() == '}') {
    constexpr std::string_view kOpen = ",\"decision_id\":\"";
    std::array<char, kOpen.size() + kDecisionIdLength + 2> member{};
    std::copy_n(kOpen.data(), kOpen.size(), member.data());
    std::copy_n(id.data(), id.size(), member.data() + kOpen.size());
    member[member.size() - 2] = '"';
    member[member.size() - 1] = '}';
    out.pop_back();
    out.append(member.data(), member.size());
  }
  const eval::RequestBase* base = json::request_base(request);
  if (base == nullptr) return true;  // not a decision request: nothing to record
  const SetView& view = view_of(logging, policies);
  const Rates& rates =
      base->tenant < view.rates.size() ? view.rates[base->tenant] : view.unknown_tenant;
  const double rate = decision.allow ? rates.allow : rates.deny;
  if (!sampled(rate)) return true;
  write_record(view, request, *base, decision, std::string_view(id.data(), id.size()), rate,
               latency_ns);
  return logging.log().append(record_.view(), RecordText::one_line);
}

void DecisionRecorder::write_header(std::uint64_t unix_ms, std::uint16_t replica) {
  // `{"decision_id":"` + the id's head (13), its tail (13) left to each
  // record, then `","time":"2026-12-07T08:12:46.123Z","replica":N`.
  constexpr std::string_view kOpen = "{\"decision_id\":\"";
  static_assert(kOpen.size() == kHeaderIdAt);
  header_.assign(kOpen);  // keeps its capacity: no allocation once warm
  std::array<char, kDecisionIdHeadLength> head{};
  DecisionIds::encode_head({.unix_ms = unix_ms, .replica = replica}, head);
  header_.append(head.data(), head.size());
  header_tail_at_ = header_.size();
  header_ += "\",\"time\":\"";
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  header_.append(text.data(), length);
  const auto millis = static_cast<unsigned>(unix_ms % 1000);
  const std::array<char, 4> fraction{'.', static_cast<char>('0' + millis / 100),
                                     static_cast<char>('0' + millis / 10 % 10),
                                     static_cast<char>('0' + millis % 10)};
  header_.append(fraction.data(), fraction.size());
  header_ += "Z\",\"replica\":";
  std::array<char, 8> digits{};
  const auto printed = std::to_chars(digits.data(), digits.data() + digits.size(), replica);
  header_.append(digits.data(), printed.ptr);
  header_ms_ = unix_ms;
  header_replica_ = replica;
}

void DecisionRecorder::write_attributes(std::string_view opening, std::string_view path,
                                        const std::vector<Field>& fields, eval::Attributes values) {
  // `opening` is `,"attrs":{`; each key is `,"name":` (the first one's
  // comma is left out): one copy per member name.
  std::size_t skip = 0;
  for (const Field& field : fields) {
    if (field.slot >= values.size()) continue;  // kNone too
    const eval::Value& value = values[field.slot];
    if (value.kind == eval::ValueKind::Absent) continue;
    if (field.sensitive) [[unlikely]] {
      withheld_paths_.push_back(path);
      withheld_names_.push_back(field.name);
      continue;
    }
    if (skip == 0) {
      record_.put(opening);
      skip = 1;
      record_.put(std::string_view(field.key).substr(1));
    } else {
      record_.put(field.key);
    }
    put_value(record_, value);
  }
  if (skip != 0) record_.put('}');
}

bool DecisionRecorder::names_withheld(const SetView& view, std::string_view message) {
  // The parser's messages start with the attribute's path:
  // `principal.attrs.NAME: …`, `resource.attrs.NAME[2]: …`, `context.NAME: …`.
  const std::size_t end = message.find_first_of(":[");
  const std::string_view path = message.substr(0, end);
  const auto sensitive_in = [&](const std::vector<Field>& fields, std::string_view prefix) {
    if (!path.starts_with(prefix)) return false;
    const std::string_view name = path.substr(prefix.size());
    for (const Field& field : fields) {
      if (field.sensitive && field.name == name) return true;
    }
    return false;
  };
  if (sensitive_in(view.principal, "principal.attrs.")) return true;
  if (sensitive_in(view.context, "context.")) return true;
  // The resource's type may be unknown here: any type's sensitive name counts.
  for (const std::vector<Field>& fields : view.resources) {
    if (sensitive_in(fields, "resource.attrs.")) return true;
  }
  return false;
}

void DecisionRecorder::write_record(const SetView& view, const json::ParsedRequest& request,
                                    const eval::RequestBase& base, const eval::Decision& decision,
                                    std::string_view id, double rate, std::uint64_t latency_ns) {
  withheld_paths_.clear();
  withheld_names_.clear();
  record_.clear();
  const std::string_view header = header_;
  record_.put(header.substr(0, header_tail_at_));
  record_.put(id.substr(kDecisionIdHeadLength));
  record_.put(header.substr(header_tail_at_));
  put_string_member(record_, Key{"op"}, request.op_name);
  put_string_member(record_, Key{"tenant"}, base.tenant_name);
  if (decision.revision != 0) {
    put_key(record_, Key{"revision"});
    record_.put_integer(decision.revision);
  }
  record_.put(view.platform_members);

  record_.put(",\"principal\":{\"id\":");
  record_.put_json_string(base.principal.id);
  record_.put(",\"role\":");
  record_.put_json_string(base.principal.role_name);
  write_attributes(",\"attrs\":{", "principal.attrs.", view.principal, base.principal.attributes);
  record_.put('}');

  const auto write_resource = [&](const eval::Resource& resource) {
    record_.put(",\"resource\":{\"type\":");
    record_.put_json_string(resource.type_name);
    record_.put(",\"id\":");
    record_.put_json_string(resource.id);
    record_.put(",\"tenant\":");
    record_.put_json_string(resource.tenant);
    if (!resource.state_name.empty()) put_string_member(record_, Key{"state"}, resource.state_name);
    if (resource.type < view.resources.size())
      write_attributes(",\"attrs\":{", "resource.attrs.", view.resources[resource.type],
                       resource.attributes);
    record_.put('}');
  };
  std::visit(
      [&](const auto& op) {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, eval::CheckRequest>) {
          put_string_member(record_, Key{"action"}, op.action_name);
          write_resource(op.resource);
        } else if constexpr (std::is_same_v<Op, eval::TransitionRequest>) {
          put_string_member(record_, Key{"to"}, op.to_name);
        } else if constexpr (std::is_same_v<Op, eval::SubscribeRequest>) {
          put_string_member(record_, Key{"plan"}, op.plan_name);
        } else if constexpr (std::is_same_v<Op, eval::LifecycleRequest>) {
          write_resource(op.resource);
          put_string_member(record_, Key{"to"}, op.to_name);
        }
      },
      request.request);
  write_attributes(",\"context\":{", "context.", view.context, base.context);

  record_.put(decision.allow ? std::string_view(",\"decision\":\"allow\"")
                             : std::string_view(",\"decision\":\"deny\""));
  put_strings(record_, Key{"reasons"}, decision.reasons);
  if (!decision.unmet.empty()) put_strings(record_, Key{"unmet"}, decision.unmet);
  if (request.op == json::RequestOp::Plans) put_strings(record_, Key{"plans"}, decision.names);
  if (request.op == json::RequestOp::Features)
    put_strings(record_, Key{"features"}, decision.names);
  if (!decision.errors.empty()) {
    put_key(record_, Key{"errors"});
    record_.put('[');
    for (std::size_t i = 0; i < decision.errors.size(); ++i) {
      if (i > 0) record_.put(',');
      record_.put("{\"rule\":");
      record_.put_json_string(decision.errors[i].rule);
      record_.put(",\"message\":");
      record_.put_json_string(decision.errors[i].message);
      record_.put('}');
    }
    record_.put(']');
  }
  if (!decision.error_code.empty()) {
    record_.put(",\"error\":{\"code\":");
    record_.put_json_string(decision.error_code);
    record_.put(",\"message\":");
    // The message may quote the value it refused (up to 64 bytes): not
    // when that value belongs to a @sensitive attribute.
    record_.put_json_string(names_withheld(view, decision.error_message)
                                ? "withheld: it is about a @sensitive attribute"
                                : decision.error_message);
    record_.put('}');
  }
  if (!withheld_names_.empty()) {
    put_key(record_, Key{"withheld"});
    record_.put('[');
    for (std::size_t i = 0; i < withheld_names_.size(); ++i) {
      if (i > 0) record_.put(',');
      // `principal.attrs.` + the name; schema names are identifiers:
      // nothing to escape.
      record_.put('"');
      record_.put(withheld_paths_[i]);
      record_.put(withheld_names_[i]);
      record_.put('"');
    }
    record_.put(']');
  }
  if (rate < 1.0) {
    put_key(record_, Key{"sample_rate"});
    put_rate(record_, rate);
  }
  put_key(record_, Key{"latency_ns"});
  record_.put_integer(latency_ns);
  record_.put('}');
}

}  // namespace tenet::server::decision_log
