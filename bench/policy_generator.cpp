// Design note: every tenant is generated from its own random stream, seeded
// from (seed, tenant index), so tenant k is the same whatever T is and the
// tool can write tenants one at a time. Conditions are built from "atoms"
// that are each valid on their own (optionals always behind `has`, enum
// literals always members, ordering only on ints); atoms are then joined with
// `&&` / `||` inside parentheses, so every combination stays valid too.
#include "bench/policy_generator.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <string_view>
#include <system_error>

#include "bench/request_generator.hpp"

namespace tenet::bench {
namespace {

// splitmix64: tiny, fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }
  // Uniform enough in [0, n) for n far below 2^64.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool percent(unsigned p) { return below(100) < p; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(N)];
  }

 private:
  std::uint64_t state_;
};

// Action names come from action_name (bench/request_generator.hpp); the
// schema declares the first max(actions, kCommonActions) on every type.
constexpr std::size_t kCommonActions = 6;
constexpr std::array<std::string_view, 3> kTypes{"document", "account", "subscription"};
constexpr std::array<std::string_view, 8> kCountries{"DE", "FR", "NL", "AT",
                                                     "US", "GB", "PL", "ES"};
constexpr std::array<std::string_view, 4> kOrdering{">=", ">", "<", "<="};
constexpr std::array<std::string_view, 3> kKyc{"none", "pending", "verified"};
constexpr std::array<std::string_view, 3> kClassifications{"public", "internal", "secret"};
// The roles every tenant has: the template's four plus its custom one.
constexpr std::array<std::string_view, 5> kRoles{"guest", "basic", "advanced", "company",
                                                 "specialist"};

std::string num(std::size_t n) { return std::to_string(n); }

// Concatenation by appending. (GCC 12 at -O3 raises a false -Wrestrict on
// `"literal" + std::string`, so this file never writes that.)
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string quoted(std::string_view s) { return cat("\"", s, "\""); }

std::string country_list(Rng& rng) {
  std::string out = "[";
  const std::size_t first = rng.below(kCountries.size());
  const std::size_t count = 1 + rng.below(3);
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += quoted(kCountries[(first + i) % kCountries.size()]);  // consecutive: no duplicates
  }
  out += "]";
  return out;
}

// An atom about the principal or the request context: valid for any resource type.
std::string principal_atom(Rng& rng) {
  switch (rng.below(11)) {
    case 0: {
      const std::string_view op = rng.pick(kOrdering);  // one draw per statement: fixed order
      return cat("principal.account_age_days ", op, " ", num(rng.below(365)));
    }
    case 1:
      return cat("principal.kyc == ", quoted(rng.pick(kKyc)));
    case 2:
      return "principal.kyc in [\"pending\", \"verified\"]";
    case 3:
      return cat("principal.country in ", country_list(rng));
    case 4:
      return cat("principal.country != ", quoted(rng.pick(kCountries)));
    case 5:
      return cat("principal.tags contains \"tag", num(rng.below(20)), "\"");
    case 6:
      return cat("\"tag", num(rng.below(20)), "\" in principal.tags");
    case 7:
      return "(principal has company_verified && principal.company_verified)";
    case 8:
      return rng.percent(50) ? "context.mfa" : "!context.mfa";
    case 9:
      return cat("context.risk_score < ", num(10 + rng.below(90)));
    default:
      return rng.percent(50) ? "enabled(beta)" : "enabled(fast_lane)";
  }
}

// An atom that also reads attributes of `type`.
std::string resource_atom(Rng& rng, std::string_view type) {
  if (type == "document") {
    switch (rng.below(6)) {
      case 0:
        return "resource.owner == principal.id";
      case 1:
        return "!resource.locked";
      case 2:
        return cat("resource.classification == ", quoted(rng.pick(kClassifications)));
      case 3:
        return "resource.classification in [\"public\", \"internal\"]";
      case 4:
        return cat("resource.size_kb > ", num(rng.below(10000)));
      default:
        return "(principal has company_id && resource has company_id"
               " && resource.company_id == principal.company_id)";
    }
  }
  if (type == "account") {
    switch (rng.below(3)) {
      case 0:
        return "resource.owner == principal.id";
      case 1:
        return "!resource.frozen";
      default:
        return cat("resource.balance >= ", num(rng.below(100000)));
    }
  }
  switch (rng.below(3)) {  // subscription
    case 0:
      return "resource.owner == principal.id";
    case 1: {
      const std::string_view op = rng.pick(kOrdering);
      return cat("resource.overdue_days ", op, " ", num(rng.below(90)));
    }
    default:
      return "resource.plan != \"legacy\"";
  }
}

