#include "engine/compile/condition_shape.hpp"

namespace tenet::compile {

bool never_in_error(const Tenant& tenant, Index at) {
  const Node& node = tenant.nodes[at];
  switch (node.op) {
    case Op::True:
    case Op::False:
    case Op::HasPrincipal:
    case Op::HasResource:
    case Op::HasContext:
    case Op::HasBuiltin:
    case Op::HasState:
    case Op::Enabled:  // a feature in error is just not enabled
      return true;
    case Op::Not:
      return never_in_error(tenant, node.lhs);
    case Op::And:
    case Op::Or:
      return never_in_error(tenant, node.lhs) && never_in_error(tenant, node.rhs);
    default:
      return false;
  }
}

bool is_value_read(Op op) {
  switch (op) {
    case Op::PrincipalAttr:
    case Op::ResourceAttr:
    case Op::ContextAttr:
    case Op::PrincipalId:
    case Op::PrincipalTenant:
    case Op::PrincipalRole:
    case Op::ResourceType:
    case Op::ResourceId:
    case Op::ResourceTenant:
    case Op::ResourceState:
      return true;
    default:
      return false;
  }
}

std::uint64_t subject_signature(Op op, Index ref) {
  switch (op) {
    case Op::HasPrincipal:
      op = Op::PrincipalAttr;
      break;
    case Op::HasResource:
      op = Op::ResourceAttr;
      break;
    case Op::HasContext:
      op = Op::ContextAttr;
      break;
    case Op::HasState:
      op = Op::ResourceState;
      ref = 0;
      break;
    case Op::PrincipalAttr:
    case Op::ResourceAttr:
    case Op::ContextAttr:
    case Op::Enabled:
      break;
    default:
      ref = 0;  // a built-in
      break;
  }
  return (std::uint64_t{static_cast<std::uint8_t>(op)} << 32) | ref;
}

void and_chain(const Tenant& tenant, Index at, std::vector<Index>& out) {
  const Node& node = tenant.nodes[at];
  if (node.op != Op::And) {
    out.push_back(at);
    return;
  }
  and_chain(tenant, node.lhs, out);
  and_chain(tenant, node.rhs, out);
}

}  // namespace tenet::compile
