// Counting heap allocations, for the tests and benchmarks that prove a hot
// path allocates nothing.
//
// Linking the `tenet_allocation_counter` library into a binary replaces the
// global operator new (allocation_counter.cpp) with one that counts, per
// thread, then calls malloc. Link it only into test and benchmark binaries.
// Thread-safe: each thread reads its own count.
#pragma once

#include <cstdint>

namespace tenet::test_support {

// Every operator new (all forms) this thread has made so far.
[[nodiscard]] std::uint64_t thread_allocations();

}  // namespace tenet::test_support
