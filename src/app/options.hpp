#pragma once
// The configuration turned into the options of each domain: one function per domain type, so the
// composition root and the CLI commands build them alike.

#include <string>
#include <utility>
#include <vector>

#include "app/config/config.hpp"
#include "app/kickstart.hpp"
#include "client/client_metadata.hpp"
#include "http/server.hpp"
#include "jose/jws.hpp"
#include "keys/key_ring.hpp"
#include "keys/master_key.hpp"
#include "mfa/factors.hpp"
#include "mfa/passkeys.hpp"
#include "storage/backend.hpp"
#include "user/password_hasher.hpp"

namespace gatehouse::app {

user::Argon2Params argon2_params(const config::Config& c);
client::MetadataDefaults metadata_defaults(const config::Config& c);
KickstartRules kickstart_rules(const config::Config& c);
/// keys.algorithms (validated by the loader) as algorithms.
std::vector<jose::Algorithm> algorithms_of(const config::Config& c);
/// keys.rotation_period, keys.jwks_max_age, and the longest token lifetime with a minute's margin.
keys::RotationPolicy rotation_policy(const config::Config& c);
/// This node's id: cluster.node_id, or "standalone" for a single node without one.
std::string node_id_of(const config::Config& c);
/// server.listen ("host:port", "[v6]:port"; validated by the loader) as host and port.
std::pair<std::string, unsigned short> split_listen(const std::string& listen);
/// The HTTP server's options from [server] (validated by the loader); TLS certificates loaded.
/// @throws StartupError if the certificate pair cannot be loaded.
http::ServerOptions server_options(const config::Config& c);
/// What authenticator apps show above the code: mfa.issuer, or the host of server.public_url
/// ("Gatehouse" when that host is an IPv6 literal, whose ':' an otpauth issuer may not hold).
/// The host of server.public_url ("Gatehouse" for an IP literal with colons or none): a name to show.
std::string public_host(const config::Config& c);
std::string mfa_issuer(const config::Config& c);
/// The second factors over `store`, their failed codes counted in `users` (the store the password
/// lockout counts in: Redis-backed when configured), their secrets under subkeys of `master`.
mfa::FactorsDeps factors_deps(const config::Config& c, storage::Backend& store, user::UserStore& users,
                              const keys::MasterKey& master, const Clock& clock);
/// The WebAuthn ceremonies over `store`: the relying party of [webauthn] (RP ID and origins from
/// server.public_url unless set: rp id = its host, origin = scheme://host[:port]).
mfa::PasskeysDeps passkeys_deps(const config::Config& c, storage::Backend& store, const Clock& clock);
/// A configured thread count, or `fallback` (at least 1) when it is 0 (automatic).
int auto_threads(int configured, int fallback);

}  // namespace gatehouse::app
