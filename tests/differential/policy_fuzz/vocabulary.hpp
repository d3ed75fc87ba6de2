// What a generated policy set declares, kept by the generator so that the
// request generator can aim at it (known and unknown names, values near
// the policy's thresholds) without parsing anything back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tenet::fuzz {

enum class Kind : std::uint8_t { Bool, Int, String, Enum, StringSet, IntSet };

struct AttributeSpec {
  std::string name;
  Kind kind = Kind::Bool;
  bool optional = false;
  std::size_t enum_id = 0;  // Enum: into Vocabulary::enums
};

struct ResourceSpec {
  std::string name;
  std::vector<AttributeSpec> attributes;
};

struct TenantSpec {
  std::string name;  // decoded (`harbor-bank.eu`, not `"harbor-bank.eu"`)
  std::vector<std::string> roles;
  std::vector<std::string> features;
  std::vector<std::string> plans;
  std::vector<std::string> lifecycle_types;
  // Resource type → the actions the tenant declares for it: the schema's,
  // its templates' and its own (docs/LANGUAGE.md §3, "Actions").
  std::map<std::string, std::vector<std::string>> actions;
};

struct Vocabulary {
  std::vector<AttributeSpec> principal;
  std::vector<AttributeSpec> context;
  std::vector<ResourceSpec> resources;
  std::vector<std::vector<std::string>> enums;
  std::vector<TenantSpec> tenants;
};

// Shared pools: policies compare against these, requests draw from them
// (and from their neighbours), so thresholds are hit often.
inline const std::vector<std::int64_t> kInts{-1, 0, 1, 2, 5, 10, 30};
inline const std::vector<std::string> kStrings{"u1", "u2", "DE", "FR", "x", "lo", ""};
// The schema's actions (each type declares `read` and a random share of the
// rest); the partner-own actions a template (one name per template, so a
// tenant extending several never declares one twice) or a tenant declares
// in its body; and names no policy declares, typos of declared ones among
// them, which requests use now and then (invalid_request).
inline const std::vector<std::string> kActions{"read", "write", "delete", "share", "approve"};
inline const std::vector<std::string> kTemplateActions{"export", "audit", "sign"};
inline const std::string kTenantAction = "archive";
inline const std::vector<std::string> kUndeclaredActions{"raed",   "wirte",  "delte", "shrae",
                                                         "aprove", "archiv", "zap"};
inline const std::vector<std::string> kStates{"s0", "s1", "s2", "s3"};

struct GeneratedPolicySet {
  std::uint64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> files;  // relative path, text; sorted by path
  Vocabulary vocabulary;
};

}  // namespace tenet::fuzz
