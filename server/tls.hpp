// TLS on `tenet serve`'s socket protocol (docs/SECURITY.md): the server's
// certificate and key, optionally mutual TLS, where a client certificate
// signed by the configured CA is the connection's credential and binds it
// to one partner.
//
// `TlsContexts` holds the OpenSSL context new connections are handed; a
// reload (SIGHUP) builds a new one from the same files and swaps it in
// only when it loads, so a bad certificate on disk never stops the server
// and connections keep the context they started with. A connection bound
// to a client certificate is checked again against the new context's CA
// and CRL (verify_client_again): revoking a certificate and reloading ends
// the rights of its open connections, as withdrawing a token does. TLS 1.2 is the
// least accepted version (1.3 is preferred: OpenSSL negotiates the
// highest both sides have).
//
// A client certificate's grant comes from its subjectAltName URIs:
// `tenet:tenant:NAME` (exactly one; `*` for every partner) and, optionally,
// `tenet:rights:LIST` (a comma list of check, admin, author, as in the
// token file; `check` when absent). The certificate is named in logs and
// audit records by `cert:` and the first 16 hex digits of its SHA-256.
//
// Used by server/listener (contexts) and server/session (the grant).
// Thread-safe.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "server/tokens.hpp"

namespace tenet::server {

struct TlsSettings {
  std::filesystem::path certificate;  // PEM: the server's certificate, then its chain
  std::filesystem::path private_key;  // PEM
  // Mutual TLS: every client must present a certificate signed by this CA
  // (PEM); its grant binds the connection (see above).
  std::optional<std::filesystem::path> client_ca;
  // Revoked client certificates (a PEM CRL of the client CA).
  std::optional<std::filesystem::path> client_crl;
};

class TlsContexts {
 public:
  struct Loaded {
    std::shared_ptr<TlsContexts> contexts;
    std::string error;  // when contexts is empty: which file, and OpenSSL's reason
  };
  [[nodiscard]] static Loaded load(TlsSettings settings);

  // The context for a connection accepted now.
  [[nodiscard]] std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads the files again: "" when the new context is in use, else why not
  // (the old one stays).
  [[nodiscard]] std::string reload();
  [[nodiscard]] bool mutual() const { return settings_.client_ca.has_value(); }
  [[nodiscard]] const TlsSettings& settings() const { return settings_; }

  explicit TlsContexts(TlsSettings settings, std::shared_ptr<boost::asio::ssl::context> context)
      : settings_(std::move(settings)), current_(std::move(context)) {}

 private:
  const TlsSettings settings_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

// The grant of the client certificate of `ssl`, verified by the handshake.
struct CertificateGrant {
  std::optional<Grant> grant;
  std::string error;  // when grant is empty: what the certificate lacks
};
// Its `expires` is the certificate's notAfter.
[[nodiscard]] CertificateGrant certificate_grant(SSL* ssl);

// Whether the client certificate `ssl` verified at its handshake is still
// trusted by `context` now: its CA and CRL as they are after a reload, and
// its validity period. "" when it is, else OpenSSL's reason ("certificate
// revoked").
[[nodiscard]] std::string verify_client_again(SSL* ssl, boost::asio::ssl::context& context);

}  // namespace tenet::server
