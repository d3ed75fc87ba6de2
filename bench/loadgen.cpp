// tenet-loadgen: a closed-loop load generator for `tenet serve`.
//
// N connections (TCP or a Unix socket), each keeping D requests in flight:
// every response received sends the next request (round-robin over the NDJSON
// request file, or batches of K of them). Latency is measured per request line
// (send -> its response line) into a log-linear histogram; throughput counts
// decisions (a batch of K counts K). The run stops by itself after --duration
// (plus at most 5 s of drain). --floor adds a raw loopback TCP echo ping-pong
// measured in the same process, printed beside the figures.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/echo_floor.hpp"
#include "bench/latency_histogram.hpp"

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using tenet::bench::LatencyHistogram;

struct Options {
  std::string connect;
  std::string unix_path;
  int connections = 1;
  int pipeline = 1;
  double duration = 10;
  std::string requests_file;
  int batch = 0;
  int threads = 1;
  bool summary = false;
  bool floor = false;
  int floor_round_trips = 20000;
};

// What one thread's connections measured.
struct Tally {
  LatencyHistogram latency;
  std::uint64_t lines = 0;      // response lines
  std::uint64_t decisions = 0;  // lines, counting batch items
  std::uint64_t errors = 0;     // response lines carrying an "error"
  std::string failure;          // a connection that could not run
  Clock::time_point last_response{};
  int live_connections = 0;  // the thread's io_context stops when it reaches 0
};

// The request lines to send: the file's lines, or batches of K of them.
std::vector<std::string> request_lines(const Options& options) {
  std::ifstream in(options.requests_file);
  std::vector<std::string> items;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) items.push_back(line);
  }
  if (options.batch <= 0 || items.empty()) {
    for (std::string& line : items) line += '\n';
    return items;
  }
  std::vector<std::string> batches;
  const std::size_t k = static_cast<std::size_t>(options.batch);
  // Enough batches that every item appears (round-robin over the file).
  const std::size_t count = std::max<std::size_t>(1, (items.size() + k - 1) / k);
  for (std::size_t b = 0; b < count; ++b) {
    std::string line = R"({"op":"batch","requests":[)";
    for (std::size_t i = 0; i < k; ++i)
      line += (i == 0 ? "" : ",") + items[(b * k + i) % items.size()];
    line += "]}\n";
    batches.push_back(std::move(line));
  }
  return batches;
}

// One connection's closed loop: keep `pipeline` lines in flight until
// `stop_sending`, then wait for the outstanding answers.
template <typename Socket>
asio::awaitable<void> run_connection(Socket socket, const std::vector<std::string>& lines,
                                     std::size_t first, const Options& options,
                                     Clock::time_point stop_sending, Tally& tally) {
  const std::uint64_t decisions_per_line =
      options.batch > 0 ? static_cast<std::uint64_t>(options.batch) : 1;
  std::deque<Clock::time_point> sent_at;
  std::size_t next = first;
  std::string out;
  const auto queue_one = [&](Clock::time_point now) {
    out += lines[next];
    next = (next + 1) % lines.size();
    sent_at.push_back(now);
  };
  try {
    const auto now = Clock::now();
    for (int i = 0; i < options.pipeline; ++i) queue_one(now);
    co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
    out.clear();
    std::string in;
    std::vector<char> chunk(1 << 16);
    while (!sent_at.empty()) {
      const std::size_t n =
          co_await socket.async_read_some(asio::buffer(chunk), asio::use_awaitable);
      in.append(chunk.data(), n);
      const auto received = Clock::now();
      const bool sending = received < stop_sending;
      std::size_t start = 0;
      for (std::size_t end = in.find('\n'); end != std::string::npos; end = in.find('\n', start)) {
        if (sent_at.empty()) break;
        tally.latency.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(received - sent_at.front())
                .count()));
        sent_at.pop_front();
        ++tally.lines;
        tally.decisions += decisions_per_line;
        if (std::string_view(in).substr(start, end - start).find("\"error\"") !=
            std::string_view::npos)
          ++tally.errors;
        start = end + 1;
        tally.last_response = received;
        if (sending) queue_one(received);
      }
      in.erase(0, start);
      if (!out.empty()) {
        co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
        out.clear();
      }
    }
  } catch (const std::exception& e) {
    if (tally.failure.empty()) tally.failure = e.what();
  }
  if (--tally.live_connections == 0) {
    static_cast<asio::io_context&>(socket.get_executor().context()).stop();
  }
}

