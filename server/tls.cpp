#include "server/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <ctime>
#include <string_view>
#include <system_error>
#include <variant>

namespace tenet::server {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

// A file OpenSSL is about to read, checked first so the message names
// what is wrong with it rather than OpenSSL's "system lib".
std::string file_problem(const std::filesystem::path& path, std::string_view role) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  const std::string name = std::string(role) + ' ' + path.string();
  if (error || !std::filesystem::exists(status)) return name + ": no such file";
  if (std::filesystem::is_directory(status)) return name + ": is a directory, not a file";
  return "";
}

std::string openssl_reason(const error_code& error) {
  std::string reason = error.message();
  if (const unsigned long queued = ::ERR_get_error(); queued != 0) {  // NOLINT(runtime/int)
    std::array<char, 256> text{};
    ::ERR_error_string_n(queued, text.data(), text.size());
    reason = text.data();
  }
  ::ERR_clear_error();
  return reason;
}

struct CrlList {
  void operator()(STACK_OF(X509_CRL) * list) const { sk_X509_CRL_pop_free(list, X509_CRL_free); }
};

// Every CRL of a PEM file into the context's store; checked for each
// client certificate from then on.
std::string add_crls(SSL_CTX* context, const std::filesystem::path& path) {
  if (std::string problem = file_problem(path, "client CRL"); !problem.empty()) return problem;
  const std::unique_ptr<BIO, decltype(&BIO_free)> file(::BIO_new_file(path.c_str(), "r"),
                                                       &BIO_free);
  if (!file) return "client CRL " + path.string() + ": cannot be read";
  X509_STORE* store = ::SSL_CTX_get_cert_store(context);
  int added = 0;
  while (X509_CRL* crl = ::PEM_read_bio_X509_CRL(file.get(), nullptr, nullptr, nullptr)) {
    const int stored = ::X509_STORE_add_crl(store, crl);
    ::X509_CRL_free(crl);
    if (stored != 1) return "client CRL " + path.string() + ": cannot be used";
    ++added;
  }
  ::ERR_clear_error();  // the end of the file reads as an error
  if (added == 0) return "client CRL " + path.string() + ": no CRL in the file (PEM expected)";
  ::X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return "";
}

std::variant<std::shared_ptr<ssl::context>, std::string> build(const TlsSettings& settings) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  ::SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  ::SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (std::string problem = file_problem(settings.certificate, "certificate"); !problem.empty())
    return problem;
  if (std::string problem = file_problem(settings.private_key, "key"); !problem.empty())
    return problem;
  error_code error;
  context->use_certificate_chain_file(settings.certificate.string(), error);
  if (error) return "certificate " + settings.certificate.string() + ": " + openssl_reason(error);
  context->use_private_key_file(settings.private_key.string(), ssl::context::pem, error);
  if (error) {
    std::string reason = openssl_reason(error);
    if (reason.find("mismatch") != std::string::npos)
      reason = "does not match the certificate " + settings.certificate.string();
    return "key " + settings.private_key.string() + ": " + reason;
  }
  if (::SSL_CTX_check_private_key(native) != 1) {
    ::ERR_clear_error();
    return "key " + settings.private_key.string() + ": does not match the certificate " +
           settings.certificate.string();
  }
  if (settings.client_ca) {
    const std::filesystem::path& ca = *settings.client_ca;
    if (std::string problem = file_problem(ca, "client CA"); !problem.empty()) return problem;
    context->load_verify_file(ca.string(), error);
    if (error) return "client CA " + ca.string() + ": " + openssl_reason(error);
    // Which CA the server asks for (a client with several certificates picks by it).
    if (STACK_OF(X509_NAME)* names = ::SSL_load_client_CA_file(ca.c_str()))
      ::SSL_CTX_set_client_CA_list(native, names);
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    // Resumed sessions of verified clients need an id context.
    static constexpr unsigned char kSessionContext[] = "tenet";
    ::SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    if (settings.client_crl) {
      if (std::string problem = add_crls(native, *settings.client_crl); !problem.empty())
        return problem;
    }
  } else if (settings.client_crl) {
    return "a client CRL needs a client CA (--tls-client-ca)";
  }
  return context;
}

}  // namespace

