// Every route of a node, and the two handlers the HTTP server calls (STYLE C6: handlers never touch
// the socket; the server owns TLS, limits, timeouts, keep-alive and shutdown).

#include <optional>
#include <string_view>

#include "app/logging.hpp"
#include "app/metrics_endpoint.hpp"
#include "app/options.hpp"
#include "app/status.hpp"
#include "app/identity_sources.hpp"
#include "app/wiring.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/token/token_endpoint.hpp"

#ifndef GATEHOUSE_VERSION
#define GATEHOUSE_VERSION "0.0.0"
#endif

namespace gatehouse::app {

void add_node_routes(Wiring& w, std::function<bool()> draining, std::function<http::ServerStats()> server_stats) {
  auto& router = w.router;
  router.add("GET", "/api/status", [&w, draining](const http::Request&, const http::PathParams&) {
    return status_response(StatusProbe{draining(), [&w] { return w.store->ping(); }, [&w] { return w.cluster->in_step(); },
                                       GATEHOUSE_VERSION, w.cluster->membership().node_id(),
                                       [&w] { return w.cluster->membership().clock_off(); }});
  });
  oidc::add_routes(router, w.discovery_deps);
  oauth::add_token_routes(router, w.oauth_deps);
  oauth::add_routes(router, w.oauth_deps);
  oidc::add_userinfo_routes(router, w.userinfo_deps);
  oidc::add_authorize_routes(router, w.authorize_deps);
  signin::add_sign_in_routes(router, w.sign_in);
  signin::account::add_account_routes(router, w.account);
  oidc::add_logout_routes(router, w.logout_deps);
  cas::add_cas_routes(router, w.cas_front_door);
  saml::add_saml_routes(router, w.saml_front_door);
  admin::add_routes(router, w.admin_deps);
  MetricsSources sources{w.request_stats, w.logins, w.job_runs, w.store_errors, w.redis.get(), *w.store,
                               [&w] { return w.cluster->events().watermark(); }, node_id_of(w.config),
                               GATEHOUSE_VERSION, w.started_at, std::move(server_stats)};
  sources.directory_sign_ins = &w.directory_sign_ins;
  sources.directories = [&w](metrics::Writer& out) { write_directory_metrics(out, w.directories); };
  const auto& m = w.config.metrics;
  MetricsAccess access{*http::AddressList::parse(m.allow), m.token.empty() ? std::string() : jose::sha256(m.token.reveal())};
  add_metrics_route(router, std::move(sources), std::move(access));
}

namespace {

// A node whose clock is too far from the database's (cluster.max_clock_skew_ms) would put wrong
// times into what it issues and stores: tokens, codes, sessions, lockouts, keys. It answers only
// its health check, its metrics and the system view (GET: a key rotation or a job run would be
// stamped with its clock), so the requests the balancer sent before its
// check failed, and any sent to it directly, are refused instead of served with a wrong clock.
std::optional<http::Response> refuse_while_clock_off(Wiring& w, const http::Request& req) {
  const auto skew = w.cluster->membership().clock_off();
  if (!skew) return std::nullopt;
  const std::string_view path = req.path;
  if (path == "/api/status" || path == "/metrics" || (req.method == "GET" && path.starts_with("/api/system/")))
    return std::nullopt;
  auto r = http::json_error(503, "temporarily_unavailable",
                            "this node's clock is " + std::to_string(*skew) + " ms off the database's; retry later");
  r.set("Retry-After", "1");
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace

http::RequestHandler worker_handler(Wiring& w) {
  return [&w](const http::Request& req) {
    logging::RequestIdScope named(req.request_id);
    stats::RequestScope accounted(w.request_stats, req.received);
    if (auto refused = refuse_while_clock_off(w, req)) {
      accounted.finish(refused->status);
      return std::move(*refused);
    }
    try {
      auto r = w.router.dispatch(req);
      accounted.finish(r.status);
      return r;
    } catch (const StorageError& e) {
      // The OAuth endpoints answer their own store faults (OAuth-shaped); this is every other
      // route's answer, in the admin API's documented shape.
      spdlog::error("request_id={} store unavailable: {}", req.request_id, e.what());
      w.store_errors.add({});
      auto r = http::json_error(503, "temporarily_unavailable", "the store is unavailable; retry later");
      r.set("Retry-After", "1");
      r.set("Cache-Control", "no-store");
      accounted.finish(r.status);
      return r;
    }
  };
}

http::InlineHandler inline_handler(Wiring& w) {
  return [&w](const http::Request& req) {
    logging::RequestIdScope named(req.request_id);
    stats::RequestScope accounted(w.request_stats, req.received);
    if (auto refused = refuse_while_clock_off(w, req)) {
      accounted.finish(refused->status);
      return refused;
    }
    auto answer = w.router.dispatch_inline(req);
    if (!answer) accounted.dismiss();  // a worker answers it, and accounts for it there
    else accounted.finish(answer->status);
    return answer;
  };
}

}  // namespace gatehouse::app
