#include "server/decision_log/decision_recorder.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>
#include <type_traits>
#include <variant>

#include "engine/json/response_writer.hpp"

namespace tenet::server::decision_log {
namespace {

using model::Index;
using model::kNone;

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  std::array<char, 24> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

void append_key(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;
  out += "\":";
}

void append_string_member(std::string& out, std::string_view key, std::string_view value) {
  append_key(out, key);
  json::write_json_string(out, value);
}

void append_strings(std::string& out, std::string_view key,
                    std::span<const std::string_view> values) {
  append_key(out, key);
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    json::write_json_string(out, values[i]);
  }
  out += ']';
}

void append_value(std::string& out, const eval::Value& value) {
  switch (value.kind) {
    case eval::ValueKind::Absent:
      out += "null";
      return;
    case eval::ValueKind::Bool:
      out += value.boolean ? "true" : "false";
      return;
    case eval::ValueKind::Int:
      append_integer(out, value.integer);
      return;
    case eval::ValueKind::String:
    case eval::ValueKind::Enum:
      json::write_json_string(out, value.string);
      return;
    case eval::ValueKind::SetOfString:
      out += '[';
      for (std::size_t i = 0; i < value.strings.size(); ++i) {
        if (i > 0) out += ',';
        json::write_json_string(out, value.strings[i]);
      }
      out += ']';
      return;
    case eval::ValueKind::SetOfInt:
      out += '[';
      for (std::size_t i = 0; i < value.integers.size(); ++i) {
        if (i > 0) out += ',';
        append_integer(out, value.integers[i]);
      }
      out += ']';
      return;
  }
}

// A rate as the record writes it: up to 6 decimals, no exponent.
void append_rate(std::string& out, double rate) {
  std::array<char, 32> digits{};
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), rate,
                                    std::chars_format::fixed, 6);
  std::string_view text(digits.data(), static_cast<std::size_t>(result.ptr - digits.data()));
  while (text.size() > 1 && text.back() == '0') text.remove_suffix(1);
  if (!text.empty() && text.back() == '.') text.remove_suffix(1);
  out += text;
}

}  // namespace

DecisionRecorder::DecisionRecorder() : random_state_(std::random_device{}() | 1U) {
  record_.reserve(2048);
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
    for (const model::Attribute& attribute : attributes)
      fields.push_back(Field{model.name(attribute.name), attribute.slot, attribute.sensitive});
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
  view.platform = logging.platform_info(&policies->platform());
  view_ = std::move(view);
  return view_;
}

bool DecisionRecorder::record(DecisionLogging& logging,
                              const std::shared_ptr<const compile::CompiledPolicySet>& policies,
                              const json::ParsedRequest& request, const eval::Decision& decision,
                              std::uint64_t latency_ns, std::string& out) {
  std::array<char, kDecisionIdLength> id{};
  const std::uint64_t unix_ms = logging.ids().next(id);
  const std::string_view id_text(id.data(), id.size());
  // The response's last member: it ends with '}'.
  if (!out.empty() && out.back() == '}') {
    out.pop_back();
    out += ",\"decision_id\":\"";
    out += id_text;
    out += "\"}";
  }
  const SetView& view = view_of(logging, policies);
  const eval::RequestBase* base = json::request_base(request);
  if (base == nullptr) return true;  // not a decision request: nothing to record
  const Rates& rates =
      base->tenant < view.rates.size() ? view.rates[base->tenant] : view.unknown_tenant;
  const double rate = decision.allow ? rates.allow : rates.deny;
  if (!sampled(rate)) return true;
  write_record(view, request, decision, id_text, unix_ms, logging.ids().replica(), rate,
               latency_ns);
  return logging.log().append(record_);
}

void DecisionRecorder::write_time(std::uint64_t unix_ms) {
  const auto second = static_cast<std::int64_t>(unix_ms / 1000);
  if (second != time_second_) {
    const auto seconds = static_cast<std::time_t>(second);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::array<char, 32> text{};
    std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    std::copy_n(text.data(), second_text_.size(), second_text_.data());
    time_second_ = second;
  }
  record_.append(second_text_.data(), second_text_.size());
  const auto millis = static_cast<unsigned>(unix_ms % 1000);
  record_ += '.';
  record_ += static_cast<char>('0' + millis / 100);
  record_ += static_cast<char>('0' + millis / 10 % 10);
  record_ += static_cast<char>('0' + millis % 10);
  record_ += 'Z';
}

