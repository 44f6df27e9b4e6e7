#include "app/node.hpp"

#include <thread>

#include "app/options.hpp"
#include "app/wiring.hpp"
#include "core/log.hpp"
#include "http/server.hpp"

namespace gatehouse::app {

Node::Node(const config::Config& config) : parts_(std::make_unique<Wiring>(config)) {}
Node::~Node() = default;

void Node::serve(std::chrono::steady_clock::time_point started) {
  auto& w = *parts_;
  const auto options = server_options(w.config);
  http::Server* server_ptr = nullptr;
  add_node_routes(
      w, [&server_ptr] { return server_ptr != nullptr && server_ptr->draining(); },
      [&server_ptr] { return server_ptr != nullptr ? server_ptr->stats() : http::ServerStats{}; });
  if (options.tls) spdlog::info("TLS on the listener (certificate sha256 {}); SIGHUP reloads it", options.tls->fingerprint());
  http::Server server(options, worker_handler(w), inline_handler(w));
  server_ptr = &server;
  server.listen();
  w.cluster->start();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("listening on {}:{} (issuer {}, {} I/O + {} worker threads)", options.host, server.port(),
               w.config.server.public_url, options.io_threads, options.worker_threads);
  spdlog::info("ready in {} ms", ms);
  server.run();
  w.cluster->stop();  // marks this node left: the others need not wait for a timeout
  spdlog::info("stopped");
}

}  // namespace gatehouse::app
