// tenet-loadgen: a closed-loop load generator for `tenet serve`.
//
// N connections (TCP or a Unix socket), each keeping D requests in flight:
// every response received sends the next request (round-robin over the NDJSON
// request file, or batches of K of them). Latency is measured per request line
// (send -> its response line) into a log-linear histogram; throughput counts
// decisions (a batch of K counts K). The run stops by itself after --duration
// (plus at most 5 s of drain). --floor adds a raw loopback TCP echo ping-pong
// measured in the same process, printed beside the figures.
//
// --tls speaks TLS to a `tenet serve --tls-cert` port: the server's
// certificate is verified against --tls-ca (or the system's CAs) and its
// name or IP address against the host of --connect (or --tls-name);
// --tls-cert/--tls-key present a client certificate (mutual TLS). The
// handshakes happen when the connections open, like the TCP connects, and
// their time is reported apart. --reconnect opens a new connection for every
// request (connect, TLS handshake, one request, close): connection setup's
// cost. The plaintext closed loop is the same code as without TLS (the
// connection loop is a template over the stream).
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
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
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

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
  bool tls = false;
  std::string tls_ca;    // PEM CAs the server's certificate must chain to
  std::string tls_cert;  // mutual TLS: the client's certificate (PEM)
  std::string tls_key;   // ... and its key
  std::string tls_name;  // the name or IP the server's certificate must carry
  bool reconnect = false;
};

// What one thread's connections measured.
struct Tally {
  LatencyHistogram latency;
  std::uint64_t lines = 0;      // response lines
  std::uint64_t decisions = 0;  // lines, counting batch items
  std::uint64_t errors = 0;     // response lines carrying an "error"
  std::string failure;          // a connection that could not run
  Clock::time_point last_response{};
  int live_connections = 0;    // the thread's io_context stops when it reaches 0
  LatencyHistogram handshake;  // TLS: connect() returned -> handshake done
  std::uint64_t handshakes = 0;
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

// The client side of --tls: TLS 1.2 or newer, the server's certificate
// always verified (against --tls-ca, else the system's CAs), and the
// client's own certificate for mutual TLS.
std::unique_ptr<asio::ssl::context> tls_context(const Options& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ::SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(asio::ssl::verify_peer);
  const auto load = [](const std::string& what, const std::string& path, auto&& use) {
    boost::system::error_code error;
    use(error);
    if (error) throw std::runtime_error(what + " " + path + ": " + error.message());
  };
  if (options.tls_ca.empty()) {
    context->set_default_verify_paths();
  } else {
    load("--tls-ca", options.tls_ca,
         [&](auto& error) { context->load_verify_file(options.tls_ca, error); });
  }
  if (!options.tls_cert.empty()) {
    load("--tls-cert", options.tls_cert,
         [&](auto& error) { context->use_certificate_chain_file(options.tls_cert, error); });
    load("--tls-key", options.tls_key, [&](auto& error) {
      context->use_private_key_file(options.tls_key, asio::ssl::context::pem, error);
    });
  }
  return context;
}

// The server's certificate must name `peer_name`: an IP address is matched
// against its IP SANs, anything else against its DNS names (and sent as SNI).
void expect_peer_name(TlsStream& stream, const std::string& peer_name) {
  SSL* ssl = stream.native_handle();
  boost::system::error_code not_an_address;
  asio::ip::make_address(peer_name, not_an_address);
  const bool named = not_an_address ? ::SSL_set1_host(ssl, peer_name.c_str()) == 1 &&
                                          ::SSL_set_tlsext_host_name(ssl, peer_name.c_str()) == 1
                                    : ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl),
                                                                      peer_name.c_str()) == 1;
  if (!named) throw std::runtime_error("--tls-name " + peer_name + ": cannot be checked");
}

