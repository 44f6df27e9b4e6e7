#pragma once
// Gatehouse's start-up configuration: one TOML file plus GATEHOUSE_<SECTION>_<KEY> environment
// overrides (DESIGN.md "Configuration"; every key is documented in docs/CONFIG.md). Settings that
// must be identical on every node of a cluster live in the database, not here.

#include <chrono>
#include <cstdint>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace gatehouse::app::config {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// [server]: the HTTP listener, its thread pools, limits, timeouts and graceful shutdown.
struct ServerConfig {
  std::string listen = "127.0.0.1:9011";             ///< host:port; IPv4, [IPv6] or a name; port 0-65535 (0 = any free port)
  std::string public_url = "http://127.0.0.1:9011";  ///< the issuer: absolute http/https URL without query, fragment or userinfo; trailing '/' removed
  int io_threads = 0;                                ///< 0 = auto; 0..256
  int worker_threads = 0;                            ///< 0 = auto; 0..1024
  std::size_t max_pending_requests = 1024;           ///< 1..1000000; beyond this, 503
  std::size_t max_connections = 4096;                ///< 1..1000000; beyond this, new connections are closed
  std::size_t max_body_bytes = 65536;                ///< 1024..16777216
  std::size_t max_header_bytes = 16384;              ///< 1024..1048576
  milliseconds header_timeout{10000};                ///< 100ms..10min
  milliseconds idle_timeout{60000};                  ///< 100ms..1h
  milliseconds drain_delay{1000};                    ///< 0..10min: after SIGTERM keep answering (503) this long, then close the listener
  milliseconds shutdown_grace{10000};                ///< 0..10min: then wait at most this long for in-flight requests
  std::vector<std::string> trusted_proxies;          ///< addresses/CIDRs whose forwarding header is believed
  std::string forwarded_header = "x-forwarded-for";  ///< the one header they write: "x-forwarded-for" or "forwarded"
  std::string tls_cert_file;                         ///< PEM certificate chain: TLS on the listener ("" = plain HTTP); with tls_key_file
  std::string tls_key_file;                          ///< PEM private key of tls_cert_file
};

/// [database]
struct DatabaseConfig {
  /// "sqlite:PATH" ("sqlite::memory:" allowed) or "postgresql://..." (libpq URI, which may carry a
  /// password: a Secret, rendered by redact_url only).
  DatabaseUrl url{"sqlite:./data/gatehouse.db"};
  /// 0..256; 0 = auto: 1 for SQLite (one connection keeps its page cache warm, and SQLite writes
  /// one at a time anyway), 4 for PostgreSQL. effective_pool_size() resolves it.
  int pool_size = 0;
  milliseconds busy_timeout{5000};                 ///< 0..10min
  seconds purge_interval{300};                     ///< how often purge.expired runs; 10s..1d

  /// @returns the PATH part of "sqlite:PATH" (":memory:" for an in-memory database), "" if url is not sqlite.
  std::string sqlite_path() const;
  /// pool_size, or the default of the database url's backend when it is 0 (auto).
  int effective_pool_size() const { return pool_size > 0 ? pool_size : (is_postgres() ? 4 : 1); }
  /// true for a postgres:// or postgresql:// URL.
  bool is_postgres() const;
};

/// The URL with the password of its userinfo (if any) replaced by "<redacted>": for logs and render().
std::string redact_url(const std::string& url);

/// [cluster]: membership, with the semantics of PingIDM's cluster.json (times in milliseconds).
struct ClusterConfig {
  bool enabled = false;
  std::string node_id;                             ///< required when enabled: letters, digits, '.', '_', '-'; 1-64
  std::string node_url;                            ///< how other nodes reach this one; absolute http(s) URL or ""
  std::string node_ca_file;                        ///< PEM CAs trusted for other nodes' https node_url, besides the system's
  std::int64_t instance_timeout_ms = 30000;        ///< silent this long: recovering; 1000..3600000
  std::int64_t instance_recovery_timeout_ms = 30000;  ///< then removed this much later; 1000..86400000
  std::int64_t checkin_interval_ms = 5000;         ///< 100..600000; less than instance_timeout_ms
  std::int64_t checkin_offset_ms = 0;              ///< added to the first check-in's delay; 0..600000
  std::int64_t max_clock_skew_ms = 5000;           ///< clock further from the database's: out of step; 100..3600000
};

/// [cache]: the optional Redis shared by the nodes (counters, fast cluster events). Without it
/// everything goes through the database; with it, a node falls back to the database whenever
/// Redis does not answer.
struct CacheConfig {
  std::string redis_url;              ///< "" (no Redis) or redis://[[user]:password@]host[:port][/db]
  milliseconds redis_timeout{200};    ///< connect and command timeout; 10ms..10s
};

