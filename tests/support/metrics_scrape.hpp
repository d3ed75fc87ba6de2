// Scraping `tenet serve --metrics` in the integration tests: the address
// from the server's `listening` line, curl, one sample of the text, and
// Prometheus' own parser (`promtool check metrics`). Header-only.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/command_output.hpp"
#include "tests/support/server_process.hpp"

namespace tenet::test_support {

// The metrics address from the server's `listening` line (bounded wait).
inline std::string metrics_address(const ServerProcess& server) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::istringstream lines(server.stderr_text());
    for (std::string line; std::getline(lines, line);) {
      const nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_object() && event.value("event", "") == "listening" && event.contains("metrics"))
        return event["metrics"];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {};
}

inline std::string curl(const std::string& arguments) {
  return command_output("curl -sS --max-time 10 " + arguments + " 2>&1");
}

// The value of the sample `series` (name and labels as written) in `text`.
inline std::string sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + ' ', 0) == 0) return line.substr(series.size() + 1);
  }
  return "(missing)";
}

// `promtool check metrics` on a fresh scrape of `address`: its output, then
// "exit N".
inline std::string promtool_check(const std::string& address) {
  return command_output("curl -sS --max-time 10 http://" + address +
                        "/metrics | promtool check metrics 2>&1; echo \"exit $?\"");
}

}  // namespace tenet::test_support
