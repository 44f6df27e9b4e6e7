#pragma once
// The composition root (DESIGN.md): every part of a node, built from the configuration in the
// order of their lifetimes (members are destroyed in reverse: the cluster runtime's threads first,
// the store last). Only app/ names concrete backends; wiring.cpp builds, routes.cpp registers.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_api.hpp"
#include "app/cluster_runtime.hpp"
#include "app/config/config.hpp"
#include "app/identity_sources.hpp"
#include "app/kickstart.hpp"
#include "cache/redis_client.hpp"
#include "cache/redis_counters.hpp"
#include "cache/redis_rate.hpp"
#include "cache/redis_replay.hpp"
#include "cas/cas_front_door.hpp"
#include "cas/single_logout.hpp"
#include "client/client_cache.hpp"
#include "client/secret_hasher.hpp"
#include "cluster/purge.hpp"
#include "core/metrics.hpp"
#include "core/request_stats.hpp"
#include "http/client.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "keys/key_ring.hpp"
#include "keys/master_key.hpp"
#include "limits/memory_counter_store.hpp"
#include "limits/rate_limiter.hpp"
#include "mfa/factors.hpp"
#include "mfa/passkeys.hpp"
#include "oauth/endpoints.hpp"
#include "oidc/authorize/authorize_endpoint.hpp"
#include "oidc/back_channel_logout.hpp"
#include "oidc/authorize/issue_code.hpp"
#include "oidc/discovery.hpp"
#include "oidc/grants/user_grants.hpp"
#include "oidc/logout.hpp"
#include "oidc/userinfo.hpp"
#include "saml/front_door.hpp"
#include "saml/single_logout.hpp"
#include "saml/sp_registry.hpp"
#include "signin/account/account.hpp"
#include "signin/sign_in.hpp"
#include "storage/backend.hpp"
#include "token/access_token.hpp"
#include "user/password_hasher.hpp"
#include "user/user_cache.hpp"

namespace gatehouse::app {

/// Every kind of expiring data the job "purge.expired" deletes, at the time of its run.
std::vector<cluster::PurgeTarget> purge_targets(storage::Backend& store, const Clock& clock);

/// Thread safety: built and torn down on one thread; once built, everything in it is safe to use
/// from the server's threads and the cluster runtime's.
struct Wiring {
  /// Opens the store, migrates it, loads (or creates) the master key and the signing keys, applies
  /// bootstrap.kickstart and sets up the cluster runtime (not started). @throws StartupError /
  /// StorageError with operator-facing text.
  explicit Wiring(const config::Config& c);

