#include "server/service.hpp"

#include <algorithm>
#include <utility>

#include "grammar/source/diagnostic.hpp"
#include "server/log.hpp"

namespace tenet::server {

Service::Service(std::filesystem::path policy_directory, std::unique_ptr<Engine> engine,
                 std::optional<TokenStore> tokens, std::unique_ptr<FeatureState> features,
                 PolicyOptions policy_options)
    : directory_(std::move(policy_directory)),
      policy_options_(std::move(policy_options)),
      engine_(std::move(engine)),
      tokens_(std::move(tokens)),
      features_(std::move(features)) {
  features_->apply(*engine_->snapshot());
  if (tokens_) warn_about_token_tenants(*tokens_, *engine_->snapshot());
}

void warn_about_token_tenants(const TokenStore& tokens, const CompiledPolicySet& policies) {
  for (const std::string& tenant : tokens.bound_tenants()) {
    if (policies.find_tenant(tenant) != kNone) continue;
    LogLine("warning")
        .field("what", "token_tenant")
        .field("tenant", tenant)
        .field("message", "a token is bound to tenant '" + tenant +
                              "', which the policy set does not declare; its requests can only get "
                              "unknown-tenant answers")
        .emit();
  }
}

namespace {

// The tenants `before` declares and `after` does not, sorted.
std::vector<std::string> removed_tenants(const CompiledPolicySet& before,
                                         const CompiledPolicySet& after) {
  std::vector<std::string> removed;
  for (Index t = 0; t < before.tenant_count(); ++t) {
    if (after.find_tenant(before.tenant_name(t)) == kNone)
      removed.emplace_back(before.tenant_name(t));
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

Service::ReloadResult Service::reload(bool allow_removal) {
  const std::lock_guard<std::mutex> lock(admin_);
  PolicyLoad compiled = compile_policy_directory(directory_, policy_options_);
  ReloadResult result;
  if (compiled.policies) {
    result.removed_tenants = removed_tenants(*engine_->snapshot(), *compiled.policies);
    if (!result.removed_tenants.empty() && !allow_removal) {
      result.policy_version = version_.load(std::memory_order_acquire);
      stats_.count_reload(false);
      LogLine("reload")
          .field("ok", false)
          .field("policy_version", result.policy_version)
          .field("removed_tenants", joined(result.removed_tenants))
          .field("message", "refused: the new policy set no longer declares tenant(s) " +
                                joined(result.removed_tenants) +
                                "; a reload op with \"allow_removal\":true removes them")
          .emit();
      return result;
    }
  }
  if (!compiled.policies) {
    for (const std::string& problem : compiled.io_errors)
      result.diagnostics += "error: " + problem + '\n';
    if (!compiled.set_error.empty()) result.diagnostics += "error: " + compiled.set_error + '\n';
    for (const Diagnostic& diagnostic : compiled.diagnostics) {
      result.diagnostics += render(diagnostic, *compiled.sources);
    }
    result.policy_version = version_.load(std::memory_order_acquire);
    stats_.count_reload(false);
    LogLine("reload")
        .field("ok", false)
        .field("policy_version", result.policy_version)
        .field("diagnostics", result.diagnostics)
        .emit();
    return result;
  }
  // The durable switches go on the new set before anyone can see it.
  features_->apply(*compiled.policies);
  engine_->replace(compiled.policies);
  features_->apply(*compiled.policies);  // over switches carried from the old set
  result.ok = true;
  result.policy_version = version_.fetch_add(1, std::memory_order_acq_rel) + 1;
  stats_.count_reload(true);
  LogLine line("reload");
  line.field("ok", true).field("policy_version", result.policy_version);
  if (!result.removed_tenants.empty())
    line.field("removed_tenants", joined(result.removed_tenants));
  line.emit();
  if (tokens_) warn_about_token_tenants(*tokens_, *compiled.policies);
  return result;
}

Service::SetFeatureResult Service::set_feature(const std::string& tenant,
                                               const std::string& feature, FeatureSwitch state,
                                               std::string& error) {
  const std::lock_guard<std::mutex> lock(admin_);
  const std::shared_ptr<const CompiledPolicySet> policies = engine_->snapshot();
  const Index t = policies->find_tenant(tenant);
  if (t == kNone || policies->find_feature(t, feature) == kNone)
    return SetFeatureResult::UnknownFeature;
  if (auto failure = features_->set(tenant, feature, state)) {
    error = *failure;
    LogLine("error").field("what", "set_feature").field("message", error).emit();
    return SetFeatureResult::PersistFailed;
  }
  engine_->set_feature(tenant, feature, state);
  LogLine("set_feature")
      .field("tenant", tenant)
      .field("feature", feature)
      .field("state", state == FeatureSwitch::On    ? "on"
                      : state == FeatureSwitch::Off ? "off"
                                                    : "default")
      .emit();
  return SetFeatureResult::Ok;
}

}  // namespace tenet::server
