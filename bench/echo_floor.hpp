// The physical floor of a loopback round trip: an echo server thread and a
// client in this process, over 127.0.0.1 TCP (TCP_NODELAY, blocking sockets),
// ping-ponging messages of a given size. tenet-loadgen --floor prints it
// beside its own figures, so a latency is always read against what the
// machine's network stack alone costs.
#pragma once

#include <cstddef>
#include <optional>

#include "bench/latency_histogram.hpp"

namespace tenet::bench {

// `round_trips` ping-pongs of `message_bytes` bytes each (the first 10 % not
// recorded: warm-up); empty when the sockets could not be set up.
[[nodiscard]] std::optional<LatencyHistogram> measure_echo_floor(std::size_t round_trips,
                                                                 std::size_t message_bytes);

}  // namespace tenet::bench
