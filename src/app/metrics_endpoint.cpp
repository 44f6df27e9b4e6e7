#include "app/metrics_endpoint.hpp"

#include <unistd.h>

#include <fstream>
#include <map>

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::app {
namespace {

constexpr std::string_view kTokenRoute = "POST /oauth2/token (";

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

/// The node itself: build, start time, memory.
void write_process(metrics::Writer& out, const MetricsSources& s) {
  out.family("gatehouse_build_info", "gauge", "Always 1; the labels name this node and its version.");
  out.sample("gatehouse_build_info", {{"version", s.version}, {"node_id", s.node_id}}, 1);
  out.family("gatehouse_process_start_time_seconds", "gauge", "When this node started (Unix time).");
  out.sample("gatehouse_process_start_time_seconds", {}, static_cast<double>(s.started_at));
  out.family("gatehouse_process_resident_memory_bytes", "gauge", "Resident memory of this node.");
  out.sample("gatehouse_process_resident_memory_bytes", {}, resident_bytes());
}

/// Requests by route and status, store round trips, tokens by grant.
void write_requests(metrics::Writer& out, const MetricsSources& s) {
  const auto series = s.requests.series();
  out.family("gatehouse_http_requests_total", "counter", "Requests answered, by route and status.");
  for (const auto& r : series) {
    const auto status = std::to_string(r.status);
    out.sample("gatehouse_http_requests_total", {{"route", r.kind}, {"status", status}}, static_cast<double>(r.latency.count));
  }
  out.family("gatehouse_http_request_duration_seconds", "histogram",
             "Time from reading a request to its answer (waiting for a worker included), by route and status.");
  for (const auto& r : series) {
    const auto status = std::to_string(r.status);
    out.histogram("gatehouse_http_request_duration_seconds", {{"route", r.kind}, {"status", status}}, r.latency);
  }
  std::map<std::string, std::uint64_t> trips_by_route;
  std::map<std::string, std::uint64_t> tokens_by_grant;
  for (const auto& r : series) {
    trips_by_route[r.kind] += r.store_round_trips;
    // A 200 from the token endpoint is a token response.
    if (r.status == 200 && r.kind.starts_with(kTokenRoute) && r.kind.ends_with(")"))
      tokens_by_grant[r.kind.substr(kTokenRoute.size(), r.kind.size() - kTokenRoute.size() - 1)] += r.latency.count;
  }
  out.family("gatehouse_store_round_trips_total", "counter",
             "Round trips to a network store (PostgreSQL) made by requests, by route; SQLite makes none.");
  for (const auto& [route, n] : trips_by_route)
    out.sample("gatehouse_store_round_trips_total", {{"route", route}}, static_cast<double>(n));
  out.family("gatehouse_tokens_issued_total", "counter", "Token responses, by grant type.");
  for (const auto& [grant, n] : tokens_by_grant)
    out.sample("gatehouse_tokens_issued_total", {{"grant_type", grant}}, static_cast<double>(n));
}

/// What the HTTP server refused or holds now.
void write_server(metrics::Writer& out, const MetricsSources& s) {
  const auto server = s.server();
  out.family("gatehouse_http_connections_open", "gauge", "Client connections open now.");
  out.sample("gatehouse_http_connections_open", {}, static_cast<double>(server.connections_open));
  out.family("gatehouse_http_requests_pending", "gauge", "Requests waiting for or on a worker now.");
  out.sample("gatehouse_http_requests_pending", {}, static_cast<double>(server.pending));
  out.family("gatehouse_http_refused_total", "counter",
             "What the server refused by itself, before routing: connections over server.max_connections "
             "(closed), requests over server.max_pending (503 overloaded), malformed or oversized requests "
             "(400/413/431), failed TLS handshakes.");
  out.sample("gatehouse_http_refused_total", {{"reason", "connections"}}, static_cast<double>(server.connections_refused));
  out.sample("gatehouse_http_refused_total", {{"reason", "overloaded"}}, static_cast<double>(server.overloaded));
  out.sample("gatehouse_http_refused_total", {{"reason", "malformed"}}, static_cast<double>(server.malformed));
  out.sample("gatehouse_http_refused_total", {{"reason", "tls_handshake"}}, static_cast<double>(server.tls_handshake_failures));
}

/// The Redis client's health and traffic.
void write_redis(metrics::Writer& out, const MetricsSources& s) {
  out.family("gatehouse_redis_up", "gauge", "1 while Redis answers, 0 during the pause after a failure.");
  out.sample("gatehouse_redis_up", {}, s.redis->available() ? 1 : 0);
  out.family("gatehouse_redis_round_trips_total", "counter", "Commands sent to Redis.");
  out.sample("gatehouse_redis_round_trips_total", {}, static_cast<double>(s.redis->round_trips()));
  out.family("gatehouse_redis_errors_total", "counter", "Redis commands that failed (the database answered instead).");
  out.sample("gatehouse_redis_errors_total", {}, static_cast<double>(s.redis->errors()));
  out.family("gatehouse_redis_skipped_total", "counter", "Redis calls not sent during the pause after a failure.");
  out.sample("gatehouse_redis_skipped_total", {}, static_cast<double>(s.redis->skipped()));
}

/// Cluster events, membership and whether the store answers.
void write_cluster(metrics::Writer& out, const MetricsSources& s) {
  const auto applied = s.applied_event ? s.applied_event() : 0;
  out.family("gatehouse_cluster_event_applied", "gauge", "The last cluster event this node has applied.");
  out.sample("gatehouse_cluster_event_applied", {}, static_cast<double>(applied));
  bool store_up = true;
  try {
    const auto latest = s.store.events().latest_seq();
    const auto nodes = s.store.nodes().list();
    out.family("gatehouse_cluster_event_latest", "gauge", "The latest cluster event in the store.");
    out.sample("gatehouse_cluster_event_latest", {}, static_cast<double>(latest));
    out.family("gatehouse_cluster_event_lag", "gauge", "Cluster events this node has yet to apply.");
    out.sample("gatehouse_cluster_event_lag", {}, static_cast<double>(latest > applied ? latest - applied : 0));
    std::map<std::string, int> by_state{{"up", 0}, {"recovering", 0}, {"left", 0}};
    for (const auto& n : nodes) ++by_state[std::string(cluster::to_string(n.state))];
    out.family("gatehouse_cluster_nodes", "gauge", "Nodes in the cluster's membership table, by state.");
    for (const auto& [state, n] : by_state) out.sample("gatehouse_cluster_nodes", {{"state", state}}, n);
  } catch (const StorageError& e) {
    spdlog::warn("metrics: store unavailable: {}", e.what());
    store_up = false;
  }
  out.family("gatehouse_store_up", "gauge", "1 if this scrape could read the store.");
  out.sample("gatehouse_store_up", {}, store_up ? 1 : 0);
}

}  // namespace

std::string render_metrics(const MetricsSources& s) {
  metrics::Writer out;
  write_process(out, s);
  write_requests(out, s);
  if (s.server) write_server(out, s);
  s.logins.write(out);
  s.store_errors.write(out);
  s.job_runs.write(out);
  if (s.redis != nullptr) write_redis(out, s);
  if (s.directory_sign_ins != nullptr) s.directory_sign_ins->write(out);
  if (s.directories) s.directories(out);
  write_cluster(out, s);
  return out.take();
}

bool metrics_allowed(const MetricsAccess& access, const http::Request& request) {
  if (!access.token_digest.empty()) {
    if (const auto* authorization = request.header("authorization");
        authorization != nullptr && authorization->size() > 7 && http::ascii_lower(authorization->substr(0, 7)) == "bearer ") {
      return jose::constant_time_equal(jose::sha256(authorization->substr(7)), access.token_digest);
    }
  }
  return access.allow.contains(request.client_address);
}

void add_metrics_route(http::Router& router, MetricsSources sources, MetricsAccess access) {
  router.add("GET", "/metrics", [sources = std::move(sources), access = std::move(access)](const http::Request& request,
                                                                                            const http::PathParams&) {
    if (!metrics_allowed(access, request)) {
      auto r = http::json_error(403, "forbidden", "metrics are readable from metrics.allow or with metrics.token");
      r.set("Cache-Control", "no-store");
      return r;
    }
    http::Response r;
    r.body = render_metrics(sources);
    r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.set("Cache-Control", "no-store");
    return r;
  });
}

}  // namespace gatehouse::app