// 1 to 3 atoms joined by `&&` (mostly) or `||`, sometimes negated as a whole.
// `type` empty: the rule names several types, so only principal/context atoms.
std::string condition(Rng& rng, std::string_view type) {
  const std::size_t count = 1 + rng.below(3);
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += rng.percent(75) ? " && " : " || ";
    const bool about_resource = !type.empty() && rng.percent(60);
    out += about_resource ? resource_atom(rng, type) : principal_atom(rng);
  }
  if (count > 1 && rng.percent(10)) return cat("!(", out, ")");
  return count > 1 ? cat("(", out, ")") : out;
}

std::string action_list(Rng& rng, const GeneratorOptions& options) {
  if (rng.below(1000) < options.wildcard_per_mille) return "*";
  const std::size_t actions = std::max<std::size_t>(options.actions, 1);
  const std::size_t first = rng.below(actions);
  const std::size_t count = 1 + rng.below(std::min<std::size_t>(3, actions));
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += action_name((first + i) % actions);  // consecutive: never a duplicate
  }
  return out;
}

std::string role_list(Rng& rng) {
  const std::size_t first = rng.below(kRoles.size());
  const std::size_t count = 1 + rng.below(2);
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += kRoles[(first + i) % kRoles.size()];
  }
  return out;
}

// One permit or forbid. Forbids always carry a condition: an unconditional
// forbid could make a permit of the same tenant dead, which is a warning.
std::string rule(Rng& rng, const GeneratorOptions& options, std::size_t number) {
  std::string out = "  ";
  if (rng.percent(70)) out += cat("@id(\"r", num(number), "\") ");
  const bool forbid = rng.percent(25);
  out += forbid ? "forbid " : "permit ";
  out += action_list(rng, options);
  out += " on ";

  std::string_view type;  // empty when the rule names several types
  const std::size_t shape = rng.below(10);
  if (shape < 7) {
    type = rng.pick(kTypes);
    out += type;
  } else if (shape < 9) {
    const std::size_t first = rng.below(kTypes.size());
    out += cat(kTypes[first], ", ", kTypes[(first + 1) % kTypes.size()]);
  } else {
    out += "*";
  }
  if (rng.percent(40)) out += cat(" for ", role_list(rng));
  if (forbid || rng.percent(90)) out += cat(" when ", condition(rng, type));
  if (rng.percent(20)) out += cat(" unless ", principal_atom(rng));
  out += ";\n";
  return out;
}

constexpr std::string_view kSchema =
    R"(// Generated by tenet-gen-policies: the schema of a benchmark policy set.
schema {
  principal {
    kyc: "none" | "pending" | "verified";
    account_age_days: int;
    company_verified?: bool;
    company_id?: string;
    country: string;
    tags: set<string>;
  }
  resource document @table("documents") {
    owner: string @column("owner_id");
    locked: bool;
    classification: "public" | "internal" | "secret";
    company_id?: string;
    size_kb: int;
  }
  resource account { owner: string; frozen: bool; balance: int; }
  resource subscription { owner: string; plan: string; overdue_days: int; }
  context { mfa: bool; risk_score: int; }
)";

constexpr std::string_view kTemplate =
    R"(// Generated by tenet-gen-policies: the template every tenant extends.
template bench_base {
  role guest;
  role basic extends guest;
  role advanced extends basic;
  role company extends advanced;

  @id("base-kyc") transition guest -> basic when principal.kyc == "verified";
  @id("base-advanced") transition basic -> advanced when principal.account_age_days >= 30;
  @id("base-company") transition advanced -> company
    when principal has company_verified && principal.company_verified;

  feature beta off;
  feature fast_lane on for advanced;

  @id("base-starter") plan starter { for basic; }

  lifecycle subscription {
    states signing, signed, suspended, unsigned;
    initial signing;
    signing -> signed by basic;
    signed -> suspended when resource.overdue_days > 30;
    suspended -> signed when resource.overdue_days == 0;
    signed, suspended -> unsigned;
  }

  @id("base-owner-reads") permit read on document when resource.owner == principal.id;
  @id("base-locked") forbid write, delete on document when resource.locked;
}
)";

// The tenant's name as the policy file writes it: quoted when it is not an identifier.
std::string declared_tenant_name(std::size_t index) {
  const std::string name = tenant_name(index);
  return index % 7 == 3 ? cat("\"", name, "\"") : name;
}

