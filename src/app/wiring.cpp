#include "app/wiring.hpp"

#include "saml/encrypt.hpp"

#include <limits>
#include <thread>

#include "app/backends.hpp"
#include "app/logging.hpp"
#include "app/options.hpp"
#include "client/client_metadata.hpp"
#include "client/saml_metadata_refresh.hpp"
#include "cluster/purge.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/bootstrap.hpp"

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

}  // namespace

std::vector<cluster::PurgeTarget> purge_targets(storage::Backend& store, const Clock& clock) {
  const auto now = clock.now();
  return {
      {"revocation entries", [=, &store](std::size_t l) { return store.revocations().purge_expired(now, l); }},
      {"used client assertions", [=, &store](std::size_t l) { return store.replays().purge_expired(now, l); }},
      {"rate-limit windows", [=, &store](std::size_t l) { return store.rate_counters().purge_expired(now, l); }},
      {"login transactions", [=, &store](std::size_t l) { return store.login_transactions().purge_expired(now, l); }},
      {"SSO sessions", [=, &store](std::size_t l) { return store.sso_sessions().purge_expired(now, l); }},
      {"authorization codes", [=, &store](std::size_t l) { return store.codes().purge_expired(now, l); }},
      {"WebAuthn challenges", [=, &store](std::size_t l) { return store.webauthn_challenges().purge_expired(now, l); }},
      {"CAS tickets", [=, &store](std::size_t l) { return store.cas_tickets().purge_expired(now, l); }},
      {"CAS proxy-granting tickets", [=, &store](std::size_t l) { return store.cas_proxy_granting_tickets().purge_expired(now, l); }},
      {"SAML artifacts", [=, &store](std::size_t l) { return store.saml_artifacts().purge_expired(now, l); }},
      {"sign-in failure counters", [=, &store](std::size_t l) { return store.users().purge_failed_logins(now - 86400, l); }},
      {"refresh tokens and grant records", [=, &store](std::size_t l) { return store.refresh_tokens().purge_expired(now, l); }},
      // Events are read within seconds; a day covers any node that was away and comes back.
      {"cluster events", [&store, &clock](std::size_t l) { return store.events().purge_before(clock.now_ms() - 86'400'000, l); }},
      {"job runs", [&store, &clock](std::size_t l) { return store.jobs().purge_runs(clock.now_ms() - 7 * 86'400'000LL, l); }},
      // The audit trail is kept 400 days (a year and a margin for annual reviews).
      {"audit events", [&store, &clock](std::size_t l) { return store.audit().purge_before(clock.now_ms() - 400 * 86'400'000LL, l); }},
  };
}

