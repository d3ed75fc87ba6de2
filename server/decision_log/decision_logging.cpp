#include "server/decision_log/decision_logging.hpp"

namespace tenet::server::decision_log {

void DecisionLogging::note_platform(std::shared_ptr<const compile::Platform> platform,
                                    PlatformInfo info) {
  const std::lock_guard<std::mutex> lock(platforms_mutex_);
  for (Noted& noted : platforms_) {
    if (noted.platform == platform) {
      noted.info = std::move(info);
      return;
    }
  }
  platforms_.push_back(Noted{std::move(platform), std::move(info)});
  if (platforms_.size() > kPlatformsKept) platforms_.pop_front();
}

PlatformInfo DecisionLogging::platform_info(const compile::Platform* platform) const {
  const std::lock_guard<std::mutex> lock(platforms_mutex_);
  for (const Noted& noted : platforms_) {
    if (noted.platform.get() == platform) return noted.info;
  }
  return {};
}

}  // namespace tenet::server::decision_log
