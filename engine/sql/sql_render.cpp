#include "engine/sql/sql_render.hpp"

#include <algorithm>
#include <optional>

#include "engine/sql/sql_text.hpp"

namespace tenet::sql {
namespace {

using partial::residual::CompareOp;
using partial::residual::Kind;
using partial::residual::Literal;
using partial::residual::Term;
using partial::residual::TermKind;

bool is_set(model::AttributeKind kind) {
  return kind == model::AttributeKind::SetOfString || kind == model::AttributeKind::SetOfInt;
}

// PostgreSQL stores no text holding a NUL byte, so no value equals such a
// literal: comparisons with it are decided here, never sent.
bool unstorable(const Literal& literal) {
  return literal.kind == Literal::Kind::String && !quote_literal(literal.string).has_value();
}

// A principal attribute's setting: its JSON text (docs/DATABASE.md section 3),
// read as its schema type. Text that is not JSON (a setting not written by
// tenet_set_principal) makes the statement fail: it denies, never misreads.
std::string principal_setting(std::string_view name, model::AttributeKind type) {
  const std::string json = "(" + read_setting(principal_setting_name(name)) + "::jsonb)";
  switch (type) {
    case model::AttributeKind::Int:
      return "(" + json + "::bigint)";
    case model::AttributeKind::Bool:
      return "(" + json + "::boolean)";
    case model::AttributeKind::SetOfString:
    case model::AttributeKind::SetOfInt:
      return json;
    case model::AttributeKind::String:
    case model::AttributeKind::Enum:
      break;
  }
  return "(" + json + " #>> '{}')";
}

// Terms that are text columns. Their comparisons are made byte for byte
// (COLLATE "C"), as check compares strings, whatever collation the column
// has: under a nondeterministic (case-insensitive) one, "ACME" = 'acme'.
bool text_column(const Term& term) {
  switch (term.kind) {
    case TermKind::ResourceAttribute:
      return term.type == model::AttributeKind::String || term.type == model::AttributeKind::Enum ||
             term.type == model::AttributeKind::SetOfString;
    case TermKind::ResourceId:
    case TermKind::ResourceState:
      return true;
    case TermKind::Literal:
    case TermKind::PrincipalId:
    case TermKind::PrincipalAttribute:
      break;
  }
  return false;
}

constexpr std::string_view kBytewise = " COLLATE \"C\"";

class Renderer {
 public:
  explicit Renderer(bool parameters) : parameters_(parameters) {}

  std::string condition(const partial::residual::Expr& e) {
    switch (e->kind) {
      case Kind::True:
        return "TRUE";
      case Kind::False:
        return "FALSE";
      case Kind::And:
      case Kind::Or: {
        std::string out = "(";
        for (std::size_t i = 0; i < e->children.size(); ++i) {
          if (i > 0) out += e->kind == Kind::And ? " AND " : " OR ";
          out += condition(e->children[i]);
        }
        return out + ")";
      }
      case Kind::Not:
        return "(NOT " + condition(e->children.at(0)) + ")";
      case Kind::Present:
        if (e->lhs.kind == TermKind::Literal || e->lhs.kind == TermKind::ResourceId) return "TRUE";
        return "(" + scalar(e->lhs) + " IS NOT NULL)";
      case Kind::Compare:
        return compare(*e);
    }
    return "FALSE";
  }

  // A value given by the caller (the tenant): a parameter or a quoted literal.
  std::string value(const Literal& literal) {
    if (parameters_) {
      params_.push_back(literal);
      return "$" + std::to_string(params_.size());
    }
    switch (literal.kind) {
      case Literal::Kind::Bool:
        return literal.boolean ? "TRUE" : "FALSE";
      case Literal::Kind::Int:
        return literal.integer < 0 ? "(" + std::to_string(literal.integer) + ")"
                                   : std::to_string(literal.integer);
      case Literal::Kind::String:
        return quote_literal(literal.string).value_or("NULL");
      case Literal::Kind::List:
        break;
    }
    return "NULL";  // a list is never a scalar (see set())
  }

  std::vector<Literal> take_params() { return std::move(params_); }

 private:
  std::string scalar(const Term& term) {
    switch (term.kind) {
      case TermKind::Literal:
        return value(term.literal);
      case TermKind::ResourceAttribute:
        return quote_ident(term.column);
      case TermKind::ResourceId:
        return quote_ident("id");
      case TermKind::ResourceState:
        return quote_ident("state");
      case TermKind::PrincipalId:
        return read_setting(setting_name("principal.id"));
      case TermKind::PrincipalAttribute:
        return principal_setting(term.name, term.type);
    }
    return "NULL";
  }

