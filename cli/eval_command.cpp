#include "cli/eval_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <ostream>
#include <span>

#include "cli/check_command.hpp"
#include "cli/policy_loading.hpp"
#include "engine/json/line_framer.hpp"
#include "engine/json/line_handler.hpp"

namespace tenet::cli {
namespace {

// Owns an open file descriptor (or borrows standard input).
class Input {
 public:
  Input(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~Input() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
  bool owned_;
};

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Answers the lines of one input, in order.
class Evaluator {
 public:
  Evaluator(const CompiledPolicySet& policies, const EvalOptions& options, std::ostream& out)
      : policies_(policies), options_(options), out_(out) {
    handler_.parser().set_force_explain(options.explain);
  }

  void line(std::string_view text, bool too_long) {
    if (too_long) {
      json::write_error(buffer_, json::RequestOp::None, "null", json::ErrorCode::TooLarge,
                        "request line longer than " + std::to_string(options_.max_line) + " bytes");
      buffer_ += '\n';
    } else {
      if (is_blank(text)) return;
      handler_.handle(policies_, text, buffer_);
      buffer_ += '\n';
    }
    if (buffer_.size() >= 64U * 1024U) flush();
  }

  void flush() {
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    out_.flush();
    buffer_.clear();
  }

 private:
  const CompiledPolicySet& policies_;
  const EvalOptions& options_;
  std::ostream& out_;
  json::LineHandler handler_;
  std::string buffer_;
};

}  // namespace

int run_eval(const EvalOptions& options, int input_fd, std::ostream& out, std::ostream& err) {
  PolicyOptions policy_options;
  policy_options.limits = options.limits;
  const LoadedPolicies loaded = load_policies(options.directory, policy_options, "tenet eval", err);
  if (loaded.exit_code != kOk) return loaded.exit_code;

  const bool from_stdin = options.input.empty() || options.input == "-";
  const Input input(from_stdin ? input_fd : ::open(options.input.c_str(), O_RDONLY | O_CLOEXEC),
                    !from_stdin);
  if (input.fd() < 0) {
    err << "tenet eval: error: cannot open " << options.input << ": " << std::strerror(errno)
        << '\n';
    return kUsageOrIo;
  }

  Evaluator evaluator(*loaded.load.policies, options, out);
  json::LineFramer framer(options.max_line);
  const auto answer = [&evaluator](const json::LineFramer::Next& next) {
    evaluator.line(next.line, next.kind == json::LineFramer::Kind::TooLarge);
  };
  while (true) {
    evaluator.flush();  // before a read that may block
    const std::span<char> room = framer.room();
    const ssize_t got = ::read(input.fd(), room.data(), room.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      err << "tenet eval: error: cannot read " << (from_stdin ? "standard input" : options.input)
          << ": " << std::strerror(errno) << '\n';
      return kUsageOrIo;
    }
    if (got == 0) break;
    framer.filled(static_cast<std::size_t>(got));
    for (auto next = framer.next(); next.kind != json::LineFramer::Kind::NeedInput;
         next = framer.next())
      answer(next);
    framer.release_large_input();
  }
  if (const auto last = framer.finish(); last.kind != json::LineFramer::Kind::NeedInput)
    answer(last);
  evaluator.flush();
  return kOk;
}

void add_eval_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command = app.add_subcommand("eval",
                                         "Answer newline-delimited JSON requests (PROTOCOL.md) "
                                         "against the policies in DIR: one response line per "
                                         "request, in order. Exit status: 0 all lines answered, 1 "
                                         "policy errors, 2 usage or I/O error.");
  command->add_option("DIR", options->directory, "Policy directory")->required();
  command
      ->add_option("FILE", options->input,
                   "Request file, one JSON object per line ('-': standard input)")
      ->capture_default_str();
  command->add_flag("--explain", options->explain,
                    "Add a trace of every rule looked at to every response");
  command->add_option("--max-line", options->max_line, "Longest request line accepted, in bytes")
      ->capture_default_str();
  add_parse_limit_options(*command, options->limits);
  command->callback([options, &exit_code] {
    exit_code = run_eval(*options, STDIN_FILENO, std::cout, std::cerr);
  });
}

}  // namespace tenet::cli
