// A small log-linear latency histogram (HdrHistogram-like): values below 128 ns
// are counted exactly, every larger power of two is split into 64 buckets, so
// any recorded value is known within 1/64 (1.6 %). Fixed size (3,776 counters),
// no allocation on record, mergeable across threads.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace tenet::bench {

class LatencyHistogram {
 public:
  void record(std::uint64_t nanoseconds) {
    ++counts_[index_of(nanoseconds)];
    ++total_;
  }

  void merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }

  [[nodiscard]] std::uint64_t count() const { return total_; }

  // The value at quantile q (0..1): the midpoint of the bucket holding the
  // ceil(q * count)-th smallest value; 0 when empty.
  [[nodiscard]] std::uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999);
    if (rank < 1) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(counts_.size() - 1);
  }

 private:
  static constexpr unsigned kSubBits = 6;                  // 64 buckets per power of two
  static constexpr std::uint64_t kExact = 2U << kSubBits;  // 128: below, one bucket per value
  static constexpr std::size_t kBuckets = kExact + (63 - kSubBits) * (1U << kSubBits);

  static std::size_t index_of(std::uint64_t v) {
    if (v < kExact) return static_cast<std::size_t>(v);
    const unsigned msb = 63U - static_cast<unsigned>(std::countl_zero(v));  // >= 7
    const unsigned shift = msb - kSubBits;
    const std::uint64_t top = v >> shift;  // in [64, 128)
    return static_cast<std::size_t>(kExact + (msb - kSubBits - 1) * (1U << kSubBits) +
                                    (top - (1U << kSubBits)));
  }

  static std::uint64_t midpoint(std::size_t index) {
    if (index < kExact) return index;
    const std::size_t above = index - kExact;
    const unsigned shift = static_cast<unsigned>(above >> kSubBits) + 1;
    const std::uint64_t top = (1U << kSubBits) + (above & ((1U << kSubBits) - 1));
    return (top << shift) + ((std::uint64_t{1} << shift) >> 1);
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
};

}  // namespace tenet::bench
