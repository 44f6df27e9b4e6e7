#include "app/node.hpp"


#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <stop_token>
#include <thread>

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "app/backends.hpp"
#include "app/cluster_runtime.hpp"
#include "app/metrics_endpoint.hpp"
#include "app/kickstart.hpp"
#include "app/logging.hpp"
#include "app/options.hpp"
#include "app/status.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_counters.hpp"
#include "cache/redis_rate.hpp"
#include "cache/redis_replay.hpp"
#include "client/secret_hasher.hpp"
#include "cluster/purge.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "limits/rate_limiter.hpp"
#include "core/request_stats.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/bootstrap.hpp"
#include "keys/key_ring.hpp"
#include "keys/master_key.hpp"
#include "oauth/endpoints.hpp"
#include "oauth/token/token_endpoint.hpp"
#include "oidc/discovery.hpp"
#include "oidc/authorize/authorize_endpoint.hpp"
#include "oidc/authorize/issue_code.hpp"
#include "oidc/logout.hpp"
#include "oidc/grants/user_grants.hpp"
#include "oidc/userinfo.hpp"
#include "signin/sign_in.hpp"
#include "token/access_token.hpp"
#include "user/user_cache.hpp"

#ifndef GATEHOUSE_VERSION
#define GATEHOUSE_VERSION "0.0.0"
#endif

