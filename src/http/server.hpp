#pragma once
// The HTTP/1.1 server: owns sockets, parsing limits, timeouts, keep-alive and graceful shutdown
// (C6). Requests are read on the I/O threads and handled on a bounded worker pool, so a handler may
// block on the store or do crypto without stalling other connections. Beyond max_pending requests
// in the pool the server answers 503 at once instead of queueing without bound.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/address.hpp"
#include "http/message.hpp"
#include "http/tls.hpp"

namespace gatehouse::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 9011;
  int io_threads = 1;
  int worker_threads = 2;
  std::size_t max_pending = 1024;
  std::size_t max_connections = 4096;
  std::size_t max_body_bytes = 65536;
  std::size_t max_header_bytes = 16384;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds drain_delay{1000};
  std::chrono::milliseconds shutdown_grace{10000};
  /// Peers whose X-Forwarded-* / Forwarded headers are believed (Request::client_address).
  AddressList trusted_proxies;
  /// The one header those peers write the forwarding chain in.
  ForwardedHeader forwarded_header = ForwardedHeader::kXForwardedFor;
  /// TLS on the listener (nullptr: plain HTTP). SIGHUP reloads it.
  std::shared_ptr<TlsCertificates> tls;
  /// Strict-Transport-Security sent with every response ("": none). Set when the public URL is
  /// https, also behind a TLS-terminating proxy (browsers ignore it over plain http).
  std::string strict_transport_security;
};

/// What the server answered or refused by itself, before any handler saw a request (/metrics).
struct ServerStats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_refused = 0;     // closed at once: max_connections were open
  std::uint64_t overloaded = 0;              // 503 at once: max_pending requests were waiting
  std::uint64_t malformed = 0;               // 400 / 413 / 431 before routing
  std::uint64_t tls_handshake_failures = 0;  // connections that never finished the handshake
  std::uint64_t pending = 0;                 // handed to the worker pool, not yet answered
};

/// Handles one request on a worker thread. Must not throw (the server turns a throw into a 500
/// anyway and logs it, but handlers map faults to proper answers themselves).
using RequestHandler = std::function<Response(const Request&)>;
/// Runs on the I/O thread before the hand-off: answers requests that need neither the store nor
/// any wait (static documents), or returns nullopt to send the request to the worker pool.
/// Must never block.
using InlineHandler = std::function<std::optional<Response>(const Request&)>;

class Server {
 public:
  Server(ServerOptions options, RequestHandler handler, InlineHandler inline_handler = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listening socket. @throws StartupError naming the address if it cannot.
  void listen();
  /// The bound port (useful when options.port was 0).
  unsigned short port() const;
  /// Runs until shutdown completes: SIGTERM or SIGINT (or request_shutdown()) starts draining —
  /// draining() turns true, new requests still get answers for drain_delay, then the listener
  /// closes, in-flight requests get up to shutdown_grace to finish, and run() returns. Handlers
  /// still queued when the grace ends are dropped; a second signal stops at once.
  void run();
  /// Thread safe; idempotent.
  void request_shutdown();
  bool draining() const { return draining_.load(std::memory_order_relaxed); }
  /// Thread safe.
  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> draining_{false};
};

}  // namespace gatehouse::http
