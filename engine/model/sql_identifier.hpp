// PostgreSQL's rules for an identifier, as the model holds them: table and
// column names given by @table/@column (and the names tenet derives from
// them) must be usable identifiers, which the checker verifies. Lives in the
// model, not in engine/sql/, because the checker (upstream of sql) applies it.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace tenet::model {

// PostgreSQL silently truncates identifiers longer than this (NAMEDATALEN - 1),
// so two long names could collide: the checker rejects them instead.
inline constexpr std::size_t kMaxIdentifierBytes = 63;

// What is wrong with `name` as a PostgreSQL identifier, or empty when it is
// usable: empty, longer than kMaxIdentifierBytes, or holding a NUL byte.
[[nodiscard]] std::string_view identifier_problem(std::string_view name);

}  // namespace tenet::model
