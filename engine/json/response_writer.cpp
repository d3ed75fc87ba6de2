// Design note (hot path): responses are appended piecewise to a reused
// string; escaping copies runs of plain bytes with one append each and only
// looks at UTF-8 validity when a string has a byte above 0x7F (rare: ids
// and policy texts are mostly ASCII).
#include "engine/json/response_writer.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>

namespace tenet::json {
namespace {

constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

// The length of the valid UTF-8 sequence at `i`, or 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  const auto continuation = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return continuation(i + 1, lo, hi) && continuation(i + 2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    return continuation(i + 1, lo, hi) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

void write_escaped(std::string& out, std::string_view text, bool check_utf8) {
  std::size_t run = 0;  // start of the bytes not yet copied
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80 && check_utf8) {
      const std::size_t length = utf8_length(text, i);
      if (length == 0) {
        out.append(text, run, i - run);
        out += "\\ufffd";
        run = ++i;
      } else {
        i += length;
      }
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(text, run, i - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4U];
        out += kHex[c & 0xFU];
        break;
    }
    run = ++i;
  }
  out.append(text, run, text.size() - run);
}

void write_string_list(std::string& out, std::string_view key,
                       const std::vector<std::string_view>& items) {
  out += ",\"";
  out += key;
  out += "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    write_json_string(out, items[i]);
  }
  out += ']';
}

void write_id(std::string& out, std::string_view id) {
  if (id.empty()) return;
  out += "\"id\":";
  out += id;
  out += ',';
}

std::string_view outcome_name(eval::TraceOutcome outcome) {
  switch (outcome) {
    case eval::TraceOutcome::Matched:
      return "matched";
    case eval::TraceOutcome::NotMatched:
      return "not_matched";
    case eval::TraceOutcome::Error:
      return "error";
  }
  return "error";
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  std::array<char, 24> digits{};
  const auto printed = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), printed.ptr);
}

}  // namespace

void write_error_member(std::string& out, ErrorCode code, std::string_view message) {
  out += "\"error\":{\"code\":\"";
  out += error_name(code);  // a name of the table: nothing to escape
  out += "\",\"message\":";
  write_json_string(out, message);
  out += '}';
}

ObjectWriter::ObjectWriter(std::string& out, std::string_view id) : out_(out) {
  out_ += '{';
  if (!id.empty()) {
    out_ += "\"id\":";
    out_ += id;
  }
}

void ObjectWriter::key(std::string_view name) {
  if (out_.back() != '{') out_ += ',';
  out_ += '"';
  out_ += name;
  out_ += "\":";
}

ObjectWriter& ObjectWriter::boolean(std::string_view name, bool value) {
  key(name);
  out_ += value ? "true" : "false";
  return *this;
}

ObjectWriter& ObjectWriter::number(std::string_view name, std::uint64_t value) {
  key(name);
  append_integer(out_, value);
  return *this;
}

ObjectWriter& ObjectWriter::number(std::string_view name, std::int64_t value) {
  key(name);
  append_integer(out_, value);
  return *this;
}

ObjectWriter& ObjectWriter::string(std::string_view name, std::string_view value) {
  key(name);
  write_json_string(out_, value);
  return *this;
}

ObjectWriter& ObjectWriter::null(std::string_view name) {
  key(name);
  out_ += "null";
  return *this;
}

ObjectWriter& ObjectWriter::strings(std::string_view name, std::span<const std::string> values) {
  key(name);
  out_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_ += ',';
    write_json_string(out_, values[i]);
  }
  out_ += ']';
  return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view name, std::string_view json) {
  key(name);
  out_ += json;
  return *this;
}

ObjectWriter& ObjectWriter::error(ErrorCode code, std::string_view message) {
  if (out_.back() != '{') out_ += ',';
  write_error_member(out_, code, message);
  return *this;
}

ObjectWriter& ObjectWriter::begin(std::string_view name) {
  key(name);
  out_ += '{';
  return *this;
}

ObjectWriter& ObjectWriter::end() {
  out_ += '}';
  return *this;
}

void write_json_string(std::string& out, std::string_view text) {
  out += '"';
  // Most texts (names, ids, enum members) are printable ASCII with no quote
  // or backslash: one pass finds out, and they are copied whole.
  bool plain = true;
  bool ascii = true;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == '"' || byte == '\\') plain = false;
    if (byte >= 0x80) {
      plain = false;
      ascii = false;
      break;
    }
  }
  if (plain) {
    out.append(text);
  } else {
    write_escaped(out, text, !ascii && !simdjson::validate_utf8(text.data(), text.size()));
  }
  out += '"';
}

void write_decision(std::string& out, RequestOp op, std::string_view id,
                    const eval::Decision& decision, bool explain) {
  out += '{';
  write_id(out, id);
  out += decision.allow ? "\"decision\":\"allow\"" : "\"decision\":\"deny\"";
  const bool listing = op == RequestOp::Plans || op == RequestOp::Features;
  if (!listing || !decision.allow) write_string_list(out, "reasons", decision.reasons);
  if (!decision.allow && !decision.unmet.empty()) write_string_list(out, "unmet", decision.unmet);
  if (listing)
    write_string_list(out, op == RequestOp::Plans ? "plans" : "features", decision.names);
  if (!decision.errors.empty()) {
    out += ",\"errors\":[";
    for (std::size_t i = 0; i < decision.errors.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"rule\":";
      write_json_string(out, decision.errors[i].rule);
      out += ",\"message\":";
      write_json_string(out, decision.errors[i].message);
      out += '}';
    }
    out += ']';
  }
  if (explain) {
    out += ",\"trace\":[";
    for (std::size_t i = 0; i < decision.trace.size(); ++i) {
      const eval::TraceEntry& entry = decision.trace[i];
      if (i > 0) out += ',';
      out += "{\"rule\":";
      write_json_string(out, entry.rule);
      out += ",\"kind\":";
      write_json_string(out, entry.kind);
      out += ",\"outcome\":\"";
      out += outcome_name(entry.outcome);
      out += "\",\"location\":";
      write_json_string(out, entry.location);
      out += '}';
    }
    out += ']';
  }
  if (!decision.error_code.empty()) {
    out += ',';
    write_error_member(out, ErrorCode::InvalidRequest, decision.error_message);
  }
  if (decision.revision != 0) {
    out += ",\"revision\":";
    append_integer(out, decision.revision);
  }
  out += '}';
}

void write_error(std::string& out, RequestOp op, std::string_view id, ErrorCode code,
                 std::string_view message) {
  if (code == ErrorCode::BadJson) id = "null";
  if (is_decision_op(op)) {
    out += '{';
    write_id(out, id);
    out += "\"decision\":\"deny\"";
    if (op == RequestOp::Plans) {
      out += ",\"reasons\":[],\"plans\":[]";
    } else if (op == RequestOp::Features) {
      out += ",\"reasons\":[],\"features\":[]";
    } else {
      out += ",\"reasons\":[]";
    }
    out += ',';
    write_error_member(out, code, message);
    out += '}';
    return;
  }
  out += '{';
  write_id(out, id);
  if (op == RequestOp::Filter) {  // fail closed: a client reading only `filter` sees `never`
    out += kNeverFilterMember;
    out += ',';
  }
  write_error_member(out, code, message);
  out += '}';
}

void write_batch_open(std::string& out, std::string_view id) {
  out += '{';
  write_id(out, id);
  out += "\"results\":[";
}

void write_batch_close(std::string& out) { out += "]}"; }

}  // namespace tenet::json