namespace gatehouse::app {
namespace {

/// The channel a node publishes on after a change that produced cluster events.
constexpr std::string_view kEventsChannel = "gatehouse:events";

// Near-caches are invalidated by cluster events within a second; the TTL only bounds a missed one.
constexpr std::chrono::seconds kClientCacheTtl{30};

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

/// Every kind of expiring data the job "purge.expired" deletes, at the time of its run.
std::vector<cluster::PurgeTarget> purge_targets(storage::Backend& store, const Clock& clock) {
  const auto now = clock.now();
  return {
      {"revocation entries", [=, &store, &clock](std::size_t l) { return store.revocations().purge_expired(now, l); }},
      {"used client assertions", [=, &store, &clock](std::size_t l) { return store.replays().purge_expired(now, l); }},
      {"rate-limit windows", [=, &store, &clock](std::size_t l) { return store.rate_counters().purge_expired(now, l); }},
      {"login transactions", [=, &store, &clock](std::size_t l) { return store.login_transactions().purge_expired(now, l); }},
      {"SSO sessions", [=, &store, &clock](std::size_t l) { return store.sso_sessions().purge_expired(now, l); }},
      {"authorization codes", [=, &store, &clock](std::size_t l) { return store.codes().purge_expired(now, l); }},
      {"sign-in failure counters", [=, &store, &clock](std::size_t l) { return store.users().purge_failed_logins(now - 86400, l); }},
      {"refresh tokens and grant records", [=, &store, &clock](std::size_t l) { return store.refresh_tokens().purge_expired(now, l); }},
      // Events are read within seconds; a day covers any node that was away and comes back.
      {"cluster events", [=, &store, &clock](std::size_t l) { return store.events().purge_before(clock.now_ms() - 86'400'000, l); }},
      {"job runs", [=, &store, &clock](std::size_t l) { return store.jobs().purge_runs(clock.now_ms() - 7 * 86'400'000LL, l); }},
      // The audit trail is kept 400 days (a year and a margin for annual reviews).
      {"audit events", [=, &store, &clock](std::size_t l) { return store.audit().purge_before(clock.now_ms() - 400 * 86'400'000LL, l); }},
  };
}

/// A short hash of the configuration every node of a cluster must share (the keys the config
/// schema does not mark node-local), so /api/system/nodes can show drift.
std::string cluster_config_hash(const config::Config& c) {
  return hex(jose::sha256(config::render_cluster_wide(c))).substr(0, 16);
}

/// Identifies the signing keys a node serves: their kids and states.
std::string keyset_of(const keys::KeySet& set) {
  std::string ids;
  for (const auto& k : set.keys()) ids += k.kid + ":" + std::string(keys::to_string(k.state)) + ";";
  return hex(jose::sha256(ids)).substr(0, 16);
}

/// Reads and validates bootstrap.kickstart before anything is written, so a bad file writes nothing.
std::optional<KickstartPlan> read_bootstrap_plan(const config::Config& c) {
  if (c.bootstrap.kickstart.empty()) return std::nullopt;
  auto plan = read_kickstart(c.bootstrap.kickstart, kickstart_rules(c));
  if (!plan) throw StartupError("bootstrap.kickstart: " + plan.error());
  return std::move(*plan);
}

}  // namespace

struct Node::Parts {
  explicit Parts(const config::Config& c)
      : config(c),
        bootstrap_plan(read_bootstrap_plan(c)),
        store(open_store(c)),
        redis(open_redis(c)),
        redis_users(redis ? std::make_unique<cache::RedisCountingUserStore>(store->users(), *redis) : nullptr),
        master(keys::load_master_key({c.keys.master_key_file, c.keys.master_key}, store->keys())),
        client_secrets(master.derive(keys::kClientSecretHashPurpose)),
        api_key_hasher(master.derive(keys::kApiKeyHashPurpose)),
        passwords(argon2_params(c)),
        key_manager(store->keys(), master, clock),
        codec(ring, c.server.public_url),
        client_cache(store->clients(), kClientCacheTtl),
        user_cache(redis_users ? static_cast<user::UserStore&>(*redis_users) : store->users(), kClientCacheTtl),
        redis_replays(redis ? std::make_unique<cache::RedisReplayStore>(store->replays(), *redis) : nullptr),
        redis_rates(redis ? std::make_unique<cache::RedisCounterStore>(store->rate_counters(), *redis) : nullptr),
        rate_limiter(redis_rates ? static_cast<limits::CounterStore&>(*redis_rates) : store->rate_counters(), clock),
        assertions(c.server.public_url,
                   redis_replays ? static_cast<token::ReplayStore&>(*redis_replays) : store->replays(), clock,
                   assertion_policy),
        oauth_deps{client_cache,  client_secrets, codec, store->revocations(), clock,
                   std::chrono::seconds(c.tokens.access_token_ttl), &client_cache, &assertions},
        user_grant_deps{store->codes(), store->refresh_tokens(), user_cache, master.derive(keys::kRefreshGracePurpose),
                        c.tokens.refresh_token_ttl.count(), c.tokens.refresh_grace.count(), c.tokens.id_token_ttl.count(),
                        c.tokens.refresh_token_max_lifetime.count()},
        userinfo_deps{codec, store->revocations(), user_cache, clock},
        sign_in_deps{user_cache, passwords, store->login_transactions(), store->sso_sessions(), clock,
                     {c.login.session_cookie, c.login.session_cookie_path, c.server.public_url.rfind("https://", 0) == 0},
                     c.login.session_idle_timeout.count(), c.login.session_lifetime.count(), c.login.transaction_ttl.count(),
                     {c.login.lockout_threshold, c.login.lockout_window.count(), c.login.lockout_duration.count()}},
        authorize_deps{client_cache, store->codes(), clock, sign_in, c.server.public_url, c.tokens.code_ttl.count(),
                       c.oauth.require_pkce},
        discovery_deps{c.server.public_url, c.keys.algorithms, std::chrono::seconds(c.keys.jwks_max_age), ring},
        admin_deps{client_cache, store->clients(), store->api_keys(), client_secrets, api_key_hasher,
                   metadata_defaults(c), clock, user_cache, passwords, c.passwords.min_length,
                   store->nodes(), store->jobs(), store->events(), node_id_of(c), store->keys(),
                   [this] { return rotate_keys(true); }, &request_stats} {
    oidc::add_user_grants(oauth_deps.grants, user_grant_deps);
    oauth_deps.count_store_fault = [this] { store_errors.add({}); };
    userinfo_deps.count_store_fault = [this] { store_errors.add({}); };
    oauth_deps.refresh_tokens = &store->refresh_tokens();
    oauth_deps.users = &user_cache;
    keys::ensure_keys_once(store->keys(), store->jobs(), key_manager, algorithms_of(c), clock, node_id_of(c));
    ring.publish(key_manager.load());
    if (bootstrap_plan)
      apply_kickstart(*bootstrap_plan, KickstartTargets{client_cache, store->api_keys(), user_cache, store->settings(),
                                                        client_secrets, api_key_hasher, passwords, clock});
    ClusterRuntimeOptions o;
    o.membership.node_id = node_id_of(c);
    o.membership.url = c.cluster.node_url;
    o.membership.version = GATEHOUSE_VERSION;
    o.membership.config_hash = cluster_config_hash(c);
    o.membership.instance_timeout = c.cluster.instance_timeout_ms;
    o.membership.recovery_timeout = c.cluster.instance_recovery_timeout_ms;
    o.membership.take_over_at_start = !c.cluster.enabled;
    o.checkin_interval = c.cluster.checkin_interval_ms;
    o.checkin_offset = c.cluster.checkin_offset_ms;
    o.resync = [this] {
      ring.publish(key_manager.load());
      theme.reload();
      client_cache.clear();
      user_cache.clear();
    };
    cluster = std::make_unique<ClusterRuntime>(
        *store, clock, o, [this](const cluster::ClusterEvent& e) { apply_event(e); },
        [this] { return keyset_of(*ring.current()); });
    if (redis) {
      // Every node hears of a change through Redis at once, besides the database's own channel.
      client_cache.set_after_write([this] { publish_change(); });
      user_cache.set_after_write([this] { publish_change(); });
      redis_events = std::make_unique<cache::RedisSubscriber>(redis_options(c), std::string(kEventsChannel),
                                                              [this] { cluster->wake(); });
    }
    add_job(cluster->membership().sweep_job(c.cluster.checkin_interval_ms));
    add_job(cluster::purge_job([this] { return purge_targets(*store, clock); }, 5 * 60 * 1000));
    add_job({"keys.rotate", 60 * 1000, [this] { return rotate_keys(false).summary(); }});
    admin_deps.audit = &store->audit();
    admin_deps.sso_sessions = &store->sso_sessions();
    admin_deps.grants = &store->refresh_tokens();
    admin_deps.users_uncached = &store->users();
    theme.reload();
    sign_in_deps.theme = &theme;
    sign_in_deps.csrf_key = signin::CsrfKey(master.derive(keys::kCsrfTokenPurpose).reveal());
    sign_in.add_front_door(oidc_front_door);
    admin_deps.get_theme = [this] { return signin::theme_json(*theme.current()); };
    admin_deps.put_theme = [this](const boost::json::object& doc) -> Result<void, std::string> {
      auto parsed = signin::parse_theme(doc);
      if (!parsed) return unexpected(parsed.error());
      theme.save(std::move(*parsed), clock.now());
      publish_change();
      return {};
    };
    const auto& rl = c.rate_limits;
    const auto window = static_cast<UnixSeconds>(rl.window.count());
    // A client's own budget is spent only once it has authenticated; failures count against the
    // address they came from (so nobody can make another client's requests answer 429).
    auto& token_limits = oauth_deps.limits;
    if (rl.token_per_ip > 0)
      token_limits.per_address = [this, rule = limits::Rule{"token-ip", rl.token_per_ip, window}](std::string_view address) {
        return rate_limiter.over_limit(rule, address);
      };
    if (rl.token_per_client > 0)
      token_limits.per_client = [this, rule = limits::Rule{"token-client", rl.token_per_client, window}](std::string_view id) {
        return rate_limiter.over_limit(rule, id);
      };
    if (rl.client_auth_failures_per_ip > 0) {
      const limits::Rule rule{"client-auth-fail-ip", rl.client_auth_failures_per_ip, window};
      token_limits.failures_exhausted = [this, rule](std::string_view address) { return rate_limiter.exhausted(rule, address); };
      token_limits.failed = [this, rule](std::string_view address) { rate_limiter.record(rule, address); };
    }
    if (rl.login_per_client > 0 || rl.login_per_ip > 0) {
      sign_in_deps.login_rate_limit = [this, rl, window](std::string_view client_id, std::string_view address) {
        return limited({"login-client", rl.login_per_client, window}, client_id, {"login-ip", rl.login_per_ip, window}, address);
      };
    }
    if (rl.authorize_per_ip > 0) {
      sign_in_deps.transaction_rate_limit = [this, rl, window](std::string_view address) {
        return rate_limiter.over_limit({"authorize-ip", rl.authorize_per_ip, window}, address);
      };
      sign_in_deps.transaction_finished = [this, rl, window](std::string_view address) {
        rate_limiter.release({"authorize-ip", rl.authorize_per_ip, window}, address);
      };
    }
    {
      // Failed API key attempts are always counted (the first of each address and window is
      // audited); they are refused once over the limit, if there is one.
      const limits::Rule rule{"api-key-fail-ip",
                              rl.api_key_failures_per_ip > 0 ? rl.api_key_failures_per_ip
                                                             : std::numeric_limits<std::int64_t>::max(),
                              window};
      admin_deps.key_failed = [this, rule](std::string_view address) { return rate_limiter.record(rule, address); };
      if (rl.api_key_failures_per_ip > 0)
        admin_deps.key_failures_exhausted = [this, rule](std::string_view address) {
          return rate_limiter.exhausted(rule, address);
        };
    }
    sign_in_deps.on_sign_in = [this](const signin::SignInEvent& e) {
      logins.add({e.outcome});
      admin::AuditEvent a;
      a.at = clock.now_ms();
      a.node_id = node_id_of(config);
      a.actor = e.user_id.empty() ? "login:" + e.login_name : "user:" + e.user_id;
      a.action = "sign_in." + std::string(e.outcome);
      a.target = e.service;
      a.client_address = e.client_address;
      try {
        store->audit().append(a);
      } catch (const std::exception& ex) {
        spdlog::error("audit: could not record {} for client {}: {}", a.action, a.target, ex.what());
      }
    };
    if (auto ring = log_ring()) {
      admin_deps.local_logs = [ring](std::uint64_t after, std::size_t limit) {
        std::vector<std::pair<std::uint64_t, std::string>> out;
        for (auto& line : ring->recent(after, limit)) out.emplace_back(line.seq, std::move(line.text));
        return out;
      };
    }
    if (!c.cluster.node_ca_file.empty()) {
      if (auto loaded = http::check_ca_file(c.cluster.node_ca_file); !loaded)
        throw StartupError("cluster.node_ca_file: " + loaded.error());
    }
    {
      http::ClientOptions o;
      o.ca_file = c.cluster.node_ca_file;
      // At most half the workers wait on other nodes; the rest keep serving whatever they do.
      const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      o.max_in_flight = static_cast<std::size_t>(std::max(1, auto_threads(c.server.worker_threads, cores) / 2));
      node_client = std::make_unique<http::Client>(std::move(o));
    }
    admin_deps.fetch = [this](const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers) {
      return node_client->get(url, headers);
    };
    admin_deps.node_key = master.derive(keys::kNodeRequestPurpose);
    // The nonces of node-to-node requests live beside the used client assertions (own key prefix;
    // at most 31 s, within the Redis store's remember_for).
    admin_deps.node_nonces = redis_replays ? static_cast<token::ReplayStore*>(redis_replays.get()) : &store->replays();
  }