asio::ip::tcp::endpoint tcp_endpoint(const std::string& host_port) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("--connect wants HOST:PORT");
  return {asio::ip::make_address(host_port.substr(0, colon)),
          static_cast<unsigned short>(std::stoi(host_port.substr(colon + 1)))};
}

// One thread: its share of the connections on its own io_context.
void run_thread(const Options& options, const std::vector<std::string>& lines, int first_connection,
                int connections, Clock::time_point stop_sending, Tally& tally) {
  asio::io_context context(1);
  tally.live_connections = connections;
  for (int c = 0; c < connections; ++c) {
    const std::size_t first = static_cast<std::size_t>(first_connection + c) * 7919 % lines.size();
    if (!options.unix_path.empty()) {
      asio::local::stream_protocol::socket socket(context);
      socket.connect(asio::local::stream_protocol::endpoint(options.unix_path));
      asio::co_spawn(context,
                     run_connection(std::move(socket), lines, first, options, stop_sending, tally),
                     asio::detached);
    } else {
      asio::ip::tcp::socket socket(context);
      socket.connect(tcp_endpoint(options.connect));
      socket.set_option(asio::ip::tcp::no_delay(true));
      asio::co_spawn(context,
                     run_connection(std::move(socket), lines, first, options, stop_sending, tally),
                     asio::detached);
    }
  }
  // Bounded: whatever is still outstanding 5 s after the end is abandoned.
  asio::steady_timer limit(context, stop_sending + std::chrono::seconds(5));
  limit.async_wait([&context](const boost::system::error_code&) { context.stop(); });
  context.run();
}