TlsContexts::Loaded TlsContexts::load(TlsSettings settings) {
  auto built = build(settings);
  if (auto* error = std::get_if<std::string>(&built)) return {nullptr, "TLS: " + *error};
  return {std::make_shared<TlsContexts>(std::move(settings),
                                        std::get<std::shared_ptr<ssl::context>>(std::move(built))),
          ""};
}

std::shared_ptr<ssl::context> TlsContexts::current() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

std::string TlsContexts::reload() {
  auto built = build(settings_);
  if (auto* error = std::get_if<std::string>(&built)) return "TLS: " + *error;
  const std::lock_guard lock(mutex_);
  current_ = std::get<std::shared_ptr<ssl::context>>(std::move(built));
  return "";
}

CertificateGrant certificate_grant(SSL* ssl) {
  X509* const certificate = ::SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return {std::nullopt, "no client certificate"};
  const std::unique_ptr<GENERAL_NAMES, decltype(&GENERAL_NAMES_free)> names(
      static_cast<GENERAL_NAMES*>(
          ::X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)),
      &GENERAL_NAMES_free);
  std::optional<std::string> tenant;
  std::optional<std::string> rights;
  const int count = names ? sk_GENERAL_NAME_num(names.get()) : 0;
  for (int i = 0; i < count; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    const std::string_view text(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(uri)),
                                static_cast<std::size_t>(::ASN1_STRING_length(uri)));
    constexpr std::string_view kTenant = "tenet:tenant:";
    constexpr std::string_view kRights = "tenet:rights:";
    if (text.starts_with(kTenant)) {
      if (tenant) return {std::nullopt, "the certificate names more than one tenet:tenant:"};
      tenant = std::string(text.substr(kTenant.size()));
    } else if (text.starts_with(kRights)) {
      if (rights) return {std::nullopt, "the certificate names more than one tenet:rights:"};
      rights = std::string(text.substr(kRights.size()));
    }
  }
  if (!tenant || tenant->empty())
    return {std::nullopt, "the certificate has no subjectAltName URI tenet:tenant:NAME"};
  Grant grant;
  grant.tenant = *tenant;
  if (!rights) {
    grant.check = true;
  } else if (std::string error = parse_rights(*rights, grant); !error.empty()) {
    return {std::nullopt, "tenet:rights: " + error};
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (::X509_digest(certificate, ::EVP_sha256(), digest.data(), &length) != 1 || length < 8)
    return {std::nullopt, "cannot hash the certificate"};
  grant.id = "cert:" + to_hex(digest.data(), 8);
  std::tm not_after{};
  if (::ASN1_TIME_to_tm(::X509_get0_notAfter(certificate), &not_after) != 1)
    return {std::nullopt, "cannot read the certificate's notAfter"};
  grant.expires = std::chrono::sys_seconds(std::chrono::seconds(::timegm(&not_after)));
  return {std::move(grant), ""};
}

std::string verify_client_again(SSL* ssl, ssl::context& context) {
  X509* const certificate = ::SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return "no client certificate";
  const std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> verify(
      ::X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  // The chain the client sent (without its own certificate on a server);
  // empty for a resumed session, when the store's CA is enough.
  STACK_OF(X509)* const chain = ::SSL_get_peer_cert_chain(ssl);
  if (!verify ||
      ::X509_STORE_CTX_init(verify.get(), ::SSL_CTX_get_cert_store(context.native_handle()),
                            certificate, chain) != 1) {
    ::ERR_clear_error();
    return "cannot check the certificate again";
  }
  ::X509_STORE_CTX_set_purpose(verify.get(), X509_PURPOSE_SSL_CLIENT);
  const bool trusted = ::X509_verify_cert(verify.get()) == 1;
  ::ERR_clear_error();
  if (trusted) return "";
  return ::X509_verify_cert_error_string(::X509_STORE_CTX_get_error(verify.get()));
}

}  // namespace tenet::server