void DecisionRecorder::write_attributes(std::string_view key, std::string_view path,
                                        const std::vector<Field>& fields, eval::Attributes values) {
  bool opened = false;
  for (const Field& field : fields) {
    if (field.slot == kNone || field.slot >= values.size()) continue;
    const eval::Value& value = values[field.slot];
    if (value.kind == eval::ValueKind::Absent) continue;
    if (field.sensitive) {
      withheld_paths_.push_back(path);
      withheld_names_.push_back(field.name);
      continue;
    }
    if (!opened) {
      append_key(record_, key);
      record_ += '{';
      opened = true;
    } else {
      record_ += ',';
    }
    json::write_json_string(record_, field.name);
    record_ += ':';
    append_value(record_, value);
  }
  if (opened) record_ += '}';
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
                                    const eval::Decision& decision, std::string_view id,
                                    std::uint64_t unix_ms, std::uint16_t replica, double rate,
                                    std::uint64_t latency_ns) {
  const eval::RequestBase& base = *json::request_base(request);
  withheld_paths_.clear();
  withheld_names_.clear();
  record_.clear();
  record_ += "{\"decision_id\":\"";
  record_ += id;
  record_ += "\",\"time\":\"";
  write_time(unix_ms);
  record_ += '"';
  append_key(record_, "replica");
  append_integer(record_, replica);
  append_string_member(record_, "op", request.op_name);
  append_string_member(record_, "tenant", base.tenant_name);
  if (decision.revision != 0) {
    append_key(record_, "revision");
    append_integer(record_, decision.revision);
  }
  if (view.platform.revision != 0) {
    append_key(record_, "platform_revision");
    append_integer(record_, view.platform.revision);
  }
  if (!view.platform.hash.empty())
    append_string_member(record_, "platform_hash", view.platform.hash);

  append_key(record_, "principal");
  record_ += "{\"id\":";
  json::write_json_string(record_, base.principal.id);
  record_ += ",\"role\":";
  json::write_json_string(record_, base.principal.role_name);
  write_attributes("attrs", "principal.attrs.", view.principal, base.principal.attributes);
  record_ += '}';

  const auto write_resource = [&](const eval::Resource& resource) {
    append_key(record_, "resource");
    record_ += "{\"type\":";
    json::write_json_string(record_, resource.type_name);
    record_ += ",\"id\":";
    json::write_json_string(record_, resource.id);
    record_ += ",\"tenant\":";
    json::write_json_string(record_, resource.tenant);
    if (!resource.state_name.empty()) append_string_member(record_, "state", resource.state_name);
    if (resource.type < view.resources.size())
      write_attributes("attrs", "resource.attrs.", view.resources[resource.type],
                       resource.attributes);
    record_ += '}';
  };
  std::visit(
      [&](const auto& op) {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, eval::CheckRequest>) {
          append_string_member(record_, "action", op.action_name);
          write_resource(op.resource);
        } else if constexpr (std::is_same_v<Op, eval::TransitionRequest>) {
          append_string_member(record_, "to", op.to_name);
        } else if constexpr (std::is_same_v<Op, eval::SubscribeRequest>) {
          append_string_member(record_, "plan", op.plan_name);
        } else if constexpr (std::is_same_v<Op, eval::LifecycleRequest>) {
          write_resource(op.resource);
          append_string_member(record_, "to", op.to_name);
        }
      },
      request.request);
  write_attributes("context", "context.", view.context, base.context);

  record_ += decision.allow ? ",\"decision\":\"allow\"" : ",\"decision\":\"deny\"";
  append_strings(record_, "reasons", decision.reasons);
  if (!decision.unmet.empty()) append_strings(record_, "unmet", decision.unmet);
  if (request.op == json::RequestOp::Plans) append_strings(record_, "plans", decision.names);
  if (request.op == json::RequestOp::Features) append_strings(record_, "features", decision.names);
  if (!decision.errors.empty()) {
    append_key(record_, "errors");
    record_ += '[';
    for (std::size_t i = 0; i < decision.errors.size(); ++i) {
      if (i > 0) record_ += ',';
      record_ += "{\"rule\":";
      json::write_json_string(record_, decision.errors[i].rule);
      record_ += ",\"message\":";
      json::write_json_string(record_, decision.errors[i].message);
      record_ += '}';
    }
    record_ += ']';
  }
  if (!decision.error_code.empty()) {
    append_key(record_, "error");
    record_ += "{\"code\":";
    json::write_json_string(record_, decision.error_code);
    record_ += ",\"message\":";
    // The message may quote the value it refused (up to 64 bytes): not
    // when that value belongs to a @sensitive attribute.
    json::write_json_string(record_, names_withheld(view, decision.error_message)
                                         ? "withheld: it is about a @sensitive attribute"
                                         : decision.error_message);
    record_ += '}';
  }
  if (!withheld_names_.empty()) {
    append_key(record_, "withheld");
    record_ += '[';
    for (std::size_t i = 0; i < withheld_names_.size(); ++i) {
      if (i > 0) record_ += ',';
      record_ += '"';
      // `principal.attrs.` + the name; schema names are identifiers:
      // nothing to escape.
      record_ += withheld_paths_[i];
      record_ += withheld_names_[i];
      record_ += '"';
    }
    record_ += ']';
  }
  if (rate < 1.0) {
    append_key(record_, "sample_rate");
    append_rate(record_, rate);
  }
  append_key(record_, "latency_ns");
  append_integer(record_, latency_ns);
  record_ += '}';
}

}  // namespace tenet::server::decision_log
