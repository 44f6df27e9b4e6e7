#include "app/node.hpp"

#include <sys/stat.h>

#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <stop_token>
#include <thread>

#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "app/cluster_runtime.hpp"
#include "app/metrics_endpoint.hpp"
#include "app/kickstart.hpp"
#include "app/logging.hpp"
#include "app/status.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_counters.hpp"
#include "cache/redis_rate.hpp"
#include "cache/redis_replay.hpp"
#include "client/secret_hasher.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "limits/rate_limiter.hpp"
#include "core/request_stats.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/key_ring.hpp"
#include "keys/master_key.hpp"
#include "oauth/endpoints.hpp"
#include "oidc/discovery.hpp"
#include "oidc/authorize/authorize_endpoint.hpp"
#include "oidc/authorize/issue_code.hpp"
#include "oidc/logout.hpp"
#include "oidc/user_grants.hpp"
#include "oidc/userinfo.hpp"
#include "signin/sign_in.hpp"
#include "storage/postgres/postgres_backend.hpp"
#include "storage/sqlite/sqlite_backend.hpp"
#include "token/access_token.hpp"
#include "user/user_cache.hpp"

#ifndef GATEHOUSE_VERSION
#define GATEHOUSE_VERSION "0.0.0"
#endif

namespace gatehouse::app {
namespace {

/// The database holds sealed keys and secret hashes. New files are private (umask in main); an
/// older database that is readable by group or others is made private, with its WAL and SHM files.
void restrict_permissions(const std::string& path) {
  if (path == ":memory:") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  for (const auto& f : {path, path + "-wal", path + "-shm"}) ::chmod(f.c_str(), 0600);
  spdlog::warn("database {} was readable by group or others; its files are now mode 0600", path);
}

/// The backend `database.url` names, not yet migrated.
std::unique_ptr<storage::Backend> open_backend(const config::Config& config, std::size_t pool_size) {
  if (config.database.is_postgres()) {
    storage::postgres::PostgresOptions options;
    options.url = config.database.url;
    options.pool_size = pool_size;
    options.timeout = config.database.busy_timeout;
    return std::make_unique<storage::postgres::PostgresBackend>(options);
  }
  storage::sqlite::SqliteOptions options;
  options.path = config.database.sqlite_path();
  options.pool_size = pool_size;
  options.busy_timeout = config.database.busy_timeout;
  auto backend = std::make_unique<storage::sqlite::SqliteBackend>(options);
  restrict_permissions(options.path);
  return backend;
}

std::unique_ptr<storage::Backend> open_store(const config::Config& config) {
  auto backend = open_backend(config, static_cast<std::size_t>(config.database.pool_size));
  int applied = backend->migrate();  // refuses a binary too old for the schema (StartupError)
  const int version = backend->schema_version();
  if (applied > 0) spdlog::info("applied {} schema migration(s); schema version {}", applied, version);
  if (version > backend->known_version())
    spdlog::warn("the database schema (version {}) is newer than this binary knows ({}); it still allows this binary, "
                 "as during a rolling upgrade: upgrade this node soon", version, backend->known_version());
  return backend;
}

/// The channel a node publishes on after a change that produced cluster events.
constexpr std::string_view kEventsChannel = "gatehouse:events";

cache::RedisOptions redis_options(const config::Config& c) {
  std::string error;
  auto options = cache::parse_redis_url(c.cache.redis_url, error);
  if (!options) throw StartupError("cache.redis_url: " + error);
  options->timeout = c.cache.redis_timeout;
  return *options;
}

std::unique_ptr<cache::RedisClient> open_redis(const config::Config& c) {
  if (c.cache.redis_url.empty()) return nullptr;
  auto redis = std::make_unique<cache::RedisClient>(redis_options(c));
  if (redis->command({"PING"}))
    spdlog::info("redis {}: counters and change notices go through it", redis->label());
  else
    spdlog::warn("redis {} does not answer yet: using the database until it does", redis->label());
  return redis;
}

user::Argon2Params argon2_params(const config::Config& c) {
  return user::Argon2Params{c.passwords.memory_kib, c.passwords.iterations, c.passwords.parallelism};
}

KickstartRules kickstart_rules(const config::Config& c);

client::MetadataDefaults metadata_defaults(const config::Config& config) {
  return client::MetadataDefaults{config.tokens.default_signing_alg, config.keys.algorithms};
}

KickstartRules kickstart_rules(const config::Config& c) { return KickstartRules{metadata_defaults(c), c.passwords.min_length}; }

std::pair<std::string, unsigned short> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))};
}

// Near-caches are invalidated by cluster events within a second; the TTL only bounds a missed one.
constexpr std::chrono::seconds kClientCacheTtl{30};

int auto_threads(int configured, int fallback) { return configured > 0 ? configured : std::max(1, fallback); }

/// One kind of expiring data: deletes at most `limit` expired rows, returns how many.
struct PurgeTarget {
  std::string what;
  std::function<std::size_t(std::size_t limit)> purge;
};

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

