#include "server/decision_id.hpp"

#include <array>
#include <chrono>
#include <random>

namespace tenet::server {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::uint64_t kTimeMask = (std::uint64_t{1} << 48) - 1;

constexpr std::array<signed char, 256> decode_table() {
  std::array<signed char, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  return table;
}
constexpr std::array<signed char, 256> kDecode = decode_table();

std::uint64_t random_64() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

}  // namespace

DecisionIds::DecisionIds(std::optional<std::uint16_t> replica)
    : replica_(replica ? *replica : static_cast<std::uint16_t>(random_64())),
      counter_(random_64()) {}

std::uint64_t DecisionIds::now_ms() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
  std::uint64_t last = last_ms_.load(std::memory_order_relaxed);
  // Written once per millisecond at most; a clock stepping back keeps `last`.
  while (now > last) {
    if (last_ms_.compare_exchange_weak(last, now, std::memory_order_relaxed)) return now;
  }
  return last;
}

std::uint64_t DecisionIds::next(std::span<char, kDecisionIdLength> out) {
  const std::uint64_t ms = now_ms();
  const std::uint64_t counter = counter_.fetch_add(1, std::memory_order_relaxed);
  encode({.unix_ms = ms, .replica = replica_, .counter = counter}, out);
  return ms;
}

// The 130-bit value (2 leading zero bits, then hi:lo, hi = time << 16 |
// replica, lo = counter) in 26 digits of 5 bits, most significant first:
// digits 0-12 are bits 129-65 (hi >> 1), digit 13 straddles the halves (the
// top 4 bits of lo under hi's lowest bit), digits 14-25 are lo's bits 59-0.
void DecisionIds::encode_head(const DecisionIdParts& parts,
                              std::span<char, kDecisionIdHeadLength> out) {
  std::uint64_t bits = (((parts.unix_ms & kTimeMask) << 16) | parts.replica) >> 1;
  for (std::size_t i = kDecisionIdHeadLength; i-- > 0;) {
    out[i] = kAlphabet[bits & 31U];
    bits >>= 5;
  }
}

void DecisionIds::encode_tail(const DecisionIdParts& parts,
                              std::span<char, kDecisionIdLength - kDecisionIdHeadLength> out) {
  std::uint64_t bits = parts.counter;
  for (std::size_t i = out.size(); i-- > 1;) {
    out[i] = kAlphabet[bits & 31U];
    bits >>= 5;
  }
  out[0] = kAlphabet[bits | ((parts.replica & 1U) << 4)];
}

std::optional<DecisionIdParts> parse_decision_id(std::string_view text) {
  if (text.size() != kDecisionIdLength) return std::nullopt;
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (std::size_t i = 0; i < kDecisionIdLength; ++i) {
    const int digit = kDecode[static_cast<unsigned char>(text[i])];
    if (digit < 0 || (i == 0 && digit > 7)) return std::nullopt;  // 130 bits hold 128
    // Shift the 128-bit hi:lo left by 5 and add the digit.
    hi = (hi << 5) | (lo >> 59);
    lo = (lo << 5) | static_cast<std::uint64_t>(digit);
  }
  return DecisionIdParts{
      .unix_ms = hi >> 16, .replica = static_cast<std::uint16_t>(hi & 0xFFFF), .counter = lo};
}

}  // namespace tenet::server
