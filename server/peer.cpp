#include "server/peer.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <array>

namespace tenet::server {

std::string describe_peer(const boost::asio::generic::stream_protocol::socket& socket) {
  boost::system::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) return "unknown";
  const int family = endpoint.protocol().family();
  if (family == AF_UNIX) return "unix";
  if (family != AF_INET && family != AF_INET6) return "unknown";
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> port{};
  if (::getnameinfo(endpoint.data(), static_cast<socklen_t>(endpoint.size()), host.data(),
                    host.size(), port.data(), port.size(), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "unknown";
  }
  return family == AF_INET6 ? '[' + std::string(host.data()) + "]:" + port.data()
                            : std::string(host.data()) + ':' + port.data();
}

}  // namespace tenet::server
