// Token endpoint (RFC 6749 §3.2) with the client_credentials grant (§4.4). The grant issues a
// self-contained RFC 9068 access token and writes nothing to the store, so issuance costs one
// client read plus one signature.

#include <algorithm>

#include <boost/json.hpp>

#include "client/client_metadata.hpp"
#include "core/request_stats.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/client_auth.hpp"
#include "oauth/endpoints.hpp"

namespace gatehouse::oauth {
namespace {

Result<std::vector<std::string>, OAuthError> granted_scopes(const client::Client& c, const Form& form) {
  const auto* requested = form.get("scope");
  if (requested == nullptr) return c.scopes;  // RFC 6749 §3.3: the pre-defined default
  auto scopes = client::split_scope(*requested);
  if (!scopes) return unexpected(oauth_error(OAuthErrorCode::kInvalidScope, "the scope parameter is malformed"));
  for (const auto& s : *scopes)
    if (std::find(c.scopes.begin(), c.scopes.end(), s) == c.scopes.end())
      return unexpected(oauth_error(OAuthErrorCode::kInvalidScope, "scope '" + s + "' is not allowed for this client"));
  return std::move(*scopes);
}

http::Response client_credentials(const OAuthDeps& deps, const client::Client& c, const Form& form) {
  if (!client::has_grant(c, "client_credentials"))
    return oauth_error_response(oauth_error(OAuthErrorCode::kUnauthorizedClient,
                                            "this client may not use the client_credentials grant"));
  auto scopes = granted_scopes(c, form);
  if (!scopes) return oauth_error_response(scopes.error());
  auto alg = jose::algorithm_from_string(c.access_token_signed_response_alg);
  token::AccessTokenClaims claims;
  claims.iss = deps.tokens.issuer();
  claims.sub = c.client_id;  // RFC 9068 §2.2: no resource owner, so the client itself
  claims.aud = c.access_token_audience.empty() ? std::vector<std::string>{c.client_id} : c.access_token_audience;
  claims.client_id = c.client_id;
  claims.scope = client::join_scope(*scopes);
  claims.iat = deps.clock.now();
  claims.exp = claims.iat + deps.access_token_ttl.count();
  claims.jti = jose::random_token(16);
  auto jwt = alg ? deps.tokens.issue(claims, *alg) : std::nullopt;
  if (!jwt)
    return oauth_error_response(oauth_error(OAuthErrorCode::kServerError, "no signing key is available",
                                            "no current key for alg " + c.access_token_signed_response_alg));
  boost::json::object body{{"access_token", std::move(*jwt)},
                           {"token_type", "Bearer"},
                           {"expires_in", deps.access_token_ttl.count()}};
  if (!claims.scope.empty()) body["scope"] = claims.scope;
  return oauth_json_response(body);
}

/// The answer to credentials that did not authenticate: counted against the address (on the I/O
/// thread's fast path nothing is counted, since no limit is set there).
http::Response failed_authentication(const OAuthDeps& deps, const http::Request& request, const OAuthError& e) {
  if (e.code == OAuthErrorCode::kInvalidClient && deps.limits.failed) deps.limits.failed(request.client_address);
  return oauth_error_response(e);
}

/// The request kind of a grant type we serve, for stats (core/request_stats.hpp); nullptr for
/// anything else (the kind stays the route's: kinds never come from the request).
const char* request_kind_of(std::string_view grant_type) {
  if (grant_type == "client_credentials") return "POST /oauth2/token (client_credentials)";
  if (grant_type == "authorization_code") return "POST /oauth2/token (authorization_code)";
  if (grant_type == "refresh_token") return "POST /oauth2/token (refresh_token)";
  return nullptr;
}

/// The token endpoint's steps (RFC 6749 §3.2). `fast`: on the I/O thread, where the client may
/// only come from the near-cache; nullopt means "needs a worker".
std::optional<http::Response> handle_token_request(const OAuthDeps& deps, const http::Request& request, bool fast) {
  auto form = parse_form(request);
  if (!form) return oauth_error_response(form.error());
  const auto* grant_type = form->get("grant_type");
  if (grant_type == nullptr)
    return oauth_error_response(oauth_error(OAuthErrorCode::kInvalidRequest, "grant_type is required"));
  if (const char* kind = request_kind_of(*grant_type)) stats::request_kind = kind;
  const auto& limits = deps.limits;
  if (limits.any()) {
    if (fast) return std::nullopt;  // counting needs Redis or the store: a worker's job
    if (limits.per_address)
      if (auto wait = limits.per_address(request.client_address)) return too_many_requests(*wait);
    if (limits.failures_exhausted)
      if (auto wait = limits.failures_exhausted(request.client_address)) return too_many_requests(*wait);
  }
  auto presented = presented_credentials(request, *form);
  if (!presented) return failed_authentication(deps, request, presented.error());
  std::shared_ptr<const client::Client> registered;
  if (fast) {
    if (presented->method == "private_key_jwt") return std::nullopt;  // the replay check needs a worker
    registered = deps.cache->peek(presented->client_id);
    if (!registered || *grant_type != "client_credentials" || registered->access_token_signed_response_alg != "ES256")
      return std::nullopt;
  } else if (auto found = deps.clients.find(presented->client_id)) {
    registered = std::make_shared<const client::Client>(std::move(*found));
  }
  auto verified = verify_client(*presented, registered.get(), deps.secrets, {deps.assertions, kTokenPath});
  if (!verified) return failed_authentication(deps, request, verified.error());
  // Only now is the client's own budget spent: it is this client asking.
  if (limits.per_client)
    if (auto wait = limits.per_client(registered->client_id)) return too_many_requests(*wait);
  if (*grant_type == "client_credentials") return client_credentials(deps, *registered, *form);
  if (auto extra = deps.extra_grants.find(*grant_type); extra != deps.extra_grants.end())
    return extra->second(*registered, *form);
  return oauth_error_response(oauth_error(OAuthErrorCode::kUnsupportedGrantType,
                                          "grant_type '" + *grant_type + "' is not supported"));
}

}  // namespace

http::Response token_endpoint(const OAuthDeps& deps, const http::Request& request) {
  return *handle_token_request(deps, request, false);
}

std::optional<http::Response> token_endpoint_fast_path(const OAuthDeps& deps, const http::Request& request) {
  // A real token request is a few hundred bytes; anything larger is parsed on a worker so one
  // request can never hold an I/O thread for long.
  constexpr std::size_t kMaxFastPathBody = 4096;
  if (deps.cache == nullptr || request.body.size() > kMaxFastPathBody) return std::nullopt;
  return handle_token_request(deps, request, true);
}

}  // namespace gatehouse::oauth
