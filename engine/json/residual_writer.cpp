// Residual conditions (engine/partial/residual.hpp) as text: source-like for
// tests and messages, JSON for the filter op's `condition` and `params`. Not
// on a hot path (one tree per filter request).
#include "engine/json/residual_writer.hpp"

#include "engine/json/response_writer.hpp"

namespace tenet::json {
namespace {

using partial::residual::CompareOp;
using partial::residual::Expr;
using partial::residual::Kind;
using partial::residual::Literal;
using partial::residual::Term;
using partial::residual::TermKind;

std::string term_path(const Term& term) {
  switch (term.kind) {
    case TermKind::Literal:
      return {};
    case TermKind::ResourceAttribute:
      return "resource." + term.name;
    case TermKind::ResourceId:
      return "resource.id";
    case TermKind::ResourceState:
      return "resource.state";
    case TermKind::PrincipalId:
      return "principal.id";
    case TermKind::PrincipalAttribute:
      return "principal." + term.name;
  }
  return {};
}

std::string_view op_text(CompareOp op) {
  switch (op) {
    case CompareOp::Eq:
      return "==";
    case CompareOp::Ne:
      return "!=";
    case CompareOp::Lt:
      return "<";
    case CompareOp::Le:
      return "<=";
    case CompareOp::Gt:
      return ">";
    case CompareOp::Ge:
      return ">=";
    case CompareOp::In:
      return "in";
    case CompareOp::Contains:
      return "contains";
  }
  return "?";
}

void literal_text(std::string& out, const Literal& l) {
  switch (l.kind) {
    case Literal::Kind::Bool:
      out += l.boolean ? "true" : "false";
      return;
    case Literal::Kind::Int:
      out += std::to_string(l.integer);
      return;
    case Literal::Kind::String:
      write_json_string(out, l.string);
      return;
    case Literal::Kind::List:
      out += '[';
      for (std::size_t i = 0; i < l.items.size(); ++i) {
        if (i > 0) out += ", ";
        literal_text(out, l.items[i]);
      }
      out += ']';
      return;
  }
}

void term_text(std::string& out, const Term& t) {
  if (t.kind == TermKind::Literal) return literal_text(out, t.literal);
  out += term_path(t);
}

void text(std::string& out, const Expr& e, bool nested) {
  switch (e->kind) {
    case Kind::True:
      out += "true";
      return;
    case Kind::False:
      out += "false";
      return;
    case Kind::And:
    case Kind::Or: {
      if (nested) out += '(';
      for (std::size_t i = 0; i < e->children.size(); ++i) {
        if (i > 0) out += e->kind == Kind::And ? " && " : " || ";
        text(out, e->children[i], true);
      }
      if (nested) out += ')';
      return;
    }
    case Kind::Not:
      out += "!(";
      text(out, e->children.front(), false);
      out += ')';
      return;
    case Kind::Present:
      out += "has ";
      term_text(out, e->lhs);
      return;
    case Kind::Compare:
      term_text(out, e->lhs);
      out += ' ';
      out += op_text(e->op);
      out += ' ';
      term_text(out, e->rhs);
      return;
  }
}

void write_literal(std::string& out, const Literal& l) {
  if (l.kind != Literal::Kind::List) return literal_text(out, l);
  out += '[';
  for (std::size_t i = 0; i < l.items.size(); ++i) {
    if (i > 0) out += ',';
    write_literal(out, l.items[i]);
  }
  out += ']';
}

void term_json(std::string& out, const Term& t) {
  if (t.kind == TermKind::Literal) {
    out += "{\"value\":";
    write_literal(out, t.literal);
    out += '}';
    return;
  }
  out += "{\"attr\":";
  write_json_string(out, term_path(t));
  if (t.kind == TermKind::ResourceAttribute || t.kind == TermKind::ResourceId) {
    out += ",\"column\":";
    write_json_string(out, t.kind == TermKind::ResourceId ? std::string_view("id") : t.column);
  }
  out += '}';
}

void write_residual(std::string& out, const Expr& e) {
  switch (e->kind) {
    case Kind::True:
      out += R"({"op":"true"})";
      return;
    case Kind::False:
      out += R"({"op":"false"})";
      return;
    case Kind::And:
    case Kind::Or:
      out += e->kind == Kind::And ? R"({"op":"and","args":[)" : R"({"op":"or","args":[)";
      for (std::size_t i = 0; i < e->children.size(); ++i) {
        if (i > 0) out += ',';
        write_residual(out, e->children[i]);
      }
      out += "]}";
      return;
    case Kind::Not:
      out += R"({"op":"not","arg":)";
      write_residual(out, e->children.front());
      out += '}';
      return;
    case Kind::Present:
      out += R"({"op":"has","arg":)";
      term_json(out, e->lhs);
      out += '}';
      return;
    case Kind::Compare:
      out += R"({"op":")";
      out += op_text(e->op);
      out += R"(","left":)";
      term_json(out, e->lhs);
      out += R"(,"right":)";
      term_json(out, e->rhs);
      out += '}';
      return;
  }
}

}  // namespace

std::string residual_text(const partial::residual::Expr& e) {
  std::string out;
  text(out, e, false);
  return out;
}

std::string residual_json(const partial::residual::Expr& e) {
  std::string out;
  write_residual(out, e);
  return out;
}

std::string literal_json(const partial::residual::Literal& literal) {
  std::string out;
  write_literal(out, literal);
  return out;
}

}  // namespace tenet::json
