// The client_credentials grant (RFC 6749 §4.4). The access token is self-contained (RFC 9068) and
// nothing is written, so issuance costs one client read plus one signature.

#include "oauth/token/grants/client_credentials.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "client/client_metadata.hpp"
#include "jose/openssl/crypto.hpp"
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

GrantResult client_credentials(const GrantRequest& request) {
  const auto& deps = request.deps;
  const auto& c = request.client;
  auto scopes = granted_scopes(c, request.form);
  if (!scopes) return unexpected(std::move(scopes.error()));
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
    return unexpected(oauth_error(OAuthErrorCode::kServerError, "no signing key is available",
                                  "no current key for alg " + c.access_token_signed_response_alg));
  boost::json::object body{{"access_token", std::move(*jwt)},
                           {"token_type", "Bearer"},
                           {"expires_in", deps.access_token_ttl.count()}};
  if (!claims.scope.empty()) body["scope"] = claims.scope;
  return body;
}

}  // namespace

Grant client_credentials_grant() {
  return Grant{"client_credentials", "POST /oauth2/token (client_credentials)", true, &client_credentials};
}

}  // namespace gatehouse::oauth
