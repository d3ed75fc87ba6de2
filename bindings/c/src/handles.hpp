// The C ABI's opaque handles and how a failure becomes a tenet_error.
//
// Included by the bindings/c/src/*.cpp files only: nothing here is exported.
// A tenet_error is plain data owned by the caller; engine and client handles
// document their own thread-safety in tenet.h.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "engine/engine.hpp"
#include "tenet/client.hpp"
#include "tenet/tenet.h"

struct tenet_error {
  tenet_status status;
  std::string message;
};

struct tenet_engine {
  std::filesystem::path directory;  // what reload recompiles
  tenet::PolicyOptions options;     // and how (the parse limits)
  std::unique_ptr<tenet::Engine> engine;
};

struct tenet_client {
  std::unique_ptr<tenet::client::Client> client;
};

namespace tenet::c_api {

// Returns `status`; stores a new tenet_error in *error when asked for one.
// Never throws: without memory for the message the status alone is returned.
tenet_status fail(tenet_error** error, tenet_status status, std::string_view message) noexcept;

// Clears *error (when asked for) and returns TENET_OK.
tenet_status succeed(tenet_error** error) noexcept;

// Copies `text` into a NUL-terminated malloc'd string for the caller
// (freed by tenet_string_free); TENET_OUT_OF_MEMORY when malloc fails.
tenet_status hand_out(std::string_view text, char** response, std::size_t* response_length,
                      tenet_error** error) noexcept;

}  // namespace tenet::c_api
