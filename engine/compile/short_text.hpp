// Equality of two short texts (field names, attribute names, enum members,
// tenant and role names) on the request hot path.
//
// Why not `a == b`: std::string_view's operator== calls memcmp through the
// PLT whenever the sizes match, and on the server's batch load that call
// was 5 % of the CPU — for keys of two to twenty bytes that mostly differ in
// their first byte. A byte loop after the size check stops there inline.
// Long texts still go to memcmp, which wins beyond a few words.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace tenet::compile {

[[nodiscard]] inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  constexpr std::size_t kShort = 24;
  if (a.size() > kShort) return std::memcmp(a.data(), b.data(), a.size()) == 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace tenet::compile
