// The name of a connection's client for logs: "ADDRESS:PORT" for TCP
// ("[ADDRESS]:PORT" for IPv6), "unix" for a Unix socket, "unknown" when the
// socket cannot tell. Used by server/session for server/protocol's logs.
// Thread-safe.
#pragma once

#include <boost/asio/generic/stream_protocol.hpp>
#include <string>

namespace tenet::server {

[[nodiscard]] std::string describe_peer(
    const boost::asio::generic::stream_protocol::socket& socket);

}  // namespace tenet::server
