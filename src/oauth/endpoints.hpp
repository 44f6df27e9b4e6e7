#pragma once
// The OAuth 2.0 endpoints: token (RFC 6749 §3.2), introspection (RFC 7662), revocation (RFC 7009).

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "client/client_cache.hpp"
#include "client/client_store.hpp"
#include "client/secret_hasher.hpp"
#include "core/clock.hpp"
#include "http/router.hpp"
#include "oauth/client_assertion.hpp"
#include "oauth/form.hpp"
#include "token/access_token.hpp"
#include "token/refresh_token_store.hpp"
#include "token/revocation_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::oauth {

inline constexpr std::string_view kTokenPath = "/oauth2/token";
inline constexpr std::string_view kIntrospectionPath = "/oauth2/introspect";
inline constexpr std::string_view kRevocationPath = "/oauth2/revoke";

/// A grant type served by another module (oidc/ adds authorization_code and refresh_token, which
/// issue ID tokens). Called on a worker after the client has authenticated.
using GrantHandler = std::function<http::Response(const client::Client& client, const Form& form)>;

/// Rate limits around client authentication. A client's own limit is counted only once it has
/// authenticated, so nobody can spend another client's budget by naming its client_id; failed
/// authentications are counted against the address they came from. Each returns the seconds to
/// wait when over its limit; an empty function is a limit that is off.
struct ClientLimits {
  /// Token endpoint, before the credentials are read: counts the request against its address.
  std::function<std::optional<UnixSeconds>(std::string_view address)> per_address = {};
  /// Every endpoint that authenticates clients, before it checks credentials: whether the address
  /// has failed too often in this window (does not count).
  std::function<std::optional<UnixSeconds>(std::string_view address)> failures_exhausted = {};
  /// Counts one failed client authentication (invalid_client) against its address.
  std::function<void(std::string_view address)> failed = {};
  /// Token endpoint, after the client authenticated: counts the request against the client.
  std::function<std::optional<UnixSeconds>(std::string_view client_id)> per_client = {};

  bool any() const { return per_address || failures_exhausted || failed || per_client; }
};

struct OAuthDeps {
  client::ClientStore& clients;  // in a node: the near-cache below, so lookups fill it
  const client::SecretHasher& secrets;
  const token::AccessTokenCodec& tokens;
  token::RevocationStore& revocations;
  const Clock& clock;
  std::chrono::seconds access_token_ttl;
  /// The client near-cache, read by the token endpoint's fast path; nullptr disables the fast path.
  const client::CachingClientStore* cache = nullptr;
  /// Checks private_key_jwt client assertions; nullptr refuses that method.
  const ClientAssertionVerifier* assertions = nullptr;
  /// Further grant types by grant_type value.
  std::map<std::string, GrantHandler, std::less<>> extra_grants = {};
  /// Rate limits, counted cluster-wide; all empty: none (and the fast path stays on).
  ClientLimits limits = {};
  /// Refresh tokens, for their introspection and revocation (nullptr: access tokens only).
  token::RefreshTokenStore* refresh_tokens = nullptr;
  /// Users, so the tokens of a deactivated, deleted or signed-out user introspect inactive
  /// (nullptr: not checked; tests only).
  user::UserStore* users = nullptr;
};

http::Response token_endpoint(const OAuthDeps& deps, const http::Request& request);
/// The token endpoint on the I/O thread: answers when the client is in the near-cache and the
/// token is cheap to sign (ES256, tens of microseconds); otherwise nullopt, and the request goes
/// to token_endpoint() on a worker. RS256 (about a millisecond per signature) always goes to the
/// workers so an I/O thread never stalls its other connections. Never touches the store.
std::optional<http::Response> token_endpoint_fast_path(const OAuthDeps& deps, const http::Request& request);
http::Response introspection_endpoint(const OAuthDeps& deps, const http::Request& request);
http::Response revocation_endpoint(const OAuthDeps& deps, const http::Request& request);

/// Registers the three endpoints. `deps` must outlive the router.
void add_routes(http::Router& router, const OAuthDeps& deps);

}  // namespace gatehouse::oauth