  /// Counts one request against both rules (each 0 = off); the longer wait when either is over.
  std::optional<UnixSeconds> limited(const limits::Rule& by_client, std::string_view client_id, const limits::Rule& by_ip,
                                     std::string_view address) {
    auto a = rate_limiter.over_limit(by_client, client_id);
    auto b = rate_limiter.over_limit(by_ip, address);
    if (!a && !b) return std::nullopt;
    return std::max(a.value_or(0), b.value_or(0));
  }

  /// Registers a cluster job whose runs on this node are counted by outcome (/metrics).
  void add_job(cluster::JobSpec job) {
    job.run = [this, name = job.name, run = std::move(job.run)] {
      try {
        auto summary = run();
        job_runs.add({name, "ok"});
        return summary;
      } catch (...) {
        job_runs.add({name, "failed"});
        throw;
      }
    };
    cluster->add_job(std::move(job));
  }

  /// One rotation step (the job "keys.rotate", or forced by an operator); this node signs with the
  /// result at once, the others when the key change's events reach them.
  keys::RotationResult rotate_keys(bool force) {
    auto result = key_manager.rotate(algorithms_of(config), rotation_policy(config), force);
    if (result.changed()) {
      ring.publish(key_manager.load());
      publish_change();
    }
    return result;
  }

