#include "tests/differential/policy_fuzz/random_request.hpp"

#include <algorithm>

namespace tenet::fuzz {
namespace {

using reference::Operation;
using reference::SimpleAttributes;
using reference::SimpleRequest;
using reference::SimpleValue;

// An int next to one the policies compare with.
std::int64_t near_threshold(Rng& rng) { return rng.pick(kInts) + rng.between(-1, 1); }

SimpleValue wrong_kind(Rng& rng, Kind kind) {
  switch (rng.below(3)) {
    case 0:
      if (kind != Kind::Bool) return true;
      [[fallthrough]];
    case 1:
      if (kind != Kind::Int) return std::int64_t{7};
      [[fallthrough]];
    default:
      if (kind != Kind::String && kind != Kind::Enum) return std::string("oops");
      return reference::IntSet{1};
  }
}

SimpleValue value(Rng& rng, const AttributeSpec& a, const Vocabulary& v) {
  if (rng.permille(4)) return wrong_kind(rng, a.kind);
  switch (a.kind) {
    case Kind::Bool:
      return rng.percent(50);
    case Kind::Int:
      return near_threshold(rng);
    case Kind::String:
      return rng.pick(kStrings);
    case Kind::Enum:
      // A non-member is an invalid request.
      return rng.permille(8) ? std::string("verifed") : rng.pick(v.enums[a.enum_id]);
    case Kind::StringSet:
      return rng.some(kStrings, 0, 3);
    case Kind::IntSet: {
      reference::IntSet out;
      const int n = rng.between(0, 3);
      for (int i = 0; i < n; ++i) out.push_back(near_threshold(rng));
      return out;
    }
  }
  return false;
}

SimpleAttributes attributes(Rng& rng, const std::vector<AttributeSpec>& schema,
                            const Vocabulary& v) {
  SimpleAttributes out;
  for (const AttributeSpec& a : schema) {
    if (rng.percent(a.optional ? 50 : 88)) out[a.name] = value(rng, a, v);
  }
  if (rng.percent(10)) out["not_in_schema"] = std::int64_t{1};  // ignored
  return out;
}

const TenantSpec* tenant_named(const Vocabulary& v, const std::string& name) {
  for (const TenantSpec& t : v.tenants) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string any_role(Rng& rng, const Vocabulary& v, const TenantSpec* tenant) {
  if (tenant != nullptr && !tenant->roles.empty() && rng.percent(88))
    return rng.pick(tenant->roles);
  if (rng.percent(50)) return "ghost";
  const TenantSpec& other = rng.pick(v.tenants);  // maybe a role of another tenant only
  return other.roles.empty() ? "ghost" : rng.pick(other.roles);
}

void resource(Rng& rng, const Vocabulary& v, const TenantSpec* tenant, SimpleRequest& r) {
  const bool known_type = rng.percent(93);
  const ResourceSpec* spec = &rng.pick(v.resources);
  // Lifecycle requests mostly name a type that has one in this tenant.
  if (r.op == Operation::Lifecycle && tenant != nullptr && !tenant->lifecycle_types.empty() &&
      rng.percent(80)) {
    const std::string& type = rng.pick(tenant->lifecycle_types);
    for (const ResourceSpec& candidate : v.resources) {
      if (candidate.name == type) spec = &candidate;
    }
  }
  r.resource.type = known_type ? spec->name : "ghosttype";
  r.resource.id = rng.percent(50) ? "r1" : "r2";
  const int where = rng.between(0, 99);
  r.resource.tenant = where < 88 ? r.tenant : where < 95 ? rng.pick(v.tenants).name : "elsewhere";
  const bool lifecycle =
      tenant != nullptr && std::find(tenant->lifecycle_types.begin(), tenant->lifecycle_types.end(),
                                     r.resource.type) != tenant->lifecycle_types.end();
  const int state = rng.between(0, 99);
  if (state < (lifecycle ? 80 : 30)) {
    r.resource.state = rng.pick(kStates);
  } else if (state < (lifecycle ? 88 : 40)) {
    r.resource.state = "s9";
  }
  r.resource.attributes = attributes(rng, spec->attributes, v);
  // Attributes of another type (the same name may have another type there): ignored.
  if (rng.percent(15)) {
    for (const auto& [name, val] : attributes(rng, rng.pick(v.resources).attributes, v)) {
      r.resource.attributes.emplace(name, val);
    }
  }
}

// Mostly an action the tenant declares for the type; now and then one it
// does not (invalid_request): a typo of a declared action, an action of
// the schema's or a partner's own that this tenant may not declare for the
// type, or a name no policy knows.
std::string action(Rng& rng, const TenantSpec* tenant, const std::string& type) {
  if (tenant != nullptr && rng.percent(90)) {
    const auto declared = tenant->actions.find(type);
    if (declared != tenant->actions.end() && !declared->second.empty())
      return rng.pick(declared->second);
  }
  switch (rng.below(4)) {
    case 0:
      return rng.pick(kUndeclaredActions);
    case 1:
      return rng.pick(kTemplateActions);
    case 2:
      return kTenantAction;
    default:
      return rng.pick(kActions);
  }
}

}  // namespace

SimpleRequest random_request(Rng& rng, const Vocabulary& v) {
  SimpleRequest r;
  const int op = rng.between(0, 99);
  r.op = op < 35   ? Operation::Check
         : op < 52 ? Operation::Transition
         : op < 64 ? Operation::Subscribe
         : op < 72 ? Operation::Plans
         : op < 80 ? Operation::Features
                   : Operation::Lifecycle;
  r.tenant = rng.percent(95) ? rng.pick(v.tenants).name : "nobody";
  const TenantSpec* tenant = tenant_named(v, r.tenant);
  r.principal_id = rng.percent(50) ? "u1" : "u2";
  r.role = any_role(rng, v, tenant);
  r.principal = attributes(rng, v.principal, v);
  r.context = attributes(rng, v.context, v);
  switch (r.op) {
    case Operation::Check:
      resource(rng, v, tenant, r);
      r.action = action(rng, tenant, r.resource.type);
      break;
    case Operation::Transition:
      r.target = any_role(rng, v, tenant);
      break;
    case Operation::Subscribe:
      r.target = rng.percent(90) ? "plan" + std::to_string(rng.below(4)) : "noplan";
      break;
    case Operation::Plans:
    case Operation::Features:
      break;
    case Operation::Lifecycle:
      resource(rng, v, tenant, r);
      r.target = rng.percent(92) ? rng.pick(kStates) : "s9";
      break;
  }
  return r;
}

}  // namespace tenet::fuzz