// Why a handshake failed, with the verification's reason when there is one
// (unknown CA, expired, a name mismatch).
[[noreturn]] void throw_handshake_failure(TlsStream& stream,
                                          const boost::system::error_code& error) {
  std::string message = "TLS handshake: " + error.message();
  if (const long verified = ::SSL_get_verify_result(stream.native_handle());  // NOLINT
      verified != X509_V_OK)
    message += std::string(" (") + ::X509_verify_cert_error_string(verified) + ")";
  throw std::runtime_error(message);
}

void record_handshake(Tally& tally, Clock::time_point began) {
  tally.handshake.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - began).count()));
  ++tally.handshakes;
}

// One request line on a fresh stream and its response line; true when the
// response carries an "error".
template <typename Stream>
asio::awaitable<bool> exchange_one(Stream& stream, const std::string& line,
                                   std::vector<char>& chunk) {
  co_await asio::async_write(stream, asio::buffer(line), asio::use_awaitable);
  std::string in;
  for (std::size_t end = std::string::npos; end == std::string::npos; end = in.find('\n')) {
    const std::size_t n = co_await stream.async_read_some(asio::buffer(chunk), asio::use_awaitable);
    in.append(chunk.data(), n);
  }
  co_return in.find("\"error\"") != std::string::npos;
}

// --reconnect: connect, (handshake,) one request, close, until
// `stop_sending`. The latency recorded is the whole cycle.
asio::awaitable<void> run_reconnecting(asio::io_context& context, asio::ip::tcp::endpoint endpoint,
                                       asio::ssl::context* tls, const std::string& peer_name,
                                       const std::vector<std::string>& lines, std::size_t first,
                                       const Options& options, Clock::time_point stop_sending,
                                       Tally& tally) {
  const std::uint64_t decisions_per_line =
      options.batch > 0 ? static_cast<std::uint64_t>(options.batch) : 1;
  std::size_t next = first;
  std::vector<char> chunk(1 << 16);
  try {
    for (auto began = Clock::now(); began < stop_sending; began = Clock::now()) {
      const std::string& line = lines[next];
      next = (next + 1) % lines.size();
      asio::ip::tcp::socket socket(context);
      co_await socket.async_connect(endpoint, asio::use_awaitable);
      socket.set_option(asio::ip::tcp::no_delay(true));
      bool error_answer = false;
      if (tls != nullptr) {
        TlsStream stream(std::move(socket), *tls);
        expect_peer_name(stream, peer_name);
        const auto connected = Clock::now();
        boost::system::error_code error;
        co_await stream.async_handshake(asio::ssl::stream_base::client,
                                        asio::redirect_error(asio::use_awaitable, error));
        if (error) throw_handshake_failure(stream, error);
        record_handshake(tally, connected);
        error_answer = co_await exchange_one(stream, line, chunk);
      } else {
        error_answer = co_await exchange_one(socket, line, chunk);
      }
      const auto received = Clock::now();
      tally.latency.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(received - began).count()));
      ++tally.lines;
      tally.decisions += decisions_per_line;
      if (error_answer) ++tally.errors;
      tally.last_response = received;
    }
  } catch (const std::exception& e) {
    if (tally.failure.empty()) tally.failure = e.what();
  }
  if (--tally.live_connections == 0) context.stop();
}