  /// Tells the other nodes through Redis (when configured) that cluster events are waiting; they
  /// read them from the database. Best effort: without Redis they learn it from the database's
  /// notification or their next poll.
  void publish_change() noexcept {
    if (!redis) return;
    try {
      redis->command({"PUBLISH", kEventsChannel, "1"});
    } catch (...) {
    }
  }

  /// What a change made elsewhere (another node, a `gatehouse` command) means for this node's caches.
  void apply_event(const cluster::ClusterEvent& e) {
    if (e.kind == cluster::kClientChanged) {
      client_cache.invalidate(e.key);
    } else if (e.kind == cluster::kUserChanged) {
      user_cache.invalidate(e.key);
    } else if (e.kind == cluster::kKeyChanged) {
      ring.publish(key_manager.load());
    } else if (e.kind == cluster::kSettingChanged && e.key == signin::kThemeSetting) {
      theme.reload();
    }
    // Settings and sessions are read from the store on every use: nothing cached to drop.
  }

  config::Config config;
  std::optional<KickstartPlan> bootstrap_plan;
  SystemClock clock;
  UnixSeconds started_at = clock.now();
  metrics::CounterFamily logins{"gatehouse_logins_total",
                                "Hosted sign-in attempts by outcome (success, failure, lockout, locked).", {"outcome"}};
  metrics::CounterFamily job_runs{"gatehouse_job_runs_total", "Cluster job runs on this node by job and outcome.",
                                  {"job", "outcome"}};
  metrics::CounterFamily store_errors{"gatehouse_store_errors_total",
                                      "Requests answered 503 because the store was unavailable.", {}};
  std::unique_ptr<storage::Backend> store;
  std::unique_ptr<cache::RedisClient> redis;                    // null without [cache] redis_url
  std::unique_ptr<cache::RedisCountingUserStore> redis_users;   // failed sign-ins in Redis
  keys::MasterKey master;
  client::SecretHasher client_secrets;
  client::SecretHasher api_key_hasher;
  user::PasswordHasher passwords;
  keys::KeyRing ring;
  keys::KeyManager key_manager;
  token::AccessTokenCodec codec;
  // Every client read and write of this node goes through the near-cache, so every write here
  // invalidates it; the TTL bounds staleness from writes made by other processes.
  client::CachingClientStore client_cache;
  user::CachingUserStore user_cache;
  static constexpr oauth::AssertionPolicy assertion_policy{};
  std::unique_ptr<cache::RedisReplayStore> redis_replays;  // used client assertions in Redis
  std::unique_ptr<http::Client> node_client;                // node-to-node calls (logs), bounded and with deadlines
  std::unique_ptr<cache::RedisCounterStore> redis_rates;    // rate-limit windows in Redis
  limits::RateLimiter rate_limiter;
  signin::ThemeProvider theme{store->settings()};
  oauth::ClientAssertionVerifier assertions;
  oauth::OAuthDeps oauth_deps;
  oidc::UserGrantDeps user_grant_deps;
  oidc::UserinfoDeps userinfo_deps;
  signin::SignInDeps sign_in_deps;
  signin::SignIn sign_in{sign_in_deps};
  oidc::AuthorizeDeps authorize_deps;
  oidc::OidcFrontDoor oidc_front_door{authorize_deps};
  oidc::LogoutDeps logout_deps{authorize_deps, codec};
  oidc::DiscoveryDeps discovery_deps;
  stats::RequestStats request_stats;  // before admin_deps, which points at it
  admin::AdminDeps admin_deps;
  http::Router router;
  std::unique_ptr<ClusterRuntime> cluster;  // its threads use everything above
  std::unique_ptr<cache::RedisSubscriber> redis_events;  // last: it wakes `cluster`
};

Node::Node(const config::Config& config) : parts_(std::make_unique<Parts>(config)) {}
Node::~Node() = default;

void Node::serve(std::chrono::steady_clock::time_point started) {
  auto& p = *parts_;
  const auto& sc = p.config.server;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  http::ServerOptions options;
  std::tie(options.host, options.port) = split_listen(sc.listen);
  options.io_threads = auto_threads(sc.io_threads, cores);
  options.worker_threads = auto_threads(sc.worker_threads, cores);
  options.max_pending = sc.max_pending_requests;
  options.max_connections = sc.max_connections;
  options.max_body_bytes = sc.max_body_bytes;
  options.max_header_bytes = sc.max_header_bytes;
  options.header_timeout = sc.header_timeout;
  options.idle_timeout = sc.idle_timeout;
  options.drain_delay = sc.drain_delay;
  options.shutdown_grace = sc.shutdown_grace;
  options.trusted_proxies = *http::AddressList::parse(sc.trusted_proxies);  // validated with the config
  // A year, without includeSubDomains: the issuer's host is ours, its siblings may not be.
  if (sc.public_url.starts_with("https://")) options.strict_transport_security = "max-age=31536000";
  options.forwarded_header = *http::parse_forwarded_header(sc.forwarded_header);  // validated with the config
  if (!sc.tls_cert_file.empty()) {
    options.tls = std::make_shared<http::TlsCertificates>(sc.tls_cert_file, sc.tls_key_file);
    spdlog::info("TLS on the listener (certificate sha256 {}); SIGHUP reloads it", options.tls->fingerprint());
  }

  http::Server* server_ptr = nullptr;
  p.router.add("GET", "/api/status", [&p, &server_ptr](const http::Request&, const http::PathParams&) {
    return status_response(StatusProbe{server_ptr != nullptr && server_ptr->draining(), [&p] { return p.store->ping(); },
                                       [&p] { return p.cluster->in_step(); }, GATEHOUSE_VERSION,
                                       p.cluster->membership().node_id()});
  });
  oidc::add_routes(p.router, p.discovery_deps);
  oauth::add_token_routes(p.router, p.oauth_deps);
  oauth::add_routes(p.router, p.oauth_deps);
  oidc::add_userinfo_routes(p.router, p.userinfo_deps);
  oidc::add_authorize_routes(p.router, p.authorize_deps);
  signin::add_sign_in_routes(p.router, p.sign_in);
  oidc::add_logout_routes(p.router, p.logout_deps);
  admin::add_routes(p.router, p.admin_deps);
  const MetricsSources metrics_sources{p.request_stats, p.logins, p.job_runs, p.store_errors, p.redis.get(), *p.store,
                                      [&p] { return p.cluster->events().watermark(); }, node_id_of(p.config),
                                      GATEHOUSE_VERSION, p.started_at,
                                      [&server_ptr] { return server_ptr != nullptr ? server_ptr->stats() : http::ServerStats{}; }};
  const MetricsAccess metrics_access{*http::AddressList::parse(p.config.metrics.allow),
                                     p.config.metrics.token.empty() ? std::string()
                                                                    : jose::sha256(p.config.metrics.token.reveal())};
  add_metrics_route(p.router, metrics_sources, metrics_access);

  http::Server server(options, [&p](const http::Request& req) {
    logging::RequestIdScope named(req.request_id);
    stats::RequestScope accounted(p.request_stats, req.received);
    try {
      auto r = p.router.dispatch(req);
      accounted.finish(r.status);
      return r;
    } catch (const StorageError& e) {
      spdlog::error("request_id={} store unavailable: {}", req.request_id, e.what());
      p.store_errors.add({});
      auto r = http::json_error(503, "temporarily_unavailable", "the store is unavailable; retry later");
      r.set("Retry-After", "1");
      r.set("Cache-Control", "no-store");
      accounted.finish(r.status);
      return r;
    }
  }, [&p](const http::Request& req) {
    logging::RequestIdScope named(req.request_id);
    stats::RequestScope accounted(p.request_stats, req.received);
    auto answer = p.router.dispatch_inline(req);
    if (!answer) accounted.dismiss();  // a worker answers it, and accounts for it there
    else accounted.finish(answer->status);
    return answer;
  });
  server_ptr = &server;
  server.listen();
  p.cluster->start();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("listening on {}:{} (issuer {}, {} I/O + {} worker threads)", options.host, server.port(),
               sc.public_url, options.io_threads, options.worker_threads);
  spdlog::info("ready in {} ms", ms);
  server.run();
  p.cluster->stop();  // marks this node left: the others need not wait for a timeout
  spdlog::info("stopped");
}

}  // namespace gatehouse::app
