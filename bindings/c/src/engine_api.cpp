// The embedded half of the C ABI: tenet_engine_* over tenet::Engine.
//
// Calls go through engine/json/line_handler (`handle_line`), the one JSON path every
// front end shares. The scratch (parser, decision, output) is per thread and
// reused, so a warm tenet_engine_call_into allocates nothing.
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "bindings/c/src/handles.hpp"
#include "engine/json/line_handler.hpp"
#include "grammar/source/diagnostic.hpp"

namespace {

using tenet::c_api::fail;
using tenet::c_api::succeed;

// What went wrong compiling a directory, as `tenet check` prints it.
std::pair<tenet_status, std::string> describe_failure(
    const tenet::Engine::CompileResult& compiled) {
  std::string text;
  if (!compiled.io_errors.empty()) {
    for (const std::string& problem : compiled.io_errors) (text += problem) += '\n';
    return {TENET_IO_ERROR, text};
  }
  for (const tenet::Diagnostic& diagnostic : compiled.diagnostics) {
    if (compiled.sources) text += tenet::render(diagnostic, *compiled.sources);
  }
  if (text.empty()) text = "the policy set has errors\n";
  return {TENET_POLICY_ERROR, text};
}

// The calling thread's scratch, reused from one call to the next.
struct Scratch {
  tenet::json::RequestParser parser;
  tenet::Decision decision;
  std::string out;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Answers `request` into the thread's scratch output.
const std::string& answer(const tenet_engine& engine, std::string_view request) {
  Scratch& scratch = thread_scratch();
  scratch.out.clear();
  const std::shared_ptr<const tenet::CompiledPolicySet> policies = engine.engine->snapshot();
  tenet::json::handle_line(*policies, request, scratch.parser, scratch.decision, scratch.out);
  return scratch.out;
}

bool parse_switch(std::string_view text, tenet::FeatureSwitch& state) {
  if (text == "on")
    state = tenet::FeatureSwitch::On;
  else if (text == "off")
    state = tenet::FeatureSwitch::Off;
  else if (text == "default")
    state = tenet::FeatureSwitch::Default;
  else
    return false;
  return true;
}

}  // namespace

extern "C" {

tenet_status tenet_engine_open(const char* directory, tenet_engine** engine, tenet_error** error) {
  if (directory == nullptr || engine == nullptr) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_engine_open: directory and engine must not be NULL");
  }
  *engine = nullptr;
  try {
    tenet::Engine::CompileResult compiled = tenet::Engine::compile_directory(directory);
    if (!compiled.policies) {
      const auto [status, message] = describe_failure(compiled);
      return fail(error, status, message);
    }
    auto handle = std::make_unique<tenet_engine>();
    handle->directory = directory;
    handle->engine = std::make_unique<tenet::Engine>(std::move(compiled.policies));
    *engine = handle.release();
    return succeed(error);
  } catch (const std::bad_alloc&) {
    return fail(error, TENET_OUT_OF_MEMORY, "out of memory while compiling the policy set");
  } catch (const std::exception& e) {
    return fail(error, TENET_INTERNAL, e.what());
  }
}

tenet_status tenet_engine_call(const tenet_engine* engine, const char* request, size_t length,
                               char** response, size_t* response_length, tenet_error** error) {
  if (engine == nullptr || (request == nullptr && length > 0) || response == nullptr) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_engine_call: engine, request and response must not be NULL");
  }
  *response = nullptr;
  try {
    const std::string& out =
        answer(*engine, std::string_view(request == nullptr ? "" : request, length));
    return tenet::c_api::hand_out(out, response, response_length, error);
  } catch (const std::bad_alloc&) {
    return fail(error, TENET_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(error, TENET_INTERNAL, e.what());
  }
}

tenet_status tenet_engine_call_into(const tenet_engine* engine, const char* request, size_t length,
                                    char* buffer, size_t capacity, size_t* written,
                                    tenet_error** error) {
  if (engine == nullptr || (request == nullptr && length > 0) || written == nullptr ||
      (buffer == nullptr && capacity > 0)) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_engine_call_into: engine, request, buffer and written must not be NULL");
  }
  try {
    const std::string& out =
        answer(*engine, std::string_view(request == nullptr ? "" : request, length));
    *written = out.size();
    if (out.size() >= capacity) {
      return fail(error, TENET_BUFFER_TOO_SMALL,
                  "the response does not fit the buffer (see *written)");
    }
    std::memcpy(buffer, out.data(), out.size());
    buffer[out.size()] = '\0';
    return succeed(error);
  } catch (const std::bad_alloc&) {
    return fail(error, TENET_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(error, TENET_INTERNAL, e.what());
  }
}

tenet_status tenet_engine_reload(tenet_engine* engine, tenet_error** error) {
  if (engine == nullptr)
    return fail(error, TENET_INVALID_ARGUMENT, "tenet_engine_reload: engine is NULL");
  try {
    tenet::Engine::CompileResult compiled = tenet::Engine::compile_directory(engine->directory);
    if (!compiled.policies) {
      const auto [status, message] = describe_failure(compiled);
      return fail(error, status, message);
    }
    engine->engine->replace(std::move(compiled.policies));
    return succeed(error);
  } catch (const std::bad_alloc&) {
    return fail(error, TENET_OUT_OF_MEMORY, "out of memory while compiling the policy set");
  } catch (const std::exception& e) {
    return fail(error, TENET_INTERNAL, e.what());
  }
}

tenet_status tenet_engine_set_feature(tenet_engine* engine, const char* tenant, const char* feature,
                                      const char* state, tenet_error** error) {
  tenet::FeatureSwitch parsed{};
  if (engine == nullptr || tenant == nullptr || feature == nullptr || state == nullptr) {
    return fail(error, TENET_INVALID_ARGUMENT, "tenet_engine_set_feature: no argument may be NULL");
  }
  if (!parse_switch(state, parsed)) {
    return fail(error, TENET_INVALID_ARGUMENT, "state must be \"on\", \"off\" or \"default\"");
  }
  try {
    if (!engine->engine->set_feature(tenant, feature, parsed)) {
      return fail(error, TENET_NOT_FOUND,
                  std::string("tenant '") + tenant + "' declares no feature '" + feature + "'");
    }
    return succeed(error);
  } catch (const std::exception& e) {
    return fail(error, TENET_INTERNAL, e.what());
  }
}

void tenet_engine_close(tenet_engine* engine) { delete engine; }

}  // extern "C"