/// [keys]: the master key that encrypts the signing keys at rest, and the signing algorithms.
struct KeysConfig {
  std::string master_key_file = "./data/master.key";
  /// base64url (no padding) text of exactly 32 bytes, from keys.master_key or GATEHOUSE_KEYS_MASTER_KEY.
  /// Validated by load() but kept as the text; empty = not set (then master_key_file is used).
  /// When set it takes precedence over master_key_file. Never printed: render() shows "<redacted>".
  MasterKeyBytes master_key;
  std::vector<std::string> algorithms{"RS256", "ES256"};  ///< non-empty, each RS256 or ES256, no duplicates, must contain RS256
  seconds jwks_max_age{300};                              ///< 0..1 day: Cache-Control max-age of the JWKS
  seconds rotation_period{48 * 3600};                     ///< 1 min..365 days: how long a key signs before the next takes over
};

/// [tokens]
struct TokensConfig {
  seconds access_token_ttl{3600};             ///< 1s..1 day
  std::string default_signing_alg = "RS256";  ///< must be one of keys.algorithms
  seconds id_token_ttl{300};                  ///< 1s..1 day
  seconds code_ttl{60};                       ///< authorization codes; 1s..10 min
  seconds refresh_token_ttl{30 * 24 * 3600};  ///< 1 min..400 days
  seconds refresh_grace{10};                  ///< reuse window of a rotated refresh token; 0..5 min
  seconds refresh_token_max_lifetime{365 * 24 * 3600};  ///< a refresh-token family ends this long after the sign-in at the latest; 1 min..3650 days
};

/// [oauth]: authorization request policy.
struct OAuthConfig {
  bool require_pkce = false;  ///< PKCE (S256) for every client; public clients always need it
};

/// [passwords]: argon2id parameters for new hashes (old hashes keep their own) and the minimum length.
struct PasswordsConfig {
  std::uint32_t memory_kib = 19456;  ///< 8..4194304 (4 GiB)
  std::uint32_t iterations = 2;      ///< 1..100
  std::uint32_t parallelism = 1;     ///< 1..64
  int min_length = 8;                ///< 1..1024
};

/// [login]: account lockout after repeated failed sign-ins, counted in the store across nodes.
struct LoginConfig {
  int lockout_threshold = 5;             ///< failures within lockout_window that lock the account; 1..1000
  seconds lockout_window{900};           ///< 1s..1 day
  seconds lockout_duration{900};         ///< 1s..1 day
  seconds session_idle_timeout{1800};    ///< SSO session ends after this long without use; 1 min..30 days
  seconds session_lifetime{36000};       ///< SSO session ends this long after sign-in at the latest; 1 min..400 days
  seconds transaction_ttl{900};          ///< how long a login form stays valid; 1 min..1 day
  std::string session_cookie = "gh_session";  ///< cookie name: letters, digits, '_' and '-'
  std::string session_cookie_path = "/";      ///< cookie Path: starts with '/', no ';' or spaces
};

/// [mfa]: second factors (TOTP, recovery codes). Failed codes are counted in the store (or Redis)
/// per user, across nodes, apart from failed passwords.
struct MfaConfig {
  /// What authenticator apps show above the code (the otpauth issuer); "" = the host of
  /// server.public_url. At most 64 characters of UTF-8 text without ':' or control characters.
  std::string issuer;
  /// Whether a second factor is asked after the password when a client sets no mfa_policy:
  /// "off" (never, unless acr_values asks), "optional" (when the person has one), "required".
  std::string default_policy = "optional";
  /// With "required" and no factor yet: true = enrol TOTP during the sign-in; false = refuse it.
  bool enrol_when_required = true;
  int code_lockout_threshold = 5;    ///< wrong codes within code_lockout_window that lock the second factor; 1..1000
  seconds code_lockout_window{900};  ///< 1s..1 day
  seconds code_lockout_duration{900};  ///< 1s..1 day
};

/// [account]: the account page (/account).
struct AccountConfig {
  /// Changes to sign-in methods need a sign-in at most this old; older, the person signs in again
  /// first. 0s..1 day (0: only within the second of a sign-in).
  seconds reauthenticate_after{300};
};

