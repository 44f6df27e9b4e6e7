#pragma once
// The OAuth 2.0 endpoints' dependencies, and introspection (RFC 7662) and revocation (RFC 7009).
// The token endpoint (RFC 6749 §3.2) is in oauth/token/.

#include <chrono>
#include <functional>
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
#include "oauth/token/grant_table.hpp"
#include "token/access_token.hpp"
#include "token/refresh_token_store.hpp"
#include "token/revocation_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::oauth {

inline constexpr std::string_view kTokenPath = "/oauth2/token";
inline constexpr std::string_view kIntrospectionPath = "/oauth2/introspect";
inline constexpr std::string_view kRevocationPath = "/oauth2/revoke";

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
  /// The grant types the token endpoint serves (client_credentials; the composition root adds
  /// oidc/'s authorization_code and refresh_token).
  GrantTable grants = {};
  /// Rate limits, counted cluster-wide; all empty: none (and the fast path stays on).
  ClientLimits limits = {};
  /// Refresh tokens, for their introspection and revocation (nullptr: access tokens only).
  token::RefreshTokenStore* refresh_tokens = nullptr;
  /// Users, so the tokens of a deactivated, deleted or signed-out user introspect inactive
  /// (nullptr: not checked; tests only).
  user::UserStore* users = nullptr;
  /// Counts a request answered 503 because the store failed (the node's
  /// gatehouse_store_errors_total); empty: not counted.
  StoreFaultCounter count_store_fault = {};
};

http::Response introspection_endpoint(const OAuthDeps& deps, const http::Request& request);
http::Response revocation_endpoint(const OAuthDeps& deps, const http::Request& request);

/// Registers introspection and revocation (the token endpoint: add_token_routes). `deps` must
/// outlive the router.
void add_routes(http::Router& router, const OAuthDeps& deps);

}  // namespace gatehouse::oauth
