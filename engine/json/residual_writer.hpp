// Residual conditions as text (engine/partial/residual.hpp builds them):
// every byte the filter op writes about a residual is written here.
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "engine/partial/residual.hpp"

namespace tenet::json {

// Source-like text, e.g. `has resource.locked && !(resource.locked == true)`
// (tests and messages).
[[nodiscard]] std::string residual_text(const partial::residual::Expr& e);
// The JSON `condition` tree of the filter op (docs/LANGUAGE.md §7.5):
//   {"op":"true"} {"op":"false"} {"op":"and"|"or","args":[..]} {"op":"not","arg":X}
//   {"op":"has","arg":TERM}
//   {"op":"=="|"!="|"<"|"<="|">"|">="|"in"|"contains","left":TERM,"right":TERM} TERM:
//   {"attr":"resource.owner","column":"owner_id"} | {"attr":"resource.id","column":"id"}
//         | {"attr":"resource.state"} | {"attr":"principal.id"} | {"attr":"principal.kyc"}
//         | {"value":JSON}
[[nodiscard]] std::string residual_json(const partial::residual::Expr& e);
// A literal as a JSON value: `true`, `3`, `"u1"`, `["a","b"]` (the filter op's params).
[[nodiscard]] std::string literal_json(const partial::residual::Literal& literal);

}  // namespace tenet::json