// One thread: its share of the connections on its own io_context.
void run_thread(const Options& options, asio::ssl::context* tls,
                const std::vector<std::string>& lines, int first_connection, int connections,
                Clock::time_point stop_sending, Tally& tally) {
  asio::io_context context(1);
  tally.live_connections = connections;
  const std::string peer_name = options.tls_name.empty()
                                    ? options.connect.substr(0, options.connect.rfind(':'))
                                    : options.tls_name;
  for (int c = 0; c < connections; ++c) {
    const std::size_t first = static_cast<std::size_t>(first_connection + c) * 7919 % lines.size();
    if (options.reconnect) {
      asio::co_spawn(context,
                     run_reconnecting(context, tcp_endpoint(options.connect), tls, peer_name, lines,
                                      first, options, stop_sending, tally),
                     asio::detached);
    } else if (tls != nullptr) {
      TlsStream stream(context, *tls);
      stream.next_layer().connect(tcp_endpoint(options.connect));
      stream.next_layer().set_option(asio::ip::tcp::no_delay(true));
      expect_peer_name(stream, peer_name);
      const auto connected = Clock::now();
      boost::system::error_code error;
      stream.handshake(asio::ssl::stream_base::client, error);
      if (error) throw_handshake_failure(stream, error);
      record_handshake(tally, connected);
      asio::co_spawn(context,
                     run_connection(std::move(stream), lines, first, options, stop_sending, tally),
                     asio::detached);
    } else if (!options.unix_path.empty()) {
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
  app.add_flag("--tls", options.tls, "TLS to a `tenet serve --tls-cert` port (server verified)");
  app.add_option("--tls-ca", options.tls_ca, "PEM CA(s) of the server (default: the system's)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", options.tls_cert, "mutual TLS: the client's certificate (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key, "mutual TLS: the key of --tls-cert (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-name", options.tls_name,
                 "the name or IP the server's certificate must carry (default: the host of "
                 "--connect)");
  app.add_flag("--reconnect", options.reconnect,
               "a new connection for every request (connect, handshake, one request, close)");
  CLI11_PARSE(app, argc, argv);

  const bool tls_options = !options.tls_ca.empty() || !options.tls_cert.empty() ||
                           !options.tls_key.empty() || !options.tls_name.empty();
  if (tls_options && !options.tls) {
    std::cerr << "tenet-loadgen: --tls-ca, --tls-cert, --tls-key and --tls-name need --tls\n";
    return 2;
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    std::cerr << "tenet-loadgen: --tls-cert and --tls-key go together\n";
    return 2;
  }
  if ((options.tls || options.reconnect) && options.connect.empty()) {
    std::cerr << "tenet-loadgen: --tls and --reconnect need --connect HOST:PORT (TCP)\n";
    return 2;
  }
  if (options.reconnect && options.pipeline != 1) {
    std::cerr << "tenet-loadgen: --reconnect sends one request per connection: no --pipeline\n";
    return 2;
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (options.tls) {
    try {
      tls = tls_context(options);
    } catch (const std::exception& e) {
      std::cerr << "tenet-loadgen: " << e.what() << "\n";
      return 2;
    }
  }

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
            run_thread(options, tls.get(), lines, first, share, stop_sending,
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
      total.handshake.merge(t.handshake);
      total.handshakes += t.handshakes;
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
    if (options.reconnect)
      std::printf("connections: %.0f/s (each: connect,%s one request, close)\n",
                  elapsed > 0 ? static_cast<double>(total.lines) / elapsed : 0,
                  tls ? " TLS handshake," : "");
    if (total.handshakes > 0)
      std::printf("TLS handshakes: %llu, p50 %.1f us, p99 %.1f us (%s)\n",
                  static_cast<unsigned long long>(total.handshakes),
                  micros(total.handshake.quantile(0.5)), micros(total.handshake.quantile(0.99)),
                  options.tls_cert.empty() ? "server verified" : "mutual");
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
        "\"floor_p50_us\":%.1f,\"p50_over_floor\":%.3f,\"tls\":%s,\"reconnect\":%s,"
        "\"handshakes\":%llu,\"handshake_p50_us\":%.1f}\n",
        options.connections, options.pipeline, options.batch, elapsed,
        static_cast<unsigned long long>(total.lines),
        static_cast<unsigned long long>(total.decisions),
        static_cast<unsigned long long>(total.errors), throughput, p50,
        micros(total.latency.quantile(0.99)), micros(total.latency.quantile(0.999)), floor_p50,
        floor_p50 > 0 ? p50 / floor_p50 : 0.0, options.tls ? "true" : "false",
        options.reconnect ? "true" : "false", static_cast<unsigned long long>(total.handshakes),
        micros(total.handshake.quantile(0.5)));
  }
  return total.failure.empty() ? 0 : 1;
}
