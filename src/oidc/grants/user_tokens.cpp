#include "oidc/grants/user_tokens.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "client/client_metadata.hpp"
#include "jose/openssl/crypto.hpp"
#include "oidc/id_token.hpp"
#include "signin/assurance.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;
using oauth::OAuthErrorCode;
using oauth::oauth_error;

/// The ID token (OIDC Core §3.1.3.6) issued beside `access`.
Result<std::string, oauth::OAuthError> sign_id_token(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps,
                                                     const Issue& in, const token::AccessTokenClaims& claims,
                                                     const std::string& access) {
  IdTokenInput id;
  id.issuer = claims.iss;
  id.client_id = in.client.client_id;
  id.user = &in.user;
  id.scopes = in.scopes;
  id.nonce = in.nonce;
  id.sid = in.sign_in.sid;
  id.auth_time = in.sign_in.auth_time;
  id.amr = signin::split_words(in.sign_in.amr);
  id.acr = std::string(signin::acr_for(in.sign_in.amr));
  id.issued_at = claims.iat;
  id.lifetime = deps.id_token_ttl;
  id.access_token = access;
  // RS256 unless the client registered another (OIDC Registration §2; RS256 is the algorithm
  // every relying party must support, OIDC Core §15.1).
  auto id_alg = jose::algorithm_from_string(in.client.id_token_signed_response_alg).value_or(jose::Algorithm::kRS256);
  auto signed_id = oauth.tokens.sign(id_token_claims(id), id_alg, "JWT");
  if (!signed_id) return unexpected(oauth_error(OAuthErrorCode::kServerError, "no signing key is available"));
  return std::move(*signed_id);
}

}  // namespace

std::string token_hash(std::string_view token) { return jose::sha256(token); }

bool has_scope(const std::vector<std::string>& scopes, std::string_view s) {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

oauth::OAuthError invalid_grant(std::string description, std::string detail) {
  return oauth_error(OAuthErrorCode::kInvalidGrant, std::move(description), std::move(detail));
}

oauth::GrantResult issue_tokens(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps, const Issue& in) {
  const auto now = oauth.clock.now();
  token::AccessTokenClaims claims;
  claims.iss = oauth.tokens.issuer();
  claims.sub = in.user.id;
  claims.aud = in.client.access_token_audience.empty() ? std::vector<std::string>{in.client.client_id}
                                                       : in.client.access_token_audience;
  claims.client_id = in.client.client_id;
  claims.scope = client::join_scope(in.scopes);
  claims.iat = now;
  claims.exp = now + oauth.access_token_ttl.count();
  claims.jti = token::grant_jti(in.grant_id);  // revoking the grant revokes this token
  auto alg = jose::algorithm_from_string(in.client.access_token_signed_response_alg).value_or(jose::Algorithm::kRS256);
  auto access = oauth.tokens.issue(claims, alg);
  if (!access) return unexpected(oauth_error(OAuthErrorCode::kServerError, "no signing key is available"));
  json::object body{{"access_token", *access}, {"token_type", "Bearer"}, {"expires_in", oauth.access_token_ttl.count()}};
  if (!claims.scope.empty()) body["scope"] = claims.scope;
  if (has_scope(in.scopes, "openid")) {
    auto id_token = sign_id_token(oauth, deps, in, claims, *access);
    if (!id_token) return unexpected(std::move(id_token.error()));
    body["id_token"] = std::move(*id_token);
  }
  return body;
}

token::RefreshToken new_refresh_token(const UserGrantDeps& deps, const Issue& in, UnixSeconds now, std::string& value) {
  value = jose::random_token(32);
  const auto expires_at =
      std::min(now + deps.refresh_token_ttl, in.sign_in.auth_time + deps.refresh_token_max_lifetime);
  return token::RefreshToken{token_hash(value), in.grant_id, in.client.client_id, in.user.id,
                             client::join_scope(in.scopes), in.sign_in, now, expires_at};
}

}  // namespace gatehouse::oidc
