#include "http/server.hpp"

#include <cstdio>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "core/error.hpp"
#include "core/log.hpp"
#include "http/beast_names.hpp"
#include "http/request_reader.hpp"
#include "http/tls.hpp"

namespace gatehouse::http {
namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && ascii_lower(s.substr(0, prefix.size())) == prefix;
}

/// Headers every response carries, added once here so no handler can forget them: nosniff (a
/// browser must not run a JSON answer or a user-supplied text as a script or page), HSTS when
/// configured, and on every HTML page at least frame-ancestors 'none' (no clickjacking).
void add_security_headers(bhttp::response<bhttp::string_body>& out, const std::string& hsts) {
  out.set("X-Content-Type-Options", "nosniff");
  if (!hsts.empty()) out.set(bhttp::field::strict_transport_security, hsts);
  if (!starts_with_ci(out[bhttp::field::content_type], "text/html")) return;
  const auto csp = out["Content-Security-Policy"];
  if (csp.empty()) {
    out.set("Content-Security-Policy", "frame-ancestors 'none'");
  } else if (ascii_lower(csp).find("frame-ancestors") == std::string::npos) {
    out.set("Content-Security-Policy", std::string(csp) + "; frame-ancestors 'none'");
  }
}

Response to_response(int status, std::string_view code, std::string_view message) {
  auto r = json_error(status, code, message);
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::vector<std::unique_ptr<asio::io_context>> make_contexts(int n) {
  std::vector<std::unique_ptr<asio::io_context>> out;
  for (int i = 0; i < std::max(1, n); ++i) out.push_back(std::make_unique<asio::io_context>(1));
  return out;
}

struct Server::Impl {
  Impl(Server& owner, ServerOptions o, RequestHandler h, InlineHandler ih)
      : server(owner),
        opt(std::move(o)),
        handler(std::move(h)),
        inline_handler(std::move(ih)),
        contexts(make_contexts(opt.io_threads)),
        ioc(*contexts.front()),
        workers(static_cast<std::size_t>(opt.worker_threads)),
        acceptor(ioc),
        signals(ioc, SIGTERM, SIGINT),
        hangups(ioc, SIGHUP),
        drain_timer(ioc) {
    for (auto& c : contexts) guards.emplace_back(asio::make_work_guard(*c));
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%08x",
                  static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    id_prefix = prefix;
  }

  // Declaration order is destruction order in reverse: the plain state first, so it outlives the
  // contexts, whose destruction destroys the coroutine frames of open connections (which use it);
  // the I/O objects last, so they go before the context they belong to.
  Server& server;
  ServerOptions opt;
  RequestHandler handler;
  InlineHandler inline_handler;
  std::string id_prefix;
  std::atomic<std::size_t> pending{0};    // handed to the worker pool, not yet answered
  std::atomic<std::size_t> in_flight{0};  // fully read, response not yet written
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> overloaded{0};
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> tls_handshake_failures{0};
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::size_t> next_context{0};
  std::chrono::steady_clock::time_point grace_deadline;
  // One io_context per I/O thread, each run by exactly one thread: a connection lives on one
  // context for its whole life, so its handlers need no strand and never wake another I/O thread
  // (with one shared context, every completion could hop threads: measurable context switches).
  // The first context also owns the acceptor, the signals and the drain timer.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  asio::io_context& ioc;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::signal_set hangups;
  asio::steady_timer drain_timer;

  /// Runs the inline handler on the I/O thread; nullopt when the request needs a worker.
  std::optional<Response> handle_inline(const Request& req) {
    if (!inline_handler) return std::nullopt;
    try {
      return inline_handler(req);
    } catch (const std::exception& e) {
      spdlog::error("request_id={} unhandled error: {}", req.request_id, e.what());
    } catch (...) {
      spdlog::error("request_id={} unhandled non-standard exception", req.request_id);
    }
    return to_response(500, "server_error", "internal error");
  }

  Response handle(const Request& req) {
    try {
      return handler(req);
    } catch (const std::exception& e) {
      spdlog::error("request_id={} unhandled error: {}", req.request_id, e.what());
    } catch (...) {
      spdlog::error("request_id={} unhandled non-standard exception", req.request_id);
    }
    return to_response(500, "server_error", "internal error");
  }

  template <class Stream>
  asio::awaitable<void> write(Stream& stream, Response res, unsigned version, bool keep_alive,
                              const std::string& request_id) {
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
    // insert, not set: a response may carry a header more than once (Set-Cookie).
    for (auto& h : res.headers) out.insert(h.name, h.value);
    if (!request_id.empty()) out.set("X-Request-Id", request_id);
    add_security_headers(out, opt.strict_transport_security);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive);
    out.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(opt.idle_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, kTuple);
    (void)n;
    if (ec) throw boost::system::system_error(ec);
  }

  /// Counts a connection for its whole life (also when its coroutine is destroyed at stop).
  struct ConnectionSlot {
    std::atomic<std::size_t>& count;
    ~ConnectionSlot() { count.fetch_sub(1); }
  };

  asio::awaitable<void> session(tcp::socket socket) {
    ConnectionSlot slot{connections};
    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    if (!opt.tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, remote);
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.socket().close(ignored);
      co_return;
    }
    // The context current when the connection arrives; a reload affects later connections only.
    const auto context = opt.tls->current();
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *context);
    beast::get_lowest_layer(stream).expires_after(opt.header_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
    if (!ec) {
      co_await serve(stream, remote);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
      co_await stream.async_shutdown(kTuple);  // close_notify; a peer that does not answer is cut off
    }
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  }

  /// Reads one request (head, then the body after a 100-continue if the client asked for one).
  template <class Stream>
  asio::awaitable<boost::system::error_code> read_request(Stream& stream, beast::flat_buffer& buffer,
                                                          RequestParser& parser, bool first) {
    apply_limits(parser, limits());
    // A new connection must send its request head within header_timeout; a kept-alive one
    // may stay quiet for idle_timeout before its next request.
    beast::get_lowest_layer(stream).expires_after(first ? opt.header_timeout : opt.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, kTuple);
    if (ec || parser.is_done()) co_return ec;
    auto expect = parser.get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser.get().version()};
      beast::get_lowest_layer(stream).expires_after(opt.header_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, cont, kTuple);
      if (wec) co_return wec;
    }
    beast::get_lowest_layer(stream).expires_after(opt.header_timeout);
    auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    co_return bec;
  }

  /// Answers a request that could not be read when the client deserves to know why (too large,
  /// malformed); timeouts, resets and clean closes end the connection quietly.
  template <class Stream>
  asio::awaitable<void> refuse_unreadable(Stream& stream, boost::system::error_code ec) {
    auto refusal = refusal_for(ec);
    if (!refusal) co_return;
    malformed.fetch_add(1, std::memory_order_relaxed);
    co_await write(stream, std::move(*refusal), 11, false, {});
  }

  RequestLimits limits() const { return {opt.max_header_bytes, opt.max_body_bytes}; }

  /// The request as handlers see it (http/request_reader.hpp), with a request id.
  Request to_request(bhttp::request<bhttp::string_body>& msg, const std::string& remote) {
    Request req = http::to_request(msg, remote, opt.trusted_proxies, opt.forwarded_header);
    char id[40];
    std::snprintf(id, sizeof id, "%s-%llx", id_prefix.c_str(),
                  static_cast<unsigned long long>(next_id.fetch_add(1, std::memory_order_relaxed)));
    req.request_id = id;
    req.received = std::chrono::steady_clock::now();
    return req;
  }

  /// The answer of a worker, or 503 when max_pending requests already wait for one.
  asio::awaitable<Response> respond_on_worker(const Request& req) {
    if (pending.fetch_add(1) >= opt.max_pending) {
      pending.fetch_sub(1);
      overloaded.fetch_add(1, std::memory_order_relaxed);
      auto res = to_response(503, "overloaded", "the server is overloaded; retry later");
      res.set("Retry-After", "1");
      co_return res;
    }
    auto res = co_await asio::co_spawn(
        workers.get_executor(), [this, &req]() -> asio::awaitable<Response> { co_return handle(req); }, asio::use_awaitable);
    pending.fetch_sub(1);
    co_return res;
  }

  /// Reads requests from one connection (plain or TLS) and answers them until it closes.
  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, const std::string& remote) {
    // Bounded (read_buffer_limit): chunk framing cannot grow it without end.
    beast::flat_buffer buffer(read_buffer_limit(limits()));
    bool first = true;
    try {
      for (;;) {
        RequestParser parser;
        if (auto ec = co_await read_request(stream, buffer, parser, first)) {
          co_await refuse_unreadable(stream, ec);
          break;
        }
        first = false;
        auto& msg = parser.get();
        const unsigned version = msg.version();
        const bool keep_alive = msg.keep_alive();
        const Request req = to_request(msg, remote);
        in_flight.fetch_add(1);
        // The I/O thread answers what it can itself (no coroutine frame on that path).
        // (No co_await inside a conditional expression: GCC miscompiles that.)
        Response res;
        if (auto answered = handle_inline(req)) res = std::move(*answered);
        else res = co_await respond_on_worker(req);
        // While draining, every answer closes its connection so clients move to another node.
        const bool close = !keep_alive || server.draining();
        try {
          co_await write(stream, std::move(res), version, !close, req.request_id);
        } catch (...) {
          in_flight.fetch_sub(1);
          throw;
        }
        in_flight.fetch_sub(1);
        if (close) break;
        // An idle kept-alive connection holds no more than a small buffer.
        if (buffer.size() == 0 && buffer.capacity() > 16384) buffer.shrink_to_fit();
      }
    } catch (const boost::system::system_error&) {
      // write failed or timed out: the peer is gone
    } catch (const std::exception& e) {
      spdlog::warn("connection from {} ended by error: {}", remote, e.what());
    }
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer backoff(ioc);
    while (acceptor.is_open()) {
      auto& target = *contexts[next_context.fetch_add(1, std::memory_order_relaxed) % contexts.size()];
      auto [ec, socket] = co_await acceptor.async_accept(target.get_executor(), kTuple);
      if (ec) {
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));  // e.g. out of file descriptors
        co_await backoff.async_wait(kTuple);
        continue;
      }
      boost::system::error_code ignored;
      if (connections.fetch_add(1) >= opt.max_connections) {
        connections.fetch_sub(1);
        connections_refused.fetch_add(1, std::memory_order_relaxed);
        socket.close(ignored);  // over the cap: the client (or load balancer) retries elsewhere
        continue;
      }
      socket.set_option(tcp::no_delay(true), ignored);
      auto ex = socket.get_executor();
      asio::co_spawn(ex, session(std::move(socket)), asio::detached);
    }
  }

  /// SIGHUP: reload the TLS certificate and key (the current pair stays if the new one is bad).
  void wait_for_hangup() {
    hangups.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (opt.tls) {
        // Off the I/O thread: reading files and parsing keys must not stall connections.
        asio::post(workers, [tls = opt.tls] { tls->reload(); });
      } else {
        spdlog::info("SIGHUP received: no TLS certificate configured, nothing to reload");
      }
      wait_for_hangup();
    });
  }

  void wait_for_signal() {
    signals.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (server.draining()) {
        spdlog::warn("second signal {}: stopping now", signo);
        stop_now();
        return;
      }
      spdlog::info("signal {} received: draining", signo);
      server.request_shutdown();
      wait_for_signal();
    });
  }

  void begin_drain() {
    drain_timer.expires_after(opt.drain_delay);
    drain_timer.async_wait([this](const boost::system::error_code&) {
      boost::system::error_code ignored;
      acceptor.close(ignored);  // this timer runs on the acceptor's context
      grace_deadline = std::chrono::steady_clock::now() + opt.shutdown_grace;
      spdlog::info("listener closed; waiting for {} in-flight request(s)", in_flight.load());
      wait_in_flight();
    });
  }

  /// Stops the I/O threads and drops handlers still queued on the worker pool (those running
  /// finish their current call).
  void stop_now() {
    workers.stop();
    for (auto& c : contexts) c->stop();
  }

  void wait_in_flight() {
    if (in_flight.load() == 0 || std::chrono::steady_clock::now() >= grace_deadline) {
      if (in_flight.load() != 0) spdlog::warn("shutdown grace over with {} request(s) in flight", in_flight.load());
      stop_now();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(10));
    drain_timer.async_wait([this](const boost::system::error_code&) { wait_in_flight(); });
  }
};