namespace {

/// A short hash of the configuration every node of a cluster must share (the keys the config
/// schema does not mark node-local), so /api/system/nodes can show drift.
std::string cluster_config_hash(const config::Config& c) {
  return hex(jose::sha256(config::render_cluster_wide(c))).substr(0, 16);
}

/// The client of single logout (CAS, SAML, OIDC): to the logout URLs administrators registered
/// (http or https; no address restriction, unlike proxy callbacks), with cas.proxy_callback_ca_file.
http::ClientOptions slo_client_options(const config::Config& c) {
  http::ClientOptions o;
  o.ca_file = c.cas.proxy_callback_ca_file;
  // The whole call within the timeout: a third for each step.
  o.connect_timeout = o.handshake_timeout = o.response_timeout = c.cas.proxy_callback_timeout / 3;
  o.max_body = 64 * 1024;
  o.max_in_flight = 1;  // one sender thread
  return o;
}

/// A form POST's HTTP status, 0 when no answer came.
int post_message(http::Client& client, const signin::BackChannelMessage& m) {
  auto r = client.post(m.url, {{"Content-Type", m.content_type}}, m.body);
  if (!r) spdlog::info("{} to {}: {}", m.what, m.url, r.error().message);
  return r ? r->status : 0;
}

/// Every registered client, page by page (the CAS service registry's loader).
std::vector<client::Client> all_clients(client::ClientStore& clients) {
  constexpr std::size_t kPage = 500;
  std::vector<client::Client> out;
  for (std::size_t offset = 0;; offset += kPage) {
    auto page = clients.list(offset, kPage);
    const auto got = page.items.size();
    for (auto& c : page.items) out.push_back(std::move(c));
    if (got < kPage) break;
  }
  return out;
}

/// The applications as the SAML registry reads them (saml/ does not know client::Client).
std::vector<saml::SpSource> saml_sources(const std::vector<client::Client>& clients) {
  std::vector<saml::SpSource> out;
  out.reserve(clients.size());
  for (const auto& c : clients) out.push_back({c.client_id, c.client_name, c.extra_metadata, client::mfa_policy(c)});
  return out;
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

template <class Optional, class Port>
Port& either(const std::unique_ptr<Optional>& preferred, Port& fallback) {
  return preferred ? static_cast<Port&>(*preferred) : fallback;
}

oauth::OAuthDeps oauth_deps_of(Wiring& w, const config::Config& c) {
  return {.clients = w.client_cache,
          .secrets = w.client_secrets,
          .tokens = w.codec,
          .revocations = w.store->revocations(),
          .clock = w.clock,
          .access_token_ttl = std::chrono::seconds(c.tokens.access_token_ttl),
          .cache = &w.client_cache,
          .assertions = &w.assertions};
}

oidc::UserGrantDeps user_grant_deps_of(Wiring& w, const config::Config& c) {
  return {.codes = w.store->codes(),
          .refresh_tokens = w.store->refresh_tokens(),
          .users = w.user_cache,
          .grace_sealing_key = w.master.derive(keys::kRefreshGracePurpose),
          .refresh_token_ttl = c.tokens.refresh_token_ttl.count(),
          .refresh_grace = c.tokens.refresh_grace.count(),
          .id_token_ttl = c.tokens.id_token_ttl.count(),
          .refresh_token_max_lifetime = c.tokens.refresh_token_max_lifetime.count()};
}

signin::SignInDeps sign_in_deps_of(Wiring& w, const config::Config& c) {
  return {.users = w.user_cache,
          .passwords = w.passwords,
          .transactions = w.store->login_transactions(),
          .sessions = w.sso_sessions,
          .clock = w.clock,
          .cookies = {.session_cookie = c.login.session_cookie,
                      .session_cookie_path = c.login.session_cookie_path,
                      .secure = c.server.public_url.starts_with("https://")},
          .session_idle_timeout = c.login.session_idle_timeout.count(),
          .session_lifetime = c.login.session_lifetime.count(),
          .transaction_ttl = c.login.transaction_ttl.count(),
          .lockout = {.threshold = c.login.lockout_threshold,
                      .window = c.login.lockout_window.count(),
                      .duration = c.login.lockout_duration.count()},
          .factors = &w.factors,
          .passkeys = &w.passkeys,
          .mfa_default = signin::parse_mfa_policy(c.mfa.default_policy).value_or(signin::MfaPolicy::kOptional),
          .mfa_enrol_when_required = c.mfa.enrol_when_required,
          .sources = w.identity_sources};
}

/// The SAML front door's dependencies (wiring them is the constructor's step after cas_deps).
saml::SamlDeps saml_deps_of(Wiring& w, const config::Config& c) {
  return saml::SamlDeps{.sign_in = w.sign_in,
                        .sps = w.saml_sps,
                        .artifacts = w.store->saml_artifacts(),
                        .persistent_ids = w.store->saml_persistent_ids(),
                        .replays = either(w.redis_replays, w.store->replays()),
                        .users = w.user_cache,
                        .keys = w.ring,
                        .credentials = w.saml_credentials,
                        .clock = w.clock,
                        .idp = {c.saml.entity_id.empty() ? c.server.public_url + std::string(saml::kMetadataPath) : c.saml.entity_id,
                                c.server.public_url},
                        .clock_skew = c.saml.clock_skew.count(),
                        .assertion_lifetime = c.saml.assertion_lifetime.count(),
                        .artifact_ttl = c.saml.artifact_ttl.count(),
                        .logouts = &w.sso_sessions,
                        .session_index_key = w.master.derive(keys::kSamlSessionIndexPurpose).reveal()};
}

admin::AdminDeps admin_deps_of(Wiring& w, const config::Config& c) {
  return {.clients = w.client_cache,
          .clients_uncached = w.store->clients(),
          .api_keys = w.store->api_keys(),
          .client_secrets = w.client_secrets,
          .api_key_hasher = w.api_key_hasher,
          .metadata_defaults = metadata_defaults(c),
          .clock = w.clock,
          .users = w.user_cache,
          .passwords = w.passwords,
          .min_password_length = c.passwords.min_length,
          .nodes = w.store->nodes(),
          .jobs = w.store->jobs(),
          .events = w.store->events(),
          .node_id = node_id_of(c),
          .keys = w.store->keys(),
          .rotate_keys_now = [&w] { return w.rotate_keys(true); },
          .request_stats = &w.request_stats,
          .factors = &w.factors};
}

}  // namespace

Wiring::Wiring(const config::Config& c)
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
      user_cache(either(redis_users, store->users()), kClientCacheTtl),
      factors(factors_deps(c, *store, user_cache, master, clock)),
      passkeys(passkeys_deps(c, *store, clock)),
      redis_replays(redis ? std::make_unique<cache::RedisReplayStore>(store->replays(), *redis) : nullptr),
      redis_rates(redis ? std::make_unique<cache::RedisCounterStore>(store->rate_counters(), *redis) : nullptr),
      memory_rates(!redis && !c.database.is_postgres() ? std::make_unique<limits::MemoryCounterStore>() : nullptr),
      rate_limiter(redis_rates ? static_cast<limits::CounterStore&>(*redis_rates) : either(memory_rates, store->rate_counters()), clock),
      slo_client(std::make_unique<http::Client>(slo_client_options(c))),
      cas_logout(slo_sender, clock, &store->cas_proxy_granting_tickets()),
      sso_sessions(store->sso_sessions()),
      assertions(c.server.public_url, either(redis_replays, store->replays()), clock, assertion_policy),
      oauth_deps(oauth_deps_of(*this, c)),
      user_grant_deps(user_grant_deps_of(*this, c)),
      userinfo_deps{.tokens = codec, .revocations = store->revocations(), .users = user_cache, .clock = clock},
      sign_in_deps(sign_in_deps_of(*this, c)),
      authorize_deps{.clients = client_cache,
                     .codes = store->codes(),
                     .clock = clock,
                     .sign_in = sign_in,
                     .issuer = c.server.public_url,
                     .code_ttl = c.tokens.code_ttl.count(),
                     .require_pkce = c.oauth.require_pkce},
      discovery_deps{.issuer = c.server.public_url,
                     .signing_algs = c.keys.algorithms,
                     .jwks_max_age = std::chrono::seconds(c.keys.jwks_max_age),
                     .ring = ring},
      cas_services([this] { return all_clients(store->clients()); }, kClientCacheTtl, clock),
      cas_deps{.sign_in = sign_in,
               .services = cas_services,
               .tickets = store->cas_tickets(),
               .users = user_cache,
               .clock = clock,
               .ticket_ttl = c.cas.ticket_ttl.count(),
               .pgts = &store->cas_proxy_granting_tickets(),
               .session_lifetime = c.login.session_lifetime.count(),
               .issuer = c.server.public_url},
      saml_sps([this] { return saml_sources(all_clients(store->clients())); }, kClientCacheTtl, clock),
      saml_credentials(public_host(c)),
      saml_deps(saml_deps_of(*this, c)),
      slo_sender([this](const signin::BackChannelMessage& m) { return post_message(*slo_client, m); }, {}),
      admin_deps(admin_deps_of(*this, c)) {
  wire_grants();
  keys::ensure_keys_once(store->keys(), store->jobs(), key_manager, algorithms_of(c), clock, node_id_of(c));
  ring.publish(key_manager.load());
  if (bootstrap_plan)
    apply_kickstart(*bootstrap_plan, KickstartTargets{client_cache, store->api_keys(), user_cache, store->settings(),
                                                      client_secrets, api_key_hasher, passwords, clock, &factors});
  wire_cluster();
  wire_sign_in();
  wire_rate_limits();
  wire_admin();
  wire_cas();
  wire_saml();
}

void Wiring::wire_saml() {
  // saml_encrypt: the assertion for the SP's (first) encryption key, with the best algorithms its
  // metadata lists (AES-GCM when it says nothing; the key transport every SP stack decrypts).
  saml_deps.encrypt = [](saml::Document& doc, xmlNodePtr assertion, const saml::SpRegistration& sp)
      -> Result<void, std::string> {
    if (sp.metadata.encryption_keys.empty()) return unexpected(std::string("the SP's metadata has no encryption key"));
    const auto& key = sp.metadata.encryption_keys.front();
    auto options = saml::choose_encryption(key.methods);
    if (!options) return unexpected(options.error());
    auto encrypted = saml::encrypt_assertion(doc, assertion, key.key, *options);
    if (!encrypted) return unexpected(encrypted.error());
    return {};
  };
  saml_logout = std::make_unique<saml::SingleLogout>(saml::SingleLogoutDeps{
      .sps = saml_sps, .keys = ring, .credentials = saml_credentials, .clock = clock, .idp = saml_deps.idp,
      .sender = slo_sender, .request_lifetime = saml_deps.logout_lifetime});
  sso_sessions.add_listener(*saml_logout);
  sign_in.add_front_door(saml_front_door);
  saml_sps.by_client("");  // loaded now, not under a request's unit of work (as cas_services)
  wire_saml_metadata_refresh();
}

void Wiring::wire_saml_metadata_refresh() {
  // The client CAS proxy callbacks use, with the same trust (the system's CAs plus
  // cas.proxy_callback_ca_file) and the same address rule (public addresses, or the listed ones):
  // an SP's URL is chosen by whoever registers it. The metadata cap, ten seconds in all, one at a time.
  const auto& cas = config.cas;
  http::ClientOptions o;
  o.ca_file = cas.proxy_callback_ca_file;
  o.connect_timeout = o.handshake_timeout = std::chrono::milliseconds(3000);
  o.response_timeout = std::chrono::milliseconds(4000);
  o.max_body = saml::kMaxMetadataBytes;
  o.max_in_flight = 1;
  auto allowed = std::make_shared<http::AddressList>(*http::AddressList::parse(cas.proxy_callback_addresses));
  o.allow_address = [allowed](const std::string& address) {
    return allowed->empty() ? http::is_public_address(address) : allowed->contains(address);
  };
  saml_metadata_client = std::make_unique<http::Client>(std::move(o));
  auto fetch = [this](const std::string& url) -> Result<std::string, std::string> {
    auto r = saml_metadata_client->get(url, {{"Accept", "application/samlmetadata+xml, application/xml"}});
    if (!r) return unexpected(r.error().message);
    if (r->status != 200) return unexpected("HTTP status " + std::to_string(r->status));
    return std::move(r->body);
  };
  auto audit_change = [this](const std::string& client_id, const std::string& before, const std::string& after) {
    admin::AuditEvent a;
    a.actor = "job:saml.metadata_refresh";
    a.action = "application.saml_metadata";
    a.target = client_id;
    a.status = 200;
    a.before = before;
    a.after = after;
    audit(std::move(a));
  };
  add_job({"saml.metadata_refresh", config.saml.metadata_refresh.count() * 1000, [this, fetch, audit_change] {
             return client::refresh_saml_metadata({client_cache, fetch, audit_change, clock});
           }});
}

void Wiring::wire_cas() {
  const auto& c = config.cas;
  if (!c.proxy_callback_ca_file.empty()) {
    if (auto loaded = http::check_ca_file(c.proxy_callback_ca_file); !loaded)
      throw StartupError("cas.proxy_callback_ca_file: " + loaded.error());
  }
  http::ClientOptions o;
  o.ca_file = c.proxy_callback_ca_file;
  // The whole call within the timeout (a third for each step); at most half the workers wait on
  // callbacks, so a service whose callback host never answers cannot hold every worker.
  o.connect_timeout = o.handshake_timeout = o.response_timeout = c.proxy_callback_timeout / 3;
  o.max_body = 64 * 1024;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.max_in_flight = static_cast<std::size_t>(std::max(1, auto_threads(config.server.worker_threads, cores) / 2));
  auto allowed = std::make_shared<http::AddressList>(*http::AddressList::parse(c.proxy_callback_addresses));
  o.allow_address = [allowed](const std::string& address) {
    return allowed->empty() ? http::is_public_address(address) : allowed->contains(address);
  };
  cas_callbacks = std::make_unique<http::Client>(std::move(o));
  cas_deps.callbacks = cas_callbacks.get();
  sso_sessions.add_listener(cas_logout);
  sign_in.add_front_door(cas_front_door);
  // Loaded now, not by the first CAS request: a first load under the registry's lock from a
  // request could wait for the connection a unit of work on another thread holds.
  cas_services.by_client("");
}

void Wiring::wire_grants() {
  oidc::add_user_grants(oauth_deps.grants, user_grant_deps);
  oauth_deps.count_store_fault = [this] { store_errors.add({}); };
  userinfo_deps.count_store_fault = [this] { store_errors.add({}); };
  authorize_deps.count_store_fault = [this] { store_errors.add({}); };
  oauth_deps.refresh_tokens = &store->refresh_tokens();
  oauth_deps.users = &user_cache;
}

void Wiring::wire_cluster() {
  const auto& c = config;
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
  o.membership.max_clock_skew = c.cluster.max_clock_skew_ms;
  o.resync = [this] {
    ring.publish(key_manager.load());
    theme.reload();
    client_cache.clear();
    cas_services.invalidate();
    saml_sps.invalidate();
    user_cache.clear();
  };
  cluster = std::make_unique<ClusterRuntime>(
      *store, clock, o, [this](const cluster::ClusterEvent& e) { apply_event(e); },
      [this] { return keyset_of(*ring.current()); });
  // A client written here changes this node's CAS services at once; with Redis, every node hears
  // of a change at once, besides the database's own channel.
  client_cache.set_after_write([this] {
    cas_services.invalidate();
    saml_sps.invalidate();
    if (redis) publish_change();
  });
  if (redis) {
    user_cache.set_after_write([this] { publish_change(); });
    redis_events = std::make_unique<cache::RedisSubscriber>(redis_options(c), std::string(kEventsChannel),
                                                            [this] { cluster->wake(); });
  }
  add_job(cluster->membership().sweep_job(c.cluster.checkin_interval_ms));
  add_job(cluster::purge_job([this] { return purge_targets(*store, clock); }, c.database.purge_interval.count() * 1000));
  add_job({"keys.rotate", 60 * 1000, [this] { return rotate_keys(false).summary(); }});
}

void Wiring::wire_rate_limits() {
  const auto& rl = config.rate_limits;
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
  // Failed API key attempts are always counted (the first of each address and window is
  // audited); they are refused once over the limit, if there is one.
  const limits::Rule rule{"api-key-fail-ip",
                          rl.api_key_failures_per_ip > 0 ? rl.api_key_failures_per_ip
                                                         : std::numeric_limits<std::int64_t>::max(),
                          window};
  admin_deps.key_failed = [this, rule](std::string_view address) { return rate_limiter.record(rule, address); };
  if (rl.api_key_failures_per_ip > 0)
    admin_deps.key_failures_exhausted = [this, rule](std::string_view address) { return rate_limiter.exhausted(rule, address); };
}

void Wiring::wire_admin() {
  const auto& c = config;
  admin_deps.audit = &store->audit();
  admin_deps.sso_sessions = &sso_sessions;
  admin_deps.grants = &store->refresh_tokens();
  admin_deps.users_uncached = &store->users();
  admin_deps.get_theme = [this] { return signin::theme_json(*theme.current()); };
  admin_deps.put_theme = [this](const boost::json::object& doc) -> Result<void, std::string> {
    auto parsed = signin::parse_theme(doc);
    if (!parsed) return unexpected(parsed.error());
    theme.save(std::move(*parsed), clock.now());
    publish_change();
    return {};
  };
  if (auto lines = log_ring()) {
    admin_deps.local_logs = [lines](std::uint64_t after, std::size_t limit) {
      std::vector<std::pair<std::uint64_t, std::string>> out;
      for (auto& line : lines->recent(after, limit)) out.emplace_back(line.seq, std::move(line.text));
      return out;
    };
  }
  if (!c.cluster.node_ca_file.empty()) {
    if (auto loaded = http::check_ca_file(c.cluster.node_ca_file); !loaded)
      throw StartupError("cluster.node_ca_file: " + loaded.error());
  }
  http::ClientOptions o;
  o.ca_file = c.cluster.node_ca_file;
  // At most half the workers wait on other nodes; the rest keep serving whatever they do.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.max_in_flight = static_cast<std::size_t>(std::max(1, auto_threads(c.server.worker_threads, cores) / 2));
  node_client = std::make_unique<http::Client>(std::move(o));
  admin_deps.fetch = [this](const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers) {
    return node_client->get(url, headers);
  };
  admin_deps.node_key = master.derive(keys::kNodeRequestPurpose);
  // The nonces of node-to-node requests live beside the used client assertions (own key prefix;
  // at most 31 s, within the Redis store's remember_for).
  admin_deps.node_nonces = redis_replays ? static_cast<token::ReplayStore*>(redis_replays.get()) : &store->replays();
}

std::optional<UnixSeconds> Wiring::limited(const limits::Rule& by_client, std::string_view client_id,
                                           const limits::Rule& by_ip, std::string_view address) {
  auto a = rate_limiter.over_limit(by_client, client_id);
  auto b = rate_limiter.over_limit(by_ip, address);
  if (!a && !b) return std::nullopt;
  return std::max(a.value_or(0), b.value_or(0));
}

void Wiring::add_job(cluster::JobSpec job) {
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

keys::RotationResult Wiring::rotate_keys(bool force) {
  auto result = key_manager.rotate(algorithms_of(config), rotation_policy(config), force);
  if (result.changed()) {
    ring.publish(key_manager.load());
    publish_change();
  }
  return result;
}

void Wiring::publish_change() noexcept {
  if (!redis) return;
  try {
    redis->command({"PUBLISH", kEventsChannel, "1"});
  } catch (...) {
  }
}

void Wiring::apply_event(const cluster::ClusterEvent& e) {
  if (e.kind == cluster::kClientChanged) {
    client_cache.invalidate(e.key);
    cas_services.invalidate();
    saml_sps.invalidate();
  } else if (e.kind == cluster::kUserChanged) {
    user_cache.invalidate(e.key);
  } else if (e.kind == cluster::kKeyChanged) {
    ring.publish(key_manager.load());
  } else if (e.kind == cluster::kSettingChanged && e.key == signin::kThemeSetting) {
    theme.reload();
  }
  // Settings and sessions are read from the store on every use: nothing cached to drop.
}

}  // namespace gatehouse::app
