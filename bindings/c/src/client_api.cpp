// The remote half of the C ABI: tenet_client_* over the header-only C++
// client (bindings/cpp/include/tenet/client.hpp), raw lines in and out.
#include <chrono>
#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "bindings/c/src/handles.hpp"

namespace {

using tenet::c_api::fail;
using tenet::c_api::succeed;

// The status and message of the exception being handled.
tenet_status translate_current(tenet_error** error) noexcept {
  try {
    throw;
  } catch (const tenet::client::TimeoutError& e) {
    return fail(error, TENET_TIMEOUT, e.what());
  } catch (const tenet::client::ConnectionError& e) {
    return fail(error, TENET_CONNECTION_ERROR, e.what());
  } catch (const tenet::client::ProtocolError& e) {
    return fail(error, TENET_PROTOCOL_ERROR, e.what());
  } catch (const tenet::client::Error& e) {
    return fail(error, TENET_INVALID_ARGUMENT, e.what());  // e.g. a bad address
  } catch (const std::bad_alloc&) {
    return fail(error, TENET_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(error, TENET_INTERNAL, e.what());
  } catch (...) {
    return fail(error, TENET_INTERNAL, "unknown failure");
  }
}

// Sends one partner-unit op and hands out its whole answer (the JSON line) in *response,
// refused or not, so a C caller can read `diagnostics`, `changes`, `revision`... from it. A
// refusal also fails the call: TENET_POLICY_ERROR for invalid_policy (the message: the server's,
// then one "FILE:LINE:COL: severity: message" line per diagnostic), TENET_PROTOCOL_ERROR for
// any other code ("CODE: message").
tenet_status policy_call(tenet_client* client, const nlohmann::json& request, char** response,
                         std::size_t* response_length, tenet_error** error) {
  const std::string answer = client->client->call_line(request.dump());
  const nlohmann::json body = tenet::client::codec::parse_response(answer);
  const tenet_status handed = tenet::c_api::hand_out(answer, response, response_length, error);
  if (handed != TENET_OK) return handed;
  try {
    tenet::client::codec::throw_if_error(body);
  } catch (const tenet::client::ProtocolError& refused) {
    if (refused.code() != "invalid_policy")
      return fail(error, TENET_PROTOCOL_ERROR, refused.what());
    std::string message = refused.server_message();
    for (const tenet::client::Diagnostic& diagnostic : refused.diagnostics()) {
      (message += '\n') += diagnostic.to_string();
    }
    return fail(error, TENET_POLICY_ERROR, message);
  }
  return TENET_OK;
}

bool valid_policy_arguments(const tenet_client* client, const char* tenant, char* const* response) {
  return client != nullptr && tenant != nullptr && response != nullptr;
}

constexpr const char* kPolicyArguments = ": client, tenant and response must not be NULL";

}  // namespace

extern "C" {

tenet_status tenet_client_put_policy(tenet_client* client, const char* tenant, const char* source,
                                     size_t source_length, int dry_run, char** response,
                                     size_t* response_length, tenet_error** error) {
  if (!valid_policy_arguments(client, tenant, response) ||
      (source == nullptr && source_length > 0)) {
    return fail(
        error, TENET_INVALID_ARGUMENT,
        std::string("tenet_client_put_policy") + kPolicyArguments + ", source only if empty");
  }
  *response = nullptr;
  try {
    nlohmann::json request{{"op", "put_policy"}, {"tenant", tenant}, {"dry_run", dry_run != 0}};
    request["source"] = std::string(source == nullptr ? "" : source, source_length);
    return policy_call(client, request, response, response_length, error);
  } catch (...) {
    return translate_current(error);
  }
}

tenet_status tenet_client_get_policy(tenet_client* client, const char* tenant, char** response,
                                     size_t* response_length, tenet_error** error) {
  if (!valid_policy_arguments(client, tenant, response)) {
    return fail(error, TENET_INVALID_ARGUMENT,
                std::string("tenet_client_get_policy") + kPolicyArguments);
  }
  *response = nullptr;
  try {
    return policy_call(client, {{"op", "get_policy"}, {"tenant", tenant}}, response,
                       response_length, error);
  } catch (...) {
    return translate_current(error);
  }
}

tenet_status tenet_client_policy_history(tenet_client* client, const char* tenant, char** response,
                                         size_t* response_length, tenet_error** error) {
  if (!valid_policy_arguments(client, tenant, response)) {
    return fail(error, TENET_INVALID_ARGUMENT,
                std::string("tenet_client_policy_history") + kPolicyArguments);
  }
  *response = nullptr;
  try {
    return policy_call(client, {{"op", "policy_history"}, {"tenant", tenant}}, response,
                       response_length, error);
  } catch (...) {
    return translate_current(error);
  }
}

tenet_status tenet_client_rollback(tenet_client* client, const char* tenant, uint64_t revision,
                                   char** response, size_t* response_length, tenet_error** error) {
  if (!valid_policy_arguments(client, tenant, response)) {
    return fail(error, TENET_INVALID_ARGUMENT,
                std::string("tenet_client_rollback") + kPolicyArguments);
  }
  *response = nullptr;
  try {
    return policy_call(client, {{"op", "rollback"}, {"tenant", tenant}, {"revision", revision}},
                       response, response_length, error);
  } catch (...) {
    return translate_current(error);
  }
}

tenet_status tenet_client_connect(const char* address, const char* token, int timeout_ms,
                                  tenet_client** client, tenet_error** error) {
  tenet_client_options options{};
  options.struct_size = sizeof options;
  options.token = token;
  options.timeout_ms = timeout_ms;
  return tenet_client_connect_with(address, &options, client, error);
}

tenet_status tenet_client_connect_with(const char* address, const tenet_client_options* given,
                                       tenet_client** client, tenet_error** error) {
  tenet_client_options defaults{};
  defaults.struct_size = sizeof defaults;
  const tenet_client_options& settings = given == nullptr ? defaults : *given;
  if (address == nullptr || client == nullptr || settings.timeout_ms < 0) {
    return fail(
        error, TENET_INVALID_ARGUMENT,
        "tenet_client_connect: address and client must not be NULL, timeout_ms not negative");
  }
  if (settings.struct_size < sizeof(tenet_client_options)) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_client_connect_with: options->struct_size must be "
                "sizeof(tenet_client_options)");
  }
  *client = nullptr;
  try {
    tenet::client::Options options;
    if (settings.token != nullptr) options.token = settings.token;
    if (settings.timeout_ms > 0) options.timeout = std::chrono::milliseconds(settings.timeout_ms);
    if (settings.tls != 0) {
      const auto text = [](const char* field) {
        return field == nullptr ? "" : std::string(field);
      };
      options.tls = tenet::client::TlsOptions{.ca_file = text(settings.tls_ca_file),
                                              .cert_file = text(settings.tls_cert_file),
                                              .key_file = text(settings.tls_key_file),
                                              .server_name = text(settings.tls_server_name)};
    } else if (settings.tls_ca_file != nullptr || settings.tls_cert_file != nullptr ||
               settings.tls_key_file != nullptr || settings.tls_server_name != nullptr) {
      // Files given without `tls` would silently connect in plaintext.
      return fail(error, TENET_INVALID_ARGUMENT,
                  "tenet_client_connect_with: tls_* files given but tls is 0 (set tls = 1)");
    }
    auto handle = std::make_unique<tenet_client>();
    handle->client = std::make_unique<tenet::client::Client>(
        tenet::client::Endpoint::parse(address), std::move(options));
    *client = handle.release();
    return succeed(error);
  } catch (...) {
    return translate_current(error);
  }
}

tenet_status tenet_client_call(tenet_client* client, const char* request, size_t length,
                               char** response, size_t* response_length, tenet_error** error) {
  if (client == nullptr || (request == nullptr && length > 0) || response == nullptr) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_client_call: client, request and response must not be NULL");
  }
  *response = nullptr;
  const std::string_view line(request == nullptr ? "" : request, length);
  // A blank line gets no answer from the server, so it would only time out.
  if (line.find('\n') != std::string_view::npos ||
      line.find_first_not_of(" \t\r") == std::string_view::npos) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_client_call: one non-blank request line, without '\\n'");
  }
  try {
    const std::string answer = client->client->call_line(line);
    return tenet::c_api::hand_out(answer, response, response_length, error);
  } catch (...) {
    return translate_current(error);
  }
}

void tenet_client_close(tenet_client* client) { delete client; }

}  // extern "C"
