// Writing a file so that a crash leaves either the old or the new content:
// the text goes to a temporary file beside it, which is fsynced, renamed
// onto the target, and the folder is fsynced (so the rename itself survives
// a power cut). Used for the feature-state file and for partner units and
// their history (docs/UNITS.md). No shared state.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tenet::server {

// Writes `text` to `path` atomically and durably, creating missing parent
// folders. The error text on failure (the old content, if any, is intact).
[[nodiscard]] std::optional<std::string> write_file_durably(const std::filesystem::path& path,
                                                            std::string_view text);

}  // namespace tenet::server
