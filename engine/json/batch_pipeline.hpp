// The items of a `batch`, decided in order with read-ahead: the batch loop of
// engine/json/line_handler (`LineHandler::answer_batch`, which the server uses too).
//
// Software-pipelined (engine/eval/check_prefetch.hpp): item i is decided while
// items i+1 .. i+kCheckPrefetchStages are already parsed, each one prefetch
// stage further on, so the tables a decision walks are in cache when it
// runs. The parser keeps that many items alive
// (RequestParser::kBatchItemsAlive). Answers come out in item order.
#pragma once

#include <array>
#include <cstddef>
#include <variant>

#include "engine/eval/check_prefetch.hpp"
#include "engine/json/request_parser.hpp"

namespace tenet::json {

// Calls `decide(item, index)` for each of the `size` items of the batch
// `parser` has just parsed, in order.
template <typename Decide>
void for_each_batch_item(const compile::CompiledPolicySet& policies, RequestParser& parser,
                         std::size_t size, Decide&& decide) {
  constexpr std::size_t kAhead = eval::kCheckPrefetchStages;
  static_assert(kAhead < RequestParser::kBatchItemsAlive);
  std::array<const ParsedRequest*, kAhead + 1> window{};
  const auto at = [&window](std::size_t i) -> const ParsedRequest*& {
    return window[i % window.size()];
  };
  for (std::size_t i = 0; i < size + kAhead; ++i) {
    if (i < size) at(i) = &parser.next_batch_item();
    for (std::size_t stage = 0; stage < kAhead; ++stage) {
      if (i < stage || i - stage >= size) continue;
      if (const auto* check = std::get_if<eval::CheckRequest>(&at(i - stage)->request))
        eval::prefetch_check(policies, *check, static_cast<int>(stage));
    }
    if (i >= kAhead) decide(*at(i - kAhead), i - kAhead);
  }
}

}  // namespace tenet::json
