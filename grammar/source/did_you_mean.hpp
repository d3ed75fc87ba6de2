// "Did you mean ...?" for a misspelt name: the checker's diagnostics
// (unknown role, feature, action...) and the request parser's messages
// (an action a resource type does not declare) suggest the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tenet {

// ` (did you mean 'basic'?)` when a candidate is close to `name` (an edit
// is an insertion, deletion, substitution or swap of neighbours; one edit
// allowed below six characters, two from six on), the closest and first in
// candidate order on a tie; else "".
[[nodiscard]] std::string did_you_mean(std::string_view name,
                                       const std::vector<std::string_view>& candidates);

}  // namespace tenet