double micros(std::uint64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1000.0; }

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"tenet-loadgen: closed-loop load against `tenet serve`"};
  app.add_option("--connect", options.connect, "HOST:PORT of the server");
  app.add_option("--unix", options.unix_path, "Unix socket of the server");
  app.add_option("--connections", options.connections, "connections")->check(CLI::Range(1, 4096));
  app.add_option("--pipeline", options.pipeline, "request lines in flight per connection")
      ->check(CLI::Range(1, 4096));
  app.add_option("--duration", options.duration, "seconds of sending")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--requests", options.requests_file, "NDJSON requests, sent round-robin");
  app.add_option("--batch", options.batch, "wrap K requests in one batch op")
      ->check(CLI::Range(0, 1024));
  app.add_option("--threads", options.threads, "loadgen threads")->check(CLI::Range(1, 64));
  app.add_flag("--summary", options.summary, "print one JSON summary line");
  app.add_flag("--floor", options.floor, "measure a raw loopback TCP echo ping-pong too");
  app.add_option("--floor-round-trips", options.floor_round_trips, "echo round trips")
      ->check(CLI::Range(100, 10000000));
  CLI11_PARSE(app, argc, argv);

  const bool has_target = !options.connect.empty() || !options.unix_path.empty();
  if (has_target && options.requests_file.empty()) {
    std::cerr << "tenet-loadgen: --requests FILE is required with --connect / --unix\n";
    return 2;
  }
  if (!has_target && !options.floor) {
    std::cerr << "tenet-loadgen: give --connect HOST:PORT, --unix PATH or --floor\n";
    return 2;
  }

  Tally total;
  double elapsed = 0;
  std::size_t line_bytes = 256;
  if (has_target) {
    const std::vector<std::string> lines = request_lines(options);
    if (lines.empty()) {
      std::cerr << "tenet-loadgen: no requests in " << options.requests_file << "\n";
      return 2;
    }
    line_bytes = lines.front().size();
    const int threads = std::min(options.threads, options.connections);
    std::vector<Tally> tallies(static_cast<std::size_t>(threads));
    const auto start = Clock::now();
    const auto stop_sending = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options.duration));
    {
      std::vector<std::jthread> workers;
      int first = 0;
      for (int t = 0; t < threads; ++t) {
        const int share =
            options.connections / threads + (t < options.connections % threads ? 1 : 0);
        workers.emplace_back([&, t, first, share] {
          try {
            run_thread(options, lines, first, share, stop_sending,
                       tallies[static_cast<std::size_t>(t)]);
          } catch (const std::exception& e) {
            tallies[static_cast<std::size_t>(t)].failure = e.what();
          }
        });
        first += share;
      }
    }
    Clock::time_point last = start;
    for (const Tally& t : tallies) last = std::max(last, t.last_response);
    elapsed = std::chrono::duration<double>(last - start).count();
    for (const Tally& t : tallies) {
      total.latency.merge(t.latency);
      total.lines += t.lines;
      total.decisions += t.decisions;
      total.errors += t.errors;
      if (total.failure.empty()) total.failure = t.failure;
    }
  }

  std::optional<LatencyHistogram> floor;
  if (options.floor) {
    floor = tenet::bench::measure_echo_floor(static_cast<std::size_t>(options.floor_round_trips),
                                             line_bytes);
    if (!floor) std::cerr << "tenet-loadgen: the echo floor could not be measured\n";
  }

  const double throughput = elapsed > 0 ? static_cast<double>(total.decisions) / elapsed : 0;
  const double floor_p50 = floor ? micros(floor->quantile(0.5)) : 0;
  const double p50 = micros(total.latency.quantile(0.5));
  if (has_target) {
    std::printf(
        "%d connection(s) x pipeline %d%s, %.1f s: %llu lines, %llu decisions, %llu errors\n",
        options.connections, options.pipeline,
        options.batch > 0 ? (" x batch " + std::to_string(options.batch)).c_str() : "", elapsed,
        static_cast<unsigned long long>(total.lines),
        static_cast<unsigned long long>(total.decisions),
        static_cast<unsigned long long>(total.errors));
    std::printf("throughput: %.0f decisions/s\n", throughput);
    std::printf("latency per line: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us\n", p50,
                micros(total.latency.quantile(0.99)), micros(total.latency.quantile(0.999)),
                micros(total.latency.quantile(1.0)));
    if (!total.failure.empty()) std::printf("connection failure: %s\n", total.failure.c_str());
  }
  if (floor) {
    std::printf(
        "echo floor (%zu-byte loopback ping-pong, %d round trips): p50 %.1f us, p99 %.1f us%s\n",
        line_bytes, options.floor_round_trips, floor_p50, micros(floor->quantile(0.99)),
        has_target && floor_p50 > 0 ? (", p50 / floor = " + std::to_string(p50 / floor_p50)).c_str()
                                    : "");
  }
  if (options.summary) {
    std::printf(
        "{\"connections\":%d,\"pipeline\":%d,\"batch\":%d,\"seconds\":%.3f,\"lines\":%llu,"
        "\"decisions\":%llu,"
        "\"errors\":%llu,\"decisions_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
        "\"floor_p50_us\":%.1f,\"p50_over_floor\":%.3f}\n",
        options.connections, options.pipeline, options.batch, elapsed,
        static_cast<unsigned long long>(total.lines),
        static_cast<unsigned long long>(total.decisions),
        static_cast<unsigned long long>(total.errors), throughput, p50,
        micros(total.latency.quantile(0.99)), micros(total.latency.quantile(0.999)), floor_p50,
        floor_p50 > 0 ? p50 / floor_p50 : 0.0);
  }
  return total.failure.empty() ? 0 : 1;
}