/// [webauthn]: passkeys (WebAuthn relying party). Both defaults come from server.public_url.
struct WebauthnConfig {
  /// The RP ID passkeys are bound to: "" = the host of server.public_url; else a lower-case host
  /// name that every origin's host equals or ends with ("." + rp_id).
  std::string rp_id;
  /// The exact origins ("https://login.example.com[:port]") accepted in the browser's answers;
  /// empty = the origin of server.public_url.
  std::vector<std::string> origins;
  std::string user_verification = "preferred";  ///< "preferred" | "required" | "discouraged"
  seconds challenge_ttl{300};                   ///< how long a passkey ceremony may take; 10s..1h
};

/// [cas]: the CAS protocol front door (/cas/...).
struct CasConfig {
  seconds ticket_ttl{10};  ///< how long a service or proxy ticket may wait for its validation; 1s..5m
  /// Where pgtUrl proxy callbacks may go: addresses/CIDRs; empty = public addresses only (never
  /// loopback, private, link-local ...). Checked on the resolved address.
  std::vector<std::string> proxy_callback_addresses;
  /// PEM certificate authorities trusted for proxy callbacks besides the system's ("" = none).
  std::string proxy_callback_ca_file;
  milliseconds proxy_callback_timeout{5000};  ///< the whole callback (connect, TLS, answer); 100ms..30s
};

/// [saml]: the SAML 2.0 identity provider (issue 14).
struct SamlConfig {
  /// The IdP's entity ID; "" = server.public_url + "/saml/metadata" (where the metadata is).
  std::string entity_id;
  seconds clock_skew{180};          ///< how far a request's IssueInstant may be from now; 10s..1h
  seconds assertion_lifetime{300};  ///< an assertion's NotOnOrAfter, from its issue; 30s..1h
  seconds artifact_ttl{60};         ///< how long an artifact waits for its ArtifactResolve; 5s..10m
  seconds metadata_refresh{3600};   ///< how often saml_metadata_url documents are fetched; 1m..7d
};

/// [bootstrap]
/// [rate_limits]: requests allowed per window, counted across the cluster (Redis or the database).
/// 0 = no limit (the default, except authorize_per_ip): a limit costs one Redis (or database) round
/// trip per request it counts.
struct RateLimitsConfig {
  seconds window{60};                  ///< the fixed window; 1s..1h
  std::int64_t token_per_client = 0;   ///< token endpoint requests per authenticated client; 0..1000000000
  std::int64_t token_per_ip = 0;       ///< token endpoint requests per client address
  std::int64_t login_per_client = 0;   ///< hosted sign-in attempts (form POSTs) per application
  std::int64_t login_per_ip = 0;       ///< hosted sign-in attempts per client address
  /// Sign-ins started (login forms shown: one stored login transaction each) per client address.
  /// On by default: each is a row kept for login.transaction_ttl, and anyone may start one.
  std::int64_t authorize_per_ip = 300;
  /// failed client authentications (token, introspection, revocation) per client address; once
  /// reached, the address is refused before its credentials are checked
  std::int64_t client_auth_failures_per_ip = 0;
  /// failed admin API key attempts per client address; once reached, the address is answered 429
  /// before its key is checked (on by default: it costs a round trip only on the admin API)
  std::int64_t api_key_failures_per_ip = 20;
};

using MetricsToken = Secret<struct MetricsTokenTag>;

/// [metrics]: who may read GET /metrics.
struct MetricsConfig {
  /// Clients from these addresses/CIDRs may read without a token (the client address after
  /// server.trusted_proxies). Default: this machine only.
  std::vector<std::string> allow{"127.0.0.0/8", "::1"};
  /// A bearer token that lets any address read; "" = none. A secret: never rendered or logged.
  MetricsToken token;
};

struct BootstrapConfig {
  std::string kickstart;  ///< path of a kickstart JSON applied at start ("" = none)
};

/// [log]
struct LogConfig {
  std::string level = "info";  ///< trace|debug|info|warn|error|off
  std::string format = "json";  ///< json (one object per line: ts, level, node, request_id, msg) | text
};

using DirectoryPassword = Secret<struct DirectoryPasswordTag>;

