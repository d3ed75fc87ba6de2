// The embedded half of the C ABI: tenet_engine_* over tenet::Engine.
//
// Calls go through engine/json/line_handler (`LineHandler`), the one JSON path every
// front end shares. The scratch (parser, decision, output) is per thread and
// reused, so a warm tenet_engine_call_into allocates nothing.
#include <cstddef>
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
std::pair<tenet_status, std::string> describe_failure(const tenet::PolicyLoad& compiled) {
  std::string text;
  if (!compiled.io_errors.empty()) {
    for (const std::string& problem : compiled.io_errors) (text += problem) += '\n';
    return {TENET_IO_ERROR, text};
  }
  if (!compiled.set_error.empty()) return {TENET_POLICY_ERROR, compiled.set_error + '\n'};
  for (const tenet::Diagnostic& diagnostic : compiled.diagnostics) {
    if (compiled.sources) text += tenet::render(diagnostic, *compiled.sources);
  }
  if (text.empty()) text = "the policy set has errors\n";
  return {TENET_POLICY_ERROR, text};
}

// The calling thread's scratch, reused from one call to the next.
struct Scratch {
  tenet::json::LineHandler handler;
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
  scratch.handler.handle(*policies, request, scratch.out);
  return scratch.out;
}

// The fields of the first tenet_engine_options (ABI 0): a later library that
// adds fields reads them only when struct_size covers them, so a program
// built against this header keeps working with it.
constexpr std::size_t kFirstOptionsSize =
    offsetof(tenet_engine_options, max_syntax_errors) + sizeof(std::size_t);

// The caller's options over the defaults: a field left 0 keeps its default.
bool read_options(const tenet_engine_options& given, tenet::PolicyOptions& options) {
  if (given.struct_size < kFirstOptionsSize) return false;
  tenet::ParseLimits& limits = options.limits;
  if (given.max_file_bytes != 0) limits.max_file_bytes = given.max_file_bytes;
  if (given.max_nesting != 0) limits.max_nesting = given.max_nesting;
  if (given.max_expression_depth != 0) limits.max_expression_depth = given.max_expression_depth;
  if (given.max_syntax_errors != 0) limits.max_syntax_errors = given.max_syntax_errors;
  return true;
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
  return tenet_engine_open_with(directory, nullptr, engine, error);
}

tenet_status tenet_engine_open_with(const char* directory, const tenet_engine_options* options,
                                    tenet_engine** engine, tenet_error** error) {
  if (directory == nullptr || engine == nullptr) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_engine_open: directory and engine must not be NULL");
  }
  *engine = nullptr;
  tenet::PolicyOptions policy_options;
  if (options != nullptr && !read_options(*options, policy_options)) {
    return fail(error, TENET_INVALID_ARGUMENT,
                "tenet_engine_open_with: options->struct_size must be "
                "sizeof(tenet_engine_options) (zero the struct, then set it)");
  }
  try {
    tenet::PolicyLoad compiled = tenet::compile_policy_directory(directory, policy_options);
    if (!compiled.policies) {
      const auto [status, message] = describe_failure(compiled);
      return fail(error, status, message);
    }
    auto handle = std::make_unique<tenet_engine>();
    handle->directory = directory;
    handle->options = policy_options;
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
    tenet::PolicyLoad compiled =
        tenet::compile_policy_directory(engine->directory, engine->options);
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