/// Deletes expired rows of every kind in bounded batches: the cluster job "purge.expired".
std::string purge_expired(storage::Backend& store, const Clock& clock) {
  constexpr std::size_t kBatch = 1000;
  const auto now = clock.now();
  const std::vector<PurgeTarget> targets{
      {"revocation entries", [&](std::size_t l) { return store.revocations().purge_expired(now, l); }},
      {"used client assertions", [&](std::size_t l) { return store.replays().purge_expired(now, l); }},
      {"rate-limit windows", [&](std::size_t l) { return store.rate_counters().purge_expired(now, l); }},
      {"login transactions", [&](std::size_t l) { return store.login_transactions().purge_expired(now, l); }},
      {"SSO sessions", [&](std::size_t l) { return store.sso_sessions().purge_expired(now, l); }},
      {"authorization codes", [&](std::size_t l) { return store.codes().purge_expired(now, l); }},
      {"sign-in failure counters", [&](std::size_t l) { return store.users().purge_failed_logins(now - 86400, l); }},
      {"refresh tokens and grant records", [&](std::size_t l) { return store.refresh_tokens().purge_expired(now, l); }},
      // Events are read within seconds; a day covers any node that was away and comes back.
      {"cluster events", [&](std::size_t l) { return store.events().purge_before(clock.now_ms() - 86'400'000, l); }},
      {"job runs", [&](std::size_t l) { return store.jobs().purge_runs(clock.now_ms() - 7 * 86'400'000LL, l); }},
      // The audit trail is kept 400 days (a year and a margin for annual reviews).
      {"audit events", [&](std::size_t l) { return store.audit().purge_before(clock.now_ms() - 400 * 86'400'000LL, l); }},
  };
  std::string summary;
  for (const auto& target : targets) {
    std::size_t total = 0;
    for (std::size_t n = kBatch; n == kBatch;) total += n = target.purge(kBatch);
    if (total == 0) continue;
    spdlog::info("purged {} expired {}", total, target.what);
    summary += (summary.empty() ? "" : ", ") + std::to_string(total) + " " + target.what;
  }
  return summary.empty() ? "nothing expired" : "purged " + summary;
}

std::vector<jose::Algorithm> algorithms_of(const config::Config& c) {
  std::vector<jose::Algorithm> algs;
  for (const auto& name : c.keys.algorithms) algs.push_back(*jose::algorithm_from_string(name));
  return algs;
}

keys::RotationPolicy rotation_policy(const config::Config& c) {
  const auto longest_token = std::max(c.tokens.access_token_ttl.count(), c.tokens.id_token_ttl.count());
  return keys::RotationPolicy{c.keys.rotation_period.count(), c.keys.jwks_max_age.count(), longest_token + 60};
}

