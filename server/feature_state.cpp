#include "server/feature_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "server/durable_file.hpp"

namespace tenet::server {

std::optional<std::string> FeatureState::load(const std::optional<std::filesystem::path>& path,
                                              FeatureState& into) {
  const std::lock_guard<std::mutex> lock(into.mutex_);
  into.path_ = path;
  into.features_.clear();
  if (!path) return std::nullopt;
  // Refused now rather than at the first set_feature: a state file that
  // could never be written (no such folder) or is not a file at all.
  const std::filesystem::path directory = path->has_parent_path() ? path->parent_path() : ".";
  std::error_code error;
  const std::filesystem::file_status folder = std::filesystem::status(directory, error);
  if (error && error != std::errc::no_such_file_or_directory)
    return path->string() + ": cannot access " + directory.string() + ": " + error.message();
  if (!std::filesystem::exists(folder))
    return path->string() + ": the directory " + directory.string() + " does not exist";
  if (!std::filesystem::is_directory(folder))
    return path->string() + ": " + directory.string() + " is not a directory";
  const std::filesystem::file_status file = std::filesystem::status(*path, error);
  if (!std::filesystem::exists(file)) return std::nullopt;  // first run
  if (std::filesystem::is_directory(file))
    return path->string() + ": is a directory, not a state file";
  if (!std::filesystem::is_regular_file(file))
    return path->string() + ": the state file is not a regular file";
  std::ifstream in(*path, std::ios::binary);
  if (!in) return path->string() + ": cannot read the state file";
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return path->string() + ": not a JSON object";
  for (const auto& [key, value] : json.items()) {
    // A misspelt key would otherwise read as "no switches".
    if (key != "features")
      return path->string() + ": unknown key \"" + key + "\" (expected \"features\")";
  }
  if (!json.contains("features")) return std::nullopt;
  const nlohmann::json& features = json["features"];
  if (!features.is_object()) return path->string() + ": \"features\" must be an object";
  for (const auto& [tenant, switches] : features.items()) {
    if (!switches.is_object())
      return path->string() + ": features of \"" + tenant + "\" must be an object";
    for (const auto& [feature, state] : switches.items()) {
      if (state == "on") {
        into.features_[tenant][feature] = FeatureSwitch::On;
      } else if (state == "off") {
        into.features_[tenant][feature] = FeatureSwitch::Off;
      } else {
        return path->string() + ": feature \"" + tenant + "\"/\"" + feature +
               "\" must be \"on\" or \"off\"";
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> FeatureState::set(const std::string& tenant, const std::string& feature,
                                             FeatureSwitch state) {
  const std::lock_guard<std::mutex> lock(mutex_);
  Map next = features_;
  if (state == FeatureSwitch::Default) {
    const auto found = next.find(tenant);
    if (found != next.end()) {
      found->second.erase(feature);
      if (found->second.empty()) next.erase(found);
    }
  } else {
    next[tenant][feature] = state;
  }
  if (next == features_) return std::nullopt;  // a no-op: nothing to make durable
  if (auto error = write(next)) return error;
  features_ = std::move(next);
  return std::nullopt;
}

FeatureSwitch FeatureState::state(const std::string& tenant, const std::string& feature) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto switches = features_.find(tenant);
  if (switches == features_.end()) return FeatureSwitch::Default;
  const auto found = switches->second.find(feature);
  return found == switches->second.end() ? FeatureSwitch::Default : found->second;
}

void FeatureState::apply(const CompiledPolicySet& policies) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [tenant, switches] : features_) {
    const Index t = policies.find_tenant(tenant);
    if (t == kNone) continue;
    for (const auto& [feature, state] : switches) {
      const Index f = policies.find_feature(t, feature);
      if (f != kNone) policies.set_feature_switch(t, f, state);
    }
  }
}

std::optional<std::string> FeatureState::write(const Map& features) const {
  if (!path_) return std::nullopt;
  nlohmann::json json = {{"features", nlohmann::json::object()}};
  for (const auto& [tenant, switches] : features) {
    for (const auto& [feature, state] : switches) {
      json["features"][tenant][feature] = state == FeatureSwitch::On ? "on" : "off";
    }
  }
  return write_file_durably(*path_, json.dump(2) + '\n');
}

}  // namespace tenet::server