/// One [[identity_sources]] entry: an LDAP or Active Directory a user may sign in with (issue 16).
/// Local accounts are checked first, then the sources in file order (docs/CONFIG.md). Empty
/// strings marked "type default" are filled in by load() from `type`.
struct IdentitySourceConfig {
  std::string name;                  ///< [a-z0-9_-]{1,32}, unique; on linked accounts and in the audit trail
  std::string type = "ldap";         ///< "ldap" | "active_directory"
  std::vector<std::string> urls;     ///< ldap://host[:port] or ldaps://host[:port], one server each; failover order
  bool start_tls = false;            ///< StartTLS on the ldap:// URLs
  bool allow_plaintext = false;      ///< ldap:// without StartTLS is refused unless true
  std::string ca_file;               ///< PEM CAs the servers' certificates must chain to; "" = the system's
  std::string bind_dn;               ///< the service account (search, then bind as the user); "" with dn_template
  DirectoryPassword bind_password;   ///< its password; or bind_password_file (read at start)
  std::string bind_password_file;
  std::string user_base;             ///< where users are searched
  std::string user_scope = "sub";    ///< "sub" | "one"
  std::string user_filter;           ///< {user} = the login name, RFC 4515-escaped; type default
  std::string dn_template;           ///< direct bind without a service account: "uid={user},ou=people,..."
  std::string id_attribute;          ///< the stable id accounts are linked by; type default (entryUUID / objectGUID)
  std::string username_attribute;    ///< the account's username; type default (uid / sAMAccountName)
  bool trust_email = false;          ///< email_verified of the directory's users
  std::string groups;                ///< "member_of" | "search" | "none"; type default
  std::string group_base;            ///< groups = "search": where groups are searched; "" = user_base
  std::string group_filter;          ///< {dn} = the user's DN, escaped; default groupOfNames/member
  std::size_t max_groups = 500;      ///< 1..5000
  milliseconds connect_timeout{2000};  ///< TCP connect and TLS handshake; 100ms..30s
  milliseconds timeout{3000};          ///< each operation's answer; 100ms..60s
  int pool_size = 4;                   ///< connections per server, per node; 1..256
  milliseconds pool_wait{1000};        ///< a sign-in waits this long for a free connection; 0..30s
  milliseconds retry_after{30000};     ///< a failed server is skipped this long; 1s..1h
  std::map<std::string, std::string> attributes;  ///< claim -> directory attribute (email -> mail)
};

struct Config {
  ServerConfig server;
  DatabaseConfig database;
  KeysConfig keys;
  TokensConfig tokens;
  OAuthConfig oauth;
  ClusterConfig cluster;
  CacheConfig cache;
  MetricsConfig metrics;
  RateLimitsConfig rate_limits;
  PasswordsConfig passwords;
  LoginConfig login;
  MfaConfig mfa;
  AccountConfig account;
  WebauthnConfig webauthn;
  CasConfig cas;
  SamlConfig saml;
  BootstrapConfig bootstrap;
  LogConfig log;
  std::vector<IdentitySourceConfig> identity_sources;  ///< [[identity_sources]], in file order
  std::string source_path;  ///< the file that was loaded ("" = defaults and environment only)
};

/// The RP ID in effect (webauthn.rp_id, else the host of server.public_url).
std::string effective_rp_id(const Config& config);
/// The origins in effect (webauthn.origins, else the origin of server.public_url).
std::vector<std::string> effective_origins(const Config& config);

/// Builds the configuration: defaults, then the file, then the environment (env wins).
/// @param path the TOML file ("" = none: defaults plus environment).
/// @param env the environment (name -> value); pass `environment_from_process()` in production.
///        Only GATEHOUSE_<SECTION>_<KEY> names of a known section are read; other names, including
///        GATEHOUSE_<UNKNOWN SECTION>_* (e.g. GATEHOUSE_TEST_*), are ignored.
/// @returns the validated configuration, or one line per problem, each naming the key and its origin
///          (`server.listen: expected "host:port", got "abc"`,
///          `tokens.access_token_ttl (from GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL): ...`). A missing or
///          unparsable file is named with line and column. Secret values never appear in messages.
/// Thread safety: pure; safe to call concurrently.
Result<Config, std::string> load(const std::string& path, const std::map<std::string, std::string>& env);

/// @returns the process environment variables whose name starts with "GATEHOUSE_".
/// Thread safety: reads `environ`; do not call concurrently with setenv()/putenv().
std::map<std::string, std::string> environment_from_process();

/// The effective configuration as TOML: every key with its value, in the order of docs/CONFIG.md.
/// Durations are written with a unit ("10s"). keys.master_key is never written: it appears as the
/// comment `# master_key = "<redacted>"` when set, so the output loads back to the same configuration
/// (apart from the master key, which must still come from the environment or the key file).
std::string render(const Config& config);

/// What every node of a cluster must agree on: render() without its header and without the
/// node-local keys (node id and URL, check-in offset, listen address, thread counts, master key
/// file, kickstart file, log level). Secrets still appear only as "set" or "not set". The
/// cluster compares a hash of it between nodes (`config_hash` in GET /api/system/nodes).
std::string render_cluster_wide(const Config& config);

}  // namespace gatehouse::app::config