/// The first signing keys of a fresh cluster are generated by one node only: the one that claims
/// the "keys.bootstrap" job; the others wait until the keys are there (or the claim expires).
void ensure_keys_once(storage::Backend& store, keys::KeyManager& manager, const std::vector<jose::Algorithm>& algs,
                      const Clock& clock, const std::string& node_id) {
  auto missing = [&] {
    std::size_t current = 0;
    for (const auto& k : store.keys().list_active()) current += k.state == keys::KeyState::kCurrent;
    return current < algs.size();
  };
  if (!missing()) return;
  constexpr UnixMillis kLease = 60'000;
  store.jobs().ensure("keys.bootstrap", 0);
  const auto deadline = clock.now_ms() + 2 * kLease;
  while (clock.now_ms() < deadline) {
    if (auto claim = store.jobs().claim("keys.bootstrap", node_id, clock.now_ms(), kLease)) {
      std::string outcome = "ok";
      try {
        manager.ensure_current_keys(algs);
      } catch (...) {
        outcome = "failed";
        store.jobs().finish("keys.bootstrap", *claim, node_id, clock.now_ms(), clock.now_ms(), outcome, "key generation failed");
        throw;
      }
      store.jobs().finish("keys.bootstrap", *claim, node_id, clock.now_ms(), clock.now_ms(), outcome, "first signing keys");
      return;
    }
    if (!missing()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // another node is generating them
  }
  spdlog::warn("the node that claimed the first key generation did not finish it; generating here");
  manager.ensure_current_keys(algs);
}

/// This node's id: cluster.node_id, or "standalone" for a single node without one.
std::string node_id_of(const config::Config& c) { return c.cluster.node_id.empty() ? "standalone" : c.cluster.node_id; }

/// A short hash of the configuration every node of a cluster must share (all but what names the
/// node itself), so /api/system/nodes can show drift.
std::string cluster_config_hash(config::Config c) {
  c.cluster.node_id.clear();
  c.cluster.node_url.clear();
  c.cluster.checkin_offset_ms = 0;
  c.server.listen.clear();
  c.server.io_threads = c.server.worker_threads = 0;
  c.keys.master_key_file.clear();
  c.bootstrap.kickstart.clear();
  c.log.level.clear();
  c.source_path.clear();
  return hex(jose::sha256(config::render(c))).substr(0, 16);
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
    oidc::add_user_grants(oauth_deps, user_grant_deps);
    oauth_deps.refresh_tokens = &store->refresh_tokens();
    oauth_deps.users = &user_cache;
    ensure_keys_once(*store, key_manager, algorithms_of(c), clock, node_id_of(c));
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
    add_job({"purge.expired", 5 * 60 * 1000, [this] { return purge_expired(*store, clock); }});
    add_job({"keys.rotate", 60 * 1000, [this] { return rotate_keys(false).summary(); }});
    admin_deps.audit = &store->audit();
    admin_deps.sso_sessions = &store->sso_sessions();
    admin_deps.grants = &store->refresh_tokens();
    admin_deps.users_uncached = &store->users();
    theme.reload();
    sign_in_deps.theme = &theme;
    sign_in_deps.csrf_key = signin::CsrfKey(master.derive(keys::kCsrfTokenPurpose));
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
  if (sc.tls_cert_file.empty() != sc.tls_key_file.empty())
    throw StartupError("server.tls_cert_file and server.tls_key_file go together: set both for TLS, or neither");
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

std::string run_migrate(const config::Config& config) {
  auto backend = open_backend(config, 1);
  int applied = backend->migrate();
  return "schema version " + std::to_string(backend->schema_version()) + " (" + std::to_string(applied) +
         " migration(s) applied now)";
}

std::string run_nodes(const config::Config& config) {
  auto store = open_backend(config, 1);
  SystemClock clock;
  const auto now = clock.now_ms();
  const auto nodes = store->nodes().list();
  std::string out = "node_id              state       version   last check-in  applied event  url\n";
  for (const auto& n : nodes) {
    char line[512];
    std::snprintf(line, sizeof line, "%-20s %-11s %-9s %10llds ago %14lld  %s\n", n.node_id.c_str(),
                  std::string(cluster::to_string(n.state)).c_str(), n.version.c_str(),
                  static_cast<long long>((now - n.last_checkin) / 1000), static_cast<long long>(n.applied_event),
                  n.url.empty() ? "-" : n.url.c_str());
    out += line;
  }
  if (nodes.empty()) out += "(no node has checked in)\n";
  out += "latest event " + std::to_string(store->events().latest_seq()) + "\n";
  for (const auto& d : cluster::drift_of(nodes)) out += "drift: " + d + "\n";
  out.pop_back();
  return out;
}

std::string run_keys(const config::Config& config, const std::string& action) {
  auto store = open_store(config);
  auto master = keys::load_master_key({config.keys.master_key_file, config.keys.master_key}, store->keys());
  SystemClock clock;
  keys::KeyManager manager(store->keys(), master, clock);
  if (action == "rotate") {
    // The running nodes learn of the new keys from the key changes' cluster events.
    auto result = manager.rotate(algorithms_of(config), rotation_policy(config), true);
    if (result.rotated.empty() && !result.refused.empty()) throw std::runtime_error("not rotated: " + result.refused);
    return result.summary();
  }
  std::string out = "kid                                          alg    state     created_at  activates_at  retires_at\n";
  for (const auto& k : store->keys().list_active()) {
    char line[256];
    std::snprintf(line, sizeof line, "%-44s %-6s %-9s %11lld %13lld  %s\n", k.kid.c_str(), k.alg.c_str(),
                  std::string(keys::to_string(k.state)).c_str(), static_cast<long long>(k.created_at),
                  static_cast<long long>(k.activates_at), k.retires_at ? std::to_string(*k.retires_at).c_str() : "-");
    out += line;
  }
  out.pop_back();
  return out;
}

std::string run_init(const config::Config& config, const std::string& kickstart_path) {
  auto plan = read_kickstart(kickstart_path, kickstart_rules(config));
  if (!plan) throw StartupError(plan.error());
  auto store = open_store(config);
  auto master = keys::load_master_key({config.keys.master_key_file, config.keys.master_key}, store->keys());
  client::SecretHasher client_secrets(master.derive(keys::kClientSecretHashPurpose));
  client::SecretHasher api_key_hasher(master.derive(keys::kApiKeyHashPurpose));
  SystemClock clock;
  user::PasswordHasher passwords(argon2_params(config));
  auto out = apply_kickstart(*plan, KickstartTargets{store->clients(), store->api_keys(), store->users(), store->settings(),
                                                     client_secrets, api_key_hasher, passwords, clock});
  return "kickstart applied: " + std::to_string(out.api_keys_created) + " api key(s) created, " +
         std::to_string(out.api_keys_present) + " already present; " + std::to_string(out.applications_created) +
         " application(s) created, " + std::to_string(out.applications_present) + " already present; " +
         std::to_string(out.users_created) + " user(s) created, " + std::to_string(out.users_present) +
         " already present";
}

}  // namespace gatehouse::app