  // A side of a comparison, byte for byte when it is a text column.
  static std::string collated(const Term& term, const std::string& sql) {
    return text_column(term) ? sql + std::string(kBytewise) : sql;
  }

  // The element type of a set-valued side, for array literals and casts.
  static bool int_elements(const Term& term, const Term& other) {
    if (term.kind != TermKind::Literal) return term.type == model::AttributeKind::SetOfInt;
    if (other.kind != TermKind::Literal && is_set(other.type)) {
      return other.type == model::AttributeKind::SetOfInt;
    }
    if (other.kind == TermKind::Literal && other.literal.kind == Literal::Kind::Int) return true;
    return std::any_of(term.literal.items.begin(), term.literal.items.end(),
                       [](const Literal& item) { return item.kind == Literal::Kind::Int; });
  }

  // A set-valued side as a SQL array: an array column, a principal setting's
  // JSON array unpacked, or an array of the literal's items.
  std::string set(const Term& term, bool ints) {
    const std::string type = ints ? "bigint[]" : "text[]";
    if (term.kind == TermKind::Literal) {
      std::string out = "ARRAY[";
      bool first = true;
      for (const Literal& item : term.literal.items) {
        if (unstorable(item)) continue;  // decided before (compare), kept out of the text
        if (!first) out += ", ";
        first = false;
        out += value(item);
      }
      return out + "]::" + type;
    }
    if (term.kind == TermKind::PrincipalAttribute) {
      return "ARRAY(SELECT jsonb_array_elements_text(" + scalar(term) + ")" +
             (ints ? "::bigint" : "") + ")";
    }
    return collated(term, scalar(term));
  }

  std::string membership(const Term& item, const Term& collection, const Term& other_hint) {
    if (item.kind == TermKind::Literal && unstorable(item.literal)) return "FALSE";
    const bool ints = int_elements(collection, other_hint);
    if (collection.kind == TermKind::Literal) {
      std::vector<std::string> items;
      for (const Literal& candidate : collection.literal.items) {
        if (!unstorable(candidate)) items.push_back(value(candidate));
      }
      if (items.empty()) return "FALSE";
      std::string list = "(";
      for (std::size_t i = 0; i < items.size(); ++i) list += (i > 0 ? ", " : "") + items[i];
      list += ")";
      const std::string x = scalar(item);
      if (!text_column(item)) return "(" + x + " IN " + list + ")";
      // As column_equals(): the column's own collation (an index), then bytes.
      return "(" + x + " IN " + list + " AND " + collated(item, x) + " IN " + list + ")";
    }
    const std::string x = scalar(item);
    return "(" + collated(item, x) + " = ANY(" + set(collection, ints) + "))";
  }

  std::string compare(const partial::residual::Node& node) {
    const Term& l = node.lhs;
    const Term& r = node.rhs;
    switch (node.op) {
      case CompareOp::In:
        return membership(l, r, l);
      case CompareOp::Contains:
        return membership(r, l, r);
      case CompareOp::Eq:
      case CompareOp::Ne:
        break;
      case CompareOp::Lt:
        return "(" + scalar(l) + " < " + scalar(r) + ")";
      case CompareOp::Le:
        return "(" + scalar(l) + " <= " + scalar(r) + ")";
      case CompareOp::Gt:
        return "(" + scalar(l) + " > " + scalar(r) + ")";
      case CompareOp::Ge:
        return "(" + scalar(l) + " >= " + scalar(r) + ")";
    }
    const bool equal = node.op == CompareOp::Eq;
    const bool set_valued =
        (l.kind == TermKind::Literal && l.literal.kind == Literal::Kind::List) ||
        (r.kind == TermKind::Literal && r.literal.kind == Literal::Kind::List) ||
        (l.kind != TermKind::Literal && is_set(l.type)) ||
        (r.kind != TermKind::Literal && is_set(r.type));
    if (set_valued) {
      // A stored set never holds an unstorable item, so it never equals a list that does.
      const auto holds_unstorable = [](const Term& t) {
        return t.kind == TermKind::Literal &&
               std::any_of(t.literal.items.begin(), t.literal.items.end(), unstorable);
      };
      if (holds_unstorable(l) || holds_unstorable(r)) return equal ? "FALSE" : "TRUE";
      // Equal as sets: each holds every item of the other.
      const bool ints = int_elements(l, r) || int_elements(r, l);
      const std::string a = set(l, ints);
      const std::string b = set(r, ints);
      const std::string same = "(" + a + " @> " + b + " AND " + a + " <@ " + b + ")";
      return equal ? same : "(NOT " + same + ")";
    }
    if ((l.kind == TermKind::Literal && unstorable(l.literal)) ||
        (r.kind == TermKind::Literal && unstorable(r.literal))) {
      return equal ? "FALSE" : "TRUE";
    }
    const std::string a = scalar(l);
    const std::string b = scalar(r);
    const std::string op = equal ? " = " : " <> ";
    const std::string exact = collated(l, a) + op + collated(r, b);
    // A text column against a value: as column_equals(), index first, then bytes.
    if (equal && text_column(l) != text_column(r)) return "(" + a + op + b + " AND " + exact + ")";
    return "(" + exact + ")";
  }