std::string tenant_file(std::size_t index) {
  std::string digits = num(index);
  digits.insert(0, digits.size() < 5 ? 5 - digits.size() : 0, '0');
  return cat("tenants/t", digits, ".tenet");
}

}  // namespace

GeneratedFile generate_schema(const GeneratorOptions& options) {
  // Every action the rules may draw from, on every type; the six common
  // ones always (the template's rules name read, write and delete).
  std::string text(kSchema);
  text += "  actions ";
  const std::size_t actions = std::max<std::size_t>(options.actions, kCommonActions);
  for (std::size_t i = 0; i < actions; ++i) {
    if (i > 0) text += ", ";
    text += action_name(i);
  }
  text += " on document, account, subscription;\n}\n";
  return {"schema.tenet", std::move(text)};
}

GeneratedFile generate_template() { return {"templates/bench_base.tenet", std::string(kTemplate)}; }

GeneratedFile generate_tenant(const GeneratorOptions& options, std::size_t index) {
  Rng rng(options.seed * 0x100000001B3ULL + index);
  std::string t = cat("// Generated by tenet-gen-policies (seed ", std::to_string(options.seed),
                      "): tenant ", num(index), ".\n");
  t += cat("tenant ", declared_tenant_name(index), " extends bench_base {\n");
  t += "  role specialist extends advanced;\n";
  t += cat("  @id(\"to-specialist\") transition advanced -> specialist",
           " when principal.account_age_days >= ", num(60 + rng.below(300)), ";\n\n");

  // Features: replace the template's `beta`, add one of the tenant's own.
  t += rng.percent(50) ? "  feature beta on" : "  feature beta off";
  if (rng.percent(50)) t += cat(" for ", role_list(rng));
  t += ";\n";
  t += cat("  feature express on when principal.country in ", country_list(rng), ";\n");
  t += "  @id(\"plan-gold\") plan gold { for advanced; requires feature fast_lane; }\n";
  // Draws are sequenced by statements: argument evaluation order is unspecified.
  const std::string plan_roles = role_list(rng);
  const std::string plan_condition = principal_atom(rng);
  t += cat("  plan express_plan { for ", plan_roles, "; when ", plan_condition,
           "; requires feature express; }\n\n");

  // Every 4th tenant reshapes the lifecycle, with an extra state.
  if (index % 4 == 1) {
    t += "  lifecycle subscription {\n"
         "    states signing, signed, suspended, unsigned, cancelled;\n"
         "    initial signing;\n"
         "    signing -> signed by basic;\n"
         "    signing -> cancelled;\n"
         "    signed -> suspended when resource.overdue_days > ";
    t += num(7 + rng.below(60));
    t += ";\n"
         "    signed, suspended -> unsigned;\n"
         "  }\n\n";
  }

  for (std::size_t r = 0; r < options.rules; ++r) t += rule(rng, options, r);
  t += "}\n";
  return {tenant_file(index), std::move(t)};
}

std::vector<GeneratedFile> generate_policy_set(const GeneratorOptions& options) {
  std::vector<GeneratedFile> files{generate_schema(options), generate_template()};
  files.reserve(options.tenants + 2);
  for (std::size_t i = 0; i < options.tenants; ++i) files.push_back(generate_tenant(options, i));
  return files;
}

std::string write_policy_set(const GeneratorOptions& options,
                             const std::filesystem::path& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  // Refuse to mix with an older set: stale tenants would silently stay.
  if (fs::exists(directory, error) && !fs::is_empty(directory, error)) {
    return cat(directory.string(), ": exists and is not empty; choose a new directory");
  }
  for (const char* sub : {"templates", "tenants"}) {
    fs::create_directories(directory / sub, error);
    if (error) return cat((directory / sub).string(), ": ", error.message());
  }
  const auto write = [&](const GeneratedFile& file) -> std::string {
    const fs::path path = directory / file.path;
    std::ofstream out(path, std::ios::binary);
    out << file.text;
    out.close();
    return out ? std::string() : cat(path.string(), ": cannot write");
  };
  for (const GeneratedFile& file : {generate_schema(options), generate_template()}) {
    if (std::string problem = write(file); !problem.empty()) return problem;
  }
  for (std::size_t i = 0; i < options.tenants; ++i) {
    if (std::string problem = write(generate_tenant(options, i)); !problem.empty()) return problem;
  }
  return {};
}

}  // namespace tenet::bench
