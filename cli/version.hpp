// The version `tenet --version` prints: TENET_VERSION, which the
// tenet::version target defines from project(VERSION) in CMakeLists.txt.
#pragma once
#include <string_view>
namespace tenet::cli {
inline constexpr std::string_view kVersion = TENET_VERSION;
}
