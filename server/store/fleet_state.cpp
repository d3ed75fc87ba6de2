#include "server/store/fleet_state.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "server/durable_file.hpp"

namespace tenet::store {

void FleetState::apply(const Changes& changes) {
  if (changes.platform) platform_ = changes.platform;
  for (const UnitRow& unit : changes.units) units_[unit.tenant] = unit;
  for (const SwitchRow& row : changes.switches) switches_[row.tenant + '\n' + row.feature] = row;
  for (const TokenRow& token : changes.tokens) {
    if (token.revoked) {
      tokens_.erase(token.hash_hex);
    } else {
      tokens_[token.hash_hex] = token;
    }
  }
  revision_ = changes.revision;
}

std::vector<units::PolicyText> FleetState::texts() const {
  std::vector<units::PolicyText> texts;
  std::set<std::string> paths;
  if (platform_) {
    for (const auto& [path, source] : platform_->files) {
      if (paths.insert(path).second) texts.push_back({path, source});
    }
  }
  for (const auto& [tenant, unit] : units_) {
    if (unit.source && paths.insert(unit.path).second) texts.push_back({unit.path, *unit.source});
  }
  return texts;
}

units::KnownRevisions FleetState::assigned() const {
  units::KnownRevisions assigned;
  for (const auto& [tenant, unit] : units_) {
    if (unit.source) assigned[tenant] = {unit.revision, unit.hash};
  }
  return assigned;
}

std::uint64_t FleetState::latest_unit_revision(const std::string& tenant) const {
  const auto found = units_.find(tenant);
  return found == units_.end() ? 0 : found->second.revision;
}

std::filesystem::path FleetState::cache_file(const std::filesystem::path& directory) {
  return directory / "fleet-cache.json";
}

std::optional<std::string> FleetState::save(const std::filesystem::path& directory) const {
  nlohmann::json out;
  out["format"] = 1;
  out["revision"] = revision_;
  if (platform_) {
    out["platform"] = {
        {"revision", platform_->revision}, {"hash", platform_->hash}, {"files", platform_->files}};
  }
  nlohmann::json units = nlohmann::json::array();
  for (const auto& [tenant, unit] : units_) {
    units.push_back({{"tenant", unit.tenant},
                     {"revision", unit.revision},
                     {"path", unit.path},
                     {"hash", unit.hash},
                     {"source", unit.source ? nlohmann::json(*unit.source) : nlohmann::json()}});
  }
  out["units"] = std::move(units);
  nlohmann::json switches = nlohmann::json::array();
  for (const auto& [key, row] : switches_)
    switches.push_back({{"tenant", row.tenant}, {"feature", row.feature}, {"state", row.state}});
  out["switches"] = std::move(switches);
  nlohmann::json tokens = nlohmann::json::array();
  for (const auto& [hash, token] : tokens_) {
    tokens.push_back(
        {{"hash", token.hash_hex},
         {"tenant", token.tenant},
         {"rights", token.rights},
         {"expires", token.expires ? nlohmann::json(*token.expires) : nlohmann::json()}});
  }
  out["tokens"] = std::move(tokens);
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return directory.string() + ": " + error.message();
  return server::write_file_durably(cache_file(directory), out.dump());
}

std::optional<std::string> FleetState::load(const std::filesystem::path& directory,
                                            FleetState& into) {
  const std::filesystem::path file = cache_file(directory);
  std::ifstream in(file, std::ios::binary);
  if (!in) return file.string() + ": no cache to start from";
  try {
    const nlohmann::json cache = nlohmann::json::parse(in);
    if (cache.value("format", 0) != 1) return file.string() + ": not a cache this tenet writes";
    Changes changes;
    changes.revision = cache.at("revision").get<std::uint64_t>();
    if (cache.contains("platform")) {
      const nlohmann::json& platform = cache.at("platform");
      changes.platform = PlatformRow{
          platform.at("revision").get<std::uint64_t>(), platform.at("hash").get<std::string>(),
          platform.at("files").get<std::map<std::string, std::string>>()};
    }
    for (const nlohmann::json& unit : cache.at("units")) {
      UnitRow row{unit.at("tenant").get<std::string>(), unit.at("revision").get<std::uint64_t>(),
                  unit.at("path").get<std::string>(), unit.at("hash").get<std::string>(),
                  std::nullopt};
      if (!unit.at("source").is_null()) row.source = unit.at("source").get<std::string>();
      changes.units.push_back(std::move(row));
    }
    for (const nlohmann::json& row : cache.at("switches")) {
      changes.switches.push_back({row.at("tenant").get<std::string>(),
                                  row.at("feature").get<std::string>(),
                                  row.at("state").get<std::string>()});
    }
    for (const nlohmann::json& token : cache.at("tokens")) {
      TokenRow row{token.at("hash").get<std::string>(), token.at("tenant").get<std::string>(),
                   token.at("rights").get<std::vector<std::string>>(), false, std::nullopt};
      // A cache written before tokens could expire has no "expires".
      if (token.contains("expires") && !token.at("expires").is_null())
        row.expires = token.at("expires").get<std::int64_t>();
      changes.tokens.push_back(std::move(row));
    }
    FleetState state;
    state.apply(changes);
    into = std::move(state);
    return std::nullopt;
  } catch (const nlohmann::json::exception& error) {
    return file.string() + ": the cache is damaged (" + error.what() + ")";
  }
}

}  // namespace tenet::store