  /// One rotation step (the job "keys.rotate", or forced by an operator); this node signs with the
  /// result at once, the others when the key change's events reach them.
  keys::RotationResult rotate_keys(bool force);
  /// Tells the other nodes through Redis (when configured) that cluster events are waiting; they
  /// read them from the database. Best effort: without Redis they learn it from the database's
  /// notification or their next poll.
  void publish_change() noexcept;

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
  /// The node's second factors (TOTP, recovery codes, passkeys): failed codes are counted through
  /// user_cache, in the same store (Redis when configured) as the password lockout.
  mfa::Factors factors;
  /// The WebAuthn ceremonies (passkeys), their challenges in the store: any node finishes one.
  mfa::Passkeys passkeys;
  /// The [[identity_sources]] (LDAP, Active Directory), in the configured order, and the same as
  /// the sign-in's identity sources. Before sign_in_deps, which takes the list.
  std::vector<std::unique_ptr<directory::DirectoryIdentitySource>> directories = make_directories(config);
  std::vector<user::IdentitySource*> identity_sources = identity_sources_of(directories);
  metrics::CounterFamily directory_sign_ins{"gatehouse_directory_sign_ins_total",
                                            "Sign-in attempts answered by an identity source, by source and outcome.",
                                            {"source", "outcome"}};
  static constexpr oauth::AssertionPolicy assertion_policy{};
  std::unique_ptr<cache::RedisReplayStore> redis_replays;  // used client assertions in Redis
  std::unique_ptr<http::Client> node_client;                // node-to-node calls (logs), bounded and with deadlines
  std::unique_ptr<cache::RedisCounterStore> redis_rates;    // rate-limit windows in Redis
  /// Rate-limit windows in this node's memory: without Redis, on SQLite (a single node).
  std::unique_ptr<limits::MemoryCounterStore> memory_rates;
  limits::RateLimiter rate_limiter;
  /// Single logout: the client and sender of back-channel logout messages (CAS logoutRequests,
  /// SAML LogoutRequests by SOAP, OIDC Logout Tokens), CAS's listener, and the SSO session store
  /// that every end of a session goes through (all of the node's session users take this one;
  /// SAML and OIDC add their listeners).
  std::unique_ptr<http::Client> slo_client;
  cas::SingleLogout cas_logout;  // queues on slo_sender (below)
  signin::LogoutSessions sso_sessions;
  signin::ThemeProvider theme{store->settings()};
  oauth::ClientAssertionVerifier assertions;
  oauth::OAuthDeps oauth_deps;
  oidc::UserGrantDeps user_grant_deps;
  oidc::UserinfoDeps userinfo_deps;
  signin::SignInDeps sign_in_deps;
  signin::SignIn sign_in{sign_in_deps};
  signin::account::AccountFrontDoor account_front_door;
  signin::account::AccountDeps account_deps{.sign_in = sign_in,
                                            .grants = &store->refresh_tokens(),
                                            .min_password_length = config.passwords.min_length,
                                            .factors = &factors,
                                            .passkeys = &passkeys,
                                            .reauthenticate_after = config.account.reauthenticate_after.count()};
  signin::account::AccountPages account{account_deps};
  oidc::AuthorizeDeps authorize_deps;
  oidc::OidcFrontDoor oidc_front_door{authorize_deps};
  oidc::LogoutDeps logout_deps{authorize_deps, codec};
  oidc::DiscoveryDeps discovery_deps;
  /// CAS: the services of the client registry (reloaded when a client changes here or elsewhere),
  /// the callbacks of proxying, and the front door.
  cas::ServiceRegistry cas_services;
  std::unique_ptr<http::Client> cas_callbacks;
  std::unique_ptr<http::Client> saml_metadata_client;  // saml_metadata_url fetches (the refresh job)
  cas::CasDeps cas_deps;
  cas::CasFrontDoor cas_front_door{cas_deps};
  /// SAML: the service providers of the client registry (reloaded like cas_services), the IdP's
  /// certificates for the shared signing keys, and the front door.
  saml::SpRegistry saml_sps;
  saml::IdpCredentials saml_credentials;
  saml::SamlDeps saml_deps;
  saml::SamlFrontDoor saml_front_door{saml_deps};
  /// SAML's back channel of single logout (a listener of sso_sessions).
  std::unique_ptr<saml::SingleLogout> saml_logout;
  /// OIDC's back channel of single logout (a listener of sso_sessions): Logout Tokens, signed
  /// with the ring through codec, to the clients with a backchannel_logout_uri.
  oidc::BackChannelLogout oidc_logout{{.clients = client_cache, .tokens = codec, .clock = clock, .sender = slo_sender}};
  /// The sender of the listeners' messages: declared after everything its messages use (the SP
  /// registry, the client store, the keys, the listeners), so that it stops first.
  signin::BackChannelSender slo_sender;
  stats::RequestStats request_stats;  // before admin_deps, which points at it
  admin::AdminDeps admin_deps;
  http::Router router;
  std::unique_ptr<ClusterRuntime> cluster;  // its threads use everything above
  std::unique_ptr<cache::RedisSubscriber> redis_events;  // last: it wakes `cluster`

 private:
  void wire_grants();
  void wire_cluster();
  void wire_sign_in();
  void wire_rate_limits();
  void wire_admin();
  void wire_cas();
  void wire_saml();
  void wire_saml_metadata_refresh();
  /// Registers a cluster job whose runs on this node are counted by outcome (/metrics).
  void add_job(cluster::JobSpec job);
  /// Appends to the audit trail; a store fault is logged, never thrown (the request it records stands).
  void audit(admin::AuditEvent a);
  /// What a change made elsewhere (another node, a `gatehouse` command) means for this node's caches.
  void apply_event(const cluster::ClusterEvent& e);
  /// Counts one request against both rules (each 0 = off); the longer wait when either is over.
  std::optional<UnixSeconds> limited(const limits::Rule& by_client, std::string_view client_id, const limits::Rule& by_ip,
                                     std::string_view address);
};

/// Registers every route of the node on `w.router`: the protocols, the admin API, /api/status and
/// /metrics. `draining` and `server_stats` read the HTTP server, which exists only once serving.
void add_node_routes(Wiring& w, std::function<bool()> draining, std::function<http::ServerStats()> server_stats);
/// The worker-thread handler: dispatches, counts the request, and answers a store fault on a route
/// that does not answer it itself with the admin API's 503.
http::RequestHandler worker_handler(Wiring& w);
/// The I/O-thread handler: answers what a route can answer without blocking, else nullopt.
http::InlineHandler inline_handler(Wiring& w);

}  // namespace gatehouse::app
