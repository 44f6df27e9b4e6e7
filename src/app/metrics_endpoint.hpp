#pragma once
// GET /metrics: this node's figures in the Prometheus text format (core/metrics.hpp), for a
// scraper that reads every node. Readable from metrics.allow (after server.trusted_proxies) or
// with metrics.token as a bearer token; anything else is 403.

#include <functional>
#include <optional>
#include <string>

#include "cache/redis_client.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/request_stats.hpp"
#include "http/address.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "storage/backend.hpp"

namespace gatehouse::app {

/// What the endpoint reads; everything must outlive the router.
struct MetricsSources {
  const stats::RequestStats& requests;
  const metrics::CounterFamily& logins;        // outcome
  const metrics::CounterFamily& job_runs;      // job, outcome
  const metrics::CounterFamily& store_errors;  // (no labels)
  const cache::RedisClient* redis;             // nullptr without Redis
  storage::Backend& store;
  std::function<std::int64_t()> applied_event;  // this node's event watermark
  std::string node_id;
  std::string version;
  UnixSeconds started_at = 0;
  std::function<http::ServerStats()> server;  // empty: no server figures
  const metrics::CounterFamily* directory_sign_ins = nullptr;  // source, outcome
  std::function<void(metrics::Writer&)> directories = {};     // the servers' gauges; empty: none
};

struct MetricsAccess {
  http::AddressList allow;
  std::string token_digest;  // SHA-256 of metrics.token; "" = no token
};

/// The exposition document (reads the store for node counts and the latest event; if it cannot,
/// gatehouse_store_up is 0 and those families are left out).
std::string render_metrics(const MetricsSources& sources);

/// true if the request may read: a matching bearer token, or a client address in the list.
bool metrics_allowed(const MetricsAccess& access, const http::Request& request);

/// Registers GET /metrics (the route keeps its own copy of both; what `sources` refers to must
/// outlive the router).
void add_metrics_route(http::Router& router, MetricsSources sources, MetricsAccess access);

}  // namespace gatehouse::app
