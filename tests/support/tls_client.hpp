// A blocking NDJSON client over TLS for the TLS integration tests
// (tests/integration/tls_test.cpp), with Asio SSL: the server verified
// against a CA file (its IP or name checked), optionally a client
// certificate (mutual TLS). Every read is bounded by SO_RCVTIMEO, every
// connect by the handshake's own failure; nothing throws.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tenet::test_support {

struct TlsClientOptions {
  std::string ca_file;    // the CA the server's certificate must chain to
  std::string cert_file;  // mutual TLS: the client's certificate and key
  std::string key_file;
  std::string host = "127.0.0.1";  // what the server's certificate must name
};

class TlsLineClient {
 public:
  // Connects and completes the handshake; on failure `error()` says why.
  TlsLineClient(int port, const TlsClientOptions& options,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000))
      : context_(boost::asio::ssl::context::tls_client) {
    namespace asio = boost::asio;
    boost::system::error_code error;
    context_.set_verify_mode(asio::ssl::verify_peer);
    context_.load_verify_file(options.ca_file, error);
    if (error) {
      error_ = "CA " + options.ca_file + ": " + error.message();
      return;
    }
    if (!options.cert_file.empty()) {
      context_.use_certificate_chain_file(options.cert_file, error);
      if (!error) context_.use_private_key_file(options.key_file, asio::ssl::context::pem, error);
      if (error) {
        error_ = "client certificate: " + error.message();
        return;
      }
    }
    stream_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(io_, context_);
    // The certificate must name the host (an IP is checked as an IP).
    ::SSL_set1_host(stream_->native_handle(), options.host.c_str());
    stream_->next_layer().connect(asio::ip::tcp::endpoint(asio::ip::make_address(options.host),
                                                          static_cast<unsigned short>(port)),
                                  error);
    if (error) {
      error_ = "connect: " + error.message();
      return;
    }
    set_timeout(timeout);
    stream_->handshake(asio::ssl::stream_base::client, error);
    if (error) {
      error_ = "handshake: " + error.message();
      return;
    }
    connected_ = true;
  }

  [[nodiscard]] bool connected() const { return connected_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  bool send_all(std::string_view bytes) {
    if (!connected_) return false;
    boost::system::error_code error;
    boost::asio::write(*stream_, boost::asio::buffer(bytes.data(), bytes.size()), error);
    if (error) error_ = "write: " + error.message();
    return !error;
  }

  // The next line (without '\n'), or nothing at the timeout / end of stream.
  std::optional<std::string> read_line() {
    if (!connected_) return std::nullopt;
    boost::system::error_code error;
    const std::size_t length =
        boost::asio::read_until(*stream_, boost::asio::dynamic_buffer(buffer_), '\n', error);
    if (error && length == 0) {
      error_ = "read: " + error.message();
      return std::nullopt;
    }
    std::string line = buffer_.substr(0, length - 1);
    buffer_.erase(0, length);
    return line;
  }

  std::optional<std::string> round_trip(std::string_view line) {
    if (!send_all(std::string(line) + "\n")) return std::nullopt;
    return read_line();
  }

  // The server certificate's common name (which certificate it served).
  [[nodiscard]] std::string server_common_name() const {
    if (!connected_) return "";
    X509* certificate = ::SSL_get0_peer_certificate(stream_->native_handle());
    if (certificate == nullptr) return "";
    std::string name(256, '\0');
    const int length =
        ::X509_NAME_get_text_by_NID(::X509_get_subject_name(certificate), NID_commonName,
                                    name.data(), static_cast<int>(name.size()));
    name.resize(length > 0 ? static_cast<std::size_t>(length) : 0);
    return name;
  }

  // "TLSv1.3" and the like.
  [[nodiscard]] std::string protocol_version() const {
    return connected_ ? ::SSL_get_version(stream_->native_handle()) : "";
  }

 private:
  void set_timeout(std::chrono::milliseconds timeout) {
    timeval limit{};
    limit.tv_sec = static_cast<decltype(limit.tv_sec)>(timeout.count() / 1000);
    limit.tv_usec = static_cast<decltype(limit.tv_usec)>((timeout.count() % 1000) * 1000);
    const int fd = stream_->next_layer().native_handle();
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream_;
  std::string buffer_;
  bool connected_ = false;
  std::string error_;
};

}  // namespace tenet::test_support