Server::Server(ServerOptions options, RequestHandler handler, InlineHandler inline_handler)
    : impl_(std::make_unique<Impl>(*this, std::move(options), std::move(handler), std::move(inline_handler))) {}

Server::~Server() {
  impl_->workers.stop();
  impl_->workers.join();
}

void Server::listen() {
  auto& s = *impl_;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(s.opt.host, ec);
  if (ec) {
    // A host name: resolve it once at start (never on the request path).
    tcp::resolver resolver(s.ioc);
    auto results = resolver.resolve(s.opt.host, std::to_string(s.opt.port), ec);
    if (ec || results.empty())
      throw StartupError("server.listen: cannot resolve host '" + s.opt.host + "': " + ec.message());
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, s.opt.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw StartupError("server.listen: cannot listen on " + s.opt.host + ":" + std::to_string(s.opt.port) +
                       ": " + ec.message());
}

ServerStats Server::stats() const {
  const auto& i = *impl_;
  ServerStats out;
  out.connections_open = i.connections.load(std::memory_order_relaxed);
  out.connections_refused = i.connections_refused.load(std::memory_order_relaxed);
  out.overloaded = i.overloaded.load(std::memory_order_relaxed);
  out.malformed = i.malformed.load(std::memory_order_relaxed);
  out.tls_handshake_failures = i.tls_handshake_failures.load(std::memory_order_relaxed);
  out.pending = i.pending.load(std::memory_order_relaxed);
  return out;
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  auto& s = *impl_;
  asio::co_spawn(s.ioc, s.accept_loop(), asio::detached);
  s.wait_for_signal();
  s.wait_for_hangup();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < s.contexts.size(); ++i) threads.emplace_back([&s, i] { s.contexts[i]->run(); });
  s.ioc.run();
  for (auto& t : threads) t.join();
  s.workers.join();
}

void Server::request_shutdown() {
  if (draining_.exchange(true)) return;
  asio::post(impl_->ioc, [this] { impl_->begin_drain(); });
}

}  // namespace gatehouse::http
