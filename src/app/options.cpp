#include "app/options.hpp"

#include <algorithm>
#include <thread>

#include <boost/url/parse.hpp>

namespace gatehouse::app {

user::Argon2Params argon2_params(const config::Config& c) {
  return user::Argon2Params{c.passwords.memory_kib, c.passwords.iterations, c.passwords.parallelism};
}

client::MetadataDefaults metadata_defaults(const config::Config& c) {
  return client::MetadataDefaults{c.tokens.default_signing_alg, c.keys.algorithms};
}

KickstartRules kickstart_rules(const config::Config& c) { return KickstartRules{metadata_defaults(c), c.passwords.min_length}; }

std::vector<jose::Algorithm> algorithms_of(const config::Config& c) {
  std::vector<jose::Algorithm> algs;
  for (const auto& name : c.keys.algorithms) algs.push_back(*jose::algorithm_from_string(name));
  return algs;
}

keys::RotationPolicy rotation_policy(const config::Config& c) {
  const auto longest_token = std::max(c.tokens.access_token_ttl.count(), c.tokens.id_token_ttl.count());
  return keys::RotationPolicy{c.keys.rotation_period.count(), c.keys.jwks_max_age.count(), longest_token + 60};
}

std::string node_id_of(const config::Config& c) { return c.cluster.node_id.empty() ? "standalone" : c.cluster.node_id; }

std::pair<std::string, unsigned short> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))};
}

std::string public_host(const config::Config& c) {
  auto url = boost::urls::parse_absolute_uri(c.server.public_url);  // validated by the loader
  std::string host = url ? std::string(url->encoded_host()) : std::string();
  if (host.empty() || host.find(':') != std::string::npos) return "Gatehouse";
  return host;
}

std::string mfa_issuer(const config::Config& c) { return c.mfa.issuer.empty() ? public_host(c) : c.mfa.issuer; }

mfa::FactorsDeps factors_deps(const config::Config& c, storage::Backend& store, user::UserStore& users,
                              const keys::MasterKey& master, const Clock& clock) {
  return mfa::FactorsDeps{.totp = store.totp(),
                          .recovery_codes = store.recovery_codes(),
                          .passkeys = store.passkeys(),
                          .users = users,
                          .clock = clock,
                          .seal_key = master.derive(mfa::kTotpSealPurpose),
                          .recovery_key = master.derive(mfa::kRecoveryCodeHashPurpose),
                          .issuer = mfa_issuer(c),
                          .lockout = {.threshold = c.mfa.code_lockout_threshold,
                                      .window = c.mfa.code_lockout_window.count(),
                                      .duration = c.mfa.code_lockout_duration.count()}};
}

mfa::PasskeysDeps passkeys_deps(const config::Config& c, storage::Backend& store, const Clock& clock) {
  return mfa::PasskeysDeps{.passkeys = store.passkeys(),
                           .challenges = store.webauthn_challenges(),
                           .clock = clock,
                           .rp = {config::effective_rp_id(c), config::effective_origins(c)},
                           .rp_name = mfa_issuer(c),
                           .user_verification = c.webauthn.user_verification,
                           .challenge_ttl = c.webauthn.challenge_ttl.count()};
}

int auto_threads(int configured, int fallback) { return configured > 0 ? configured : std::max(1, fallback); }

http::ServerOptions server_options(const config::Config& c) {
  const auto& sc = c.server;
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
  if (!sc.tls_cert_file.empty()) options.tls = std::make_shared<http::TlsCertificates>(sc.tls_cert_file, sc.tls_key_file);
  return options;
}

}  // namespace gatehouse::app
