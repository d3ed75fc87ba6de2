// tenet_error, strings handed to the caller, status names and the version.
#include <cstdlib>
#include <cstring>
#include <new>

#include "bindings/c/src/handles.hpp"

namespace tenet::c_api {

tenet_status fail(tenet_error** error, tenet_status status, std::string_view message) noexcept {
  if (error == nullptr) return status;
  try {
    *error = new tenet_error{status, std::string(message)};
  } catch (...) {
    *error = nullptr;
  }
  return status;
}

tenet_status succeed(tenet_error** error) noexcept {
  if (error != nullptr) *error = nullptr;
  return TENET_OK;
}

tenet_status hand_out(std::string_view text, char** response, std::size_t* response_length,
                      tenet_error** error) noexcept {
  // malloc, not new[]: a C caller may be tempted to free() it, and this way
  // that is not undefined behaviour as well.
  auto* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return fail(error, TENET_OUT_OF_MEMORY, "out of memory for the response");
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  *response = copy;
  if (response_length != nullptr) *response_length = text.size();
  return succeed(error);
}

}  // namespace tenet::c_api

extern "C" {

tenet_status tenet_error_status(const tenet_error* error) {
  return error != nullptr ? error->status : TENET_INVALID_ARGUMENT;
}

const char* tenet_error_message(const tenet_error* error) {
  return error != nullptr ? error->message.c_str() : "no error";
}

void tenet_error_free(tenet_error* error) { delete error; }

void tenet_string_free(char* string) { std::free(string); }

const char* tenet_status_name(tenet_status status) {
  switch (status) {
    case TENET_OK:
      return "TENET_OK";
    case TENET_INVALID_ARGUMENT:
      return "TENET_INVALID_ARGUMENT";
    case TENET_IO_ERROR:
      return "TENET_IO_ERROR";
    case TENET_POLICY_ERROR:
      return "TENET_POLICY_ERROR";
    case TENET_NOT_FOUND:
      return "TENET_NOT_FOUND";
    case TENET_BUFFER_TOO_SMALL:
      return "TENET_BUFFER_TOO_SMALL";
    case TENET_CONNECTION_ERROR:
      return "TENET_CONNECTION_ERROR";
    case TENET_TIMEOUT:
      return "TENET_TIMEOUT";
    case TENET_PROTOCOL_ERROR:
      return "TENET_PROTOCOL_ERROR";
    case TENET_OUT_OF_MEMORY:
      return "TENET_OUT_OF_MEMORY";
    case TENET_INTERNAL:
      return "TENET_INTERNAL";
  }
  return "TENET_UNKNOWN_STATUS";
}

const char* tenet_version(void) { return TENET_VERSION; }

}  // extern "C"
