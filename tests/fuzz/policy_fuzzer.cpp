// libFuzzer target: policy source text → parser → checker → compiler.
//
// The input is the text of a policy set: one .tenet file, or several joined
// by lines that read exactly "//@@file" (so a seed can hold the shipped
// schema, templates and a tenant, each in a file of its own). Everything the
// loader accepts from disk goes through the same compile_policy_texts, with
// the default limits a server uses: a crash, a sanitizer report, an escaped
// exception, a slow input (-timeout) or a large one (-rss_limit_mb) is a
// finding. Long inputs matter here: the compiler's super-linear shapes
// (issue 20: many roles, long template chains, many rules) need kilobytes,
// so scripts/fuzz.sh runs this target with a larger -max_len.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"

namespace {

constexpr std::string_view kFileSeparator = "\n//@@file\n";
// A policy set of more files than this is not more interesting, only slower.
constexpr std::size_t kMaxFiles = 8;

std::vector<tenet::PolicyText> split_files(std::string_view text) {
  std::vector<tenet::PolicyText> files;
  while (files.size() + 1 < kMaxFiles) {
    const std::size_t cut = text.find(kFileSeparator);
    if (cut == std::string_view::npos) break;
    files.push_back(
        {"f" + std::to_string(files.size()) + ".tenet", std::string(text.substr(0, cut))});
    text.remove_prefix(cut + kFileSeparator.size());
  }
  files.push_back({"f" + std::to_string(files.size()) + ".tenet", std::string(text)});
  return files;
}

}  // namespace

// libFuzzer's entry point; the unit tests compile this file with it renamed
// (tests/unit/fuzz/fuzz_replay_test.cpp replays the corpus and the findings).
#ifndef TENET_FUZZ_ENTRY
#define TENET_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int TENET_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const tenet::PolicyLoad load = tenet::compile_policy_texts(split_files(text));
  // The load's own consistency: a set is compiled exactly when nothing is
  // wrong with it, and the counts agree with the diagnostics.
  const bool ok = load.status() == tenet::PolicyLoad::Status::Ok;
  if (ok != (load.policies != nullptr)) __builtin_trap();
  std::size_t errors = 0;
  for (const tenet::Diagnostic& diagnostic : load.diagnostics) {
    if (diagnostic.severity == tenet::Severity::Error) ++errors;
  }
  if (errors != load.error_count) __builtin_trap();
  return 0;
}