  bool parameters_;
  std::vector<Literal> params_;
};

std::string enum_checks(Renderer& renderer, const model::PolicySet& policies,
                        const model::ResourceType& type) {
  std::string out;
  for (const model::Attribute& attribute : type.attributes) {
    if (attribute.type.kind != model::AttributeKind::Enum) continue;
    const std::string column = quote_ident(policies.name(attribute.column));
    std::string members;
    for (const model::Symbol member : policies.schema.enums.at(attribute.type.enum_index).members) {
      const std::optional<std::string> quoted = quote_literal(policies.name(member));
      if (!quoted) continue;
      members += members.empty() ? "" : ", ";
      members += renderer.value(Literal::of_string(policies.name(member)));
    }
    if (!out.empty()) out += " AND ";
    out +=
        "(" + column + " IS NULL OR " + column + std::string(kBytewise) + " IN (" + members + "))";
  }
  return out;
}

}  // namespace

std::string setting_name(std::string_view what) { return "tenet." + std::string(what); }

std::string principal_setting_name(std::string_view attribute) {
  const auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  };
  const bool kept = !attribute.empty() && !(attribute.front() >= '0' && attribute.front() <= '9') &&
                    std::all_of(attribute.begin(), attribute.end(), plain);
  if (kept) return "tenet.principal." + std::string(attribute);
  // PostgreSQL folds setting names to lower case ("Role" would be "role"):
  // every other byte becomes $ and two lower-case hex digits, behind an "x$"
  // no kept name has (kept names hold no '$'). Injective, and already lower case.
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out = "tenet.principal.x$";
  for (const char c : attribute) {
    const auto byte = static_cast<unsigned char>(c);
    if (plain(c)) {
      out += c;
    } else {
      out += '$';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string column_equals(const std::string& column, const std::string& value) {
  // The plain comparison first, in the column's own collation, so that an
  // index on the column still serves it; the COLLATE "C" one then makes it
  // exact (under a deterministic collation the two agree anyway).
  return "(" + column + " = " + value + " AND " + column + std::string(kBytewise) + " = " + value +
         ")";
}

std::string read_setting(std::string_view name) {
  return "NULLIF(current_setting(" + quote_literal(name).value_or("''") + ", true), '')";
}

std::string principal_attribute(const model::Attribute& attribute, const model::Interner& names) {
  return principal_setting(names.name(attribute.name), attribute.type.kind);
}

std::string render_inline(const partial::residual::Expr& condition) {
  Renderer renderer(false);
  return renderer.condition(condition);
}

std::string enum_columns_valid(const model::PolicySet& policies, const model::ResourceType& type) {
  Renderer renderer(false);
  const std::string checks = enum_checks(renderer, policies, type);
  return checks.empty() ? "TRUE" : checks;
}

FilterSql render_filter_sql(const partial::residual::Expr& allowed,
                            const model::PolicySet& policies, model::Index type,
                            std::string_view tenant) {
  const model::ResourceType& resource = policies.schema.resources.at(type);
  Renderer renderer(true);
  std::string sql = column_equals(quote_ident(policies.name(resource.tenant_column)),
                                  renderer.value(Literal::of_string(tenant)));
  const std::string checks = enum_checks(renderer, policies, resource);
  if (!checks.empty()) sql += " AND " + checks;
  sql += " AND " + renderer.condition(allowed);
  return {std::move(sql), renderer.take_params()};
}

}  // namespace tenet::sql
