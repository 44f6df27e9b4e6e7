#include "oidc/user_grants.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "client/client_metadata.hpp"
#include "core/base64url.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/pkce.hpp"
#include "oidc/id_token.hpp"
#include "oidc/pages.hpp"

namespace gatehouse::oidc {
namespace {

namespace json = boost::json;
using oauth::OAuthErrorCode;
using oauth::oauth_error;
using oauth::oauth_error_response;

constexpr std::string_view kGraceAad = "gatehouse refresh grace answer";

std::string token_hash(std::string_view token) { return jose::sha256(token); }

bool has_scope(const std::vector<std::string>& scopes, std::string_view s) {
  return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
}

http::Response invalid_grant(std::string description, std::string detail = {}) {
  return oauth_error_response(oauth_error(OAuthErrorCode::kInvalidGrant, std::move(description), std::move(detail)));
}

/// What the tokens are issued for: a user, through a grant, with these scopes.
struct Issue {
  const client::Client& client;
  const user::User& user;
  std::string grant_id;
  std::vector<std::string> scopes;
  std::string nonce;  // only from the authorization request; never on refresh
  std::string sid;
  UnixSeconds auth_time = 0;
  std::string amr;
};

/// Signs the access token (and the ID token when openid was granted) and records the access
/// token under its grant. @returns the JSON answer without a refresh token, or an error response.
Result<json::object, http::Response> issue_tokens(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps, const Issue& in) {
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
  if (!access)
    return unexpected(oauth_error_response(oauth_error(OAuthErrorCode::kServerError, "no signing key is available")));
  json::object body{{"access_token", *access}, {"token_type", "Bearer"}, {"expires_in", oauth.access_token_ttl.count()}};
  if (!claims.scope.empty()) body["scope"] = claims.scope;
  if (has_scope(in.scopes, "openid")) {
    IdTokenInput id;
    id.issuer = claims.iss;
    id.client_id = in.client.client_id;
    id.user = &in.user;
    id.scopes = in.scopes;
    id.nonce = in.nonce;
    id.sid = in.sid;
    id.auth_time = in.auth_time;
    id.amr = split_words(in.amr);
    id.issued_at = now;
    id.lifetime = deps.id_token_ttl;
    id.access_token = *access;
    // RS256 unless the client registered another (OIDC Registration §2; RS256 is the algorithm
    // every relying party must support, OIDC Core §15.1).
    auto id_alg = jose::algorithm_from_string(in.client.id_token_signed_response_alg).value_or(jose::Algorithm::kRS256);
    auto signed_id = oauth.tokens.sign(id_token_claims(id), id_alg, "JWT");
    if (!signed_id)
      return unexpected(oauth_error_response(oauth_error(OAuthErrorCode::kServerError, "no signing key is available")));
    body["id_token"] = *signed_id;
  }
  return body;
}

// A refresh token goes only to a client registered for the refresh_token grant; offline_access
// from any other client is granted as a scope but brings no refresh token (RFC 6749 §6 / OIDC
// Core §11: the server decides, and a client that may not redeem one must not hold one).
bool wants_refresh_token(const client::Client& c) { return client::has_grant(c, "refresh_token"); }

token::RefreshToken new_refresh_token(const UserGrantDeps& deps, const Issue& in, UnixSeconds now, std::string& value) {
  value = jose::random_token(32);
  const auto expires_at = std::min(now + deps.refresh_token_ttl, in.auth_time + deps.refresh_token_max_lifetime);
  return token::RefreshToken{token_hash(value), in.grant_id, in.client.client_id, in.user.id,
                             client::join_scope(in.scopes), in.sid, in.auth_time, in.amr, now, expires_at};
}

http::Response authorization_code(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps, const client::Client& c,
                                  const oauth::Form& form) {
  if (!client::has_grant(c, "authorization_code"))
    return oauth_error_response(oauth_error(OAuthErrorCode::kUnauthorizedClient,
                                            "this client may not use the authorization_code grant"));
  const auto* code = form.get("code");
  if (code == nullptr) return oauth_error_response(oauth_error(OAuthErrorCode::kInvalidRequest, "code is required"));
  const auto now = oauth.clock.now();
  const auto hash = token_hash(*code);
  // Everything the presenting client must prove is checked before the code is spent (RFC 6749
  // §4.1.3): a code presented by another client, or without its redirect_uri or PKCE verifier, is
  // refused without burning it, so a stolen or mixed-up code cannot end the legitimate exchange.
  const auto found = deps.codes.find(hash);
  if (!found) return invalid_grant("the code is invalid");
  if (found->client_id != c.client_id)
    return invalid_grant("the code is invalid", "code of client " + found->client_id + " presented by " + c.client_id);
  // RFC 6749 §4.1.3: required and identical when the authorization request had one; a request
  // without one went to the client's only registered URI, so only a registered one may be sent.
  const auto* redirect_uri = form.get("redirect_uri");
  if (!found->redirect_uri.empty() ? redirect_uri == nullptr || *redirect_uri != found->redirect_uri
                                   : redirect_uri != nullptr && std::find(c.redirect_uris.begin(), c.redirect_uris.end(),
                                                                          *redirect_uri) == c.redirect_uris.end())
    return invalid_grant("redirect_uri does not match the authorization request");
  const auto* verifier = form.get("code_verifier");
  if (!found->code_challenge.empty()) {
    if (verifier == nullptr || !oauth::pkce_matches(*verifier, found->code_challenge))
      return invalid_grant("the code_verifier does not match the code_challenge");
  } else if (verifier != nullptr) {
    return invalid_grant("a code_verifier was sent but the authorization request had no code_challenge");
  }
  // Spent here, by exactly one request on any node (the conditional update alone: the code was
  // read above). An expired code is refused without being marked.
  if (found->expires_at <= now) return invalid_grant("the code has expired");
  if (!deps.codes.mark_used(hash, now)) {
    // RFC 6749 §4.1.2 / RFC 9700 §4.5: a second redemption by the client it was issued to
    // revokes what the first one issued.
    deps.refresh_tokens.revoke_grant(found->grant_id, now);
    spdlog::warn("authorization code redeemed twice (client {}): grant revoked", c.client_id);
    return invalid_grant("the code has already been used");
  }
  const auto& stored = *found;
  auto u = deps.users.find(stored.user_id);
  if (!u || !u->active) return invalid_grant("the user is no longer active");
  // The user was signed out everywhere after the sign-in behind this code: refused even when the
  // code itself was issued after the sign-out, by a request that read the session just before.
  if (stored.auth_time < u->tokens_valid_after) return invalid_grant("the code has been revoked");
  // A sign-out everywhere in the second of that sign-in passes the cut-off above, but it revoked
  // the code's grant: the tokens would be born revoked, and the ID token would still tell the
  // client that the user just signed in. Only that second needs the extra read.
  if (stored.auth_time == u->tokens_valid_after && oauth.revocations.is_revoked(token::grant_jti(stored.grant_id)))
    return invalid_grant("the code has been revoked");
  Issue in{c, *u, stored.grant_id, split_words(stored.scope), stored.nonce, stored.sid, stored.auth_time, stored.amr};
  auto body = issue_tokens(oauth, deps, in);
  if (!body) return body.error();
  if (wants_refresh_token(c)) {
    std::string value;
    deps.refresh_tokens.insert(new_refresh_token(deps, in, now, value));
    (*body)["refresh_token"] = value;
  }
  return oauth::oauth_json_response(*body);
}

http::Response refresh_token(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps, const client::Client& c,
                             const oauth::Form& form) {
  if (!client::has_grant(c, "refresh_token"))
    return oauth_error_response(oauth_error(OAuthErrorCode::kUnauthorizedClient,
                                            "this client may not use the refresh_token grant"));
  const auto* presented = form.get("refresh_token");
  if (presented == nullptr)
    return oauth_error_response(oauth_error(OAuthErrorCode::kInvalidRequest, "refresh_token is required"));
  const auto now = oauth.clock.now();
  const auto presented_hash = token_hash(*presented);
  auto current = deps.refresh_tokens.find_active(presented_hash, now);
  // A token that is no longer active may still be inside its grace window: rotate() decides.
  std::vector<std::string> scopes;
  std::optional<user::User> u;
  std::string grant_id;
  if (current) {
    if (current->client_id != c.client_id) return invalid_grant("the refresh token was issued to another client");
    scopes = split_words(current->scope);
    if (const auto* requested = form.get("scope")) {
      auto narrowed = client::split_scope(*requested);
      if (!narrowed) return oauth_error_response(oauth_error(OAuthErrorCode::kInvalidScope, "the scope parameter is malformed"));
      for (const auto& s : *narrowed)
        if (!has_scope(scopes, s))
          return oauth_error_response(oauth_error(OAuthErrorCode::kInvalidScope, "scope '" + s + "' was not granted"));
      scopes = std::move(*narrowed);
    }
    u = deps.users.find(current->user_id);
    if (!u || !u->active) {
      deps.refresh_tokens.revoke_grant(current->grant_id, now);
      return invalid_grant("the user is no longer active");
    }
    if (current->auth_time < u->tokens_valid_after) {  // a sign-in before a sign-out everywhere
      deps.refresh_tokens.revoke_grant(current->grant_id, now);
      return invalid_grant("the refresh token has been revoked");
    }
  }
  // Build the successor and its answer first; rotate() keeps them only if this call wins.
  json::object body;
  token::RefreshToken successor;
  std::string successor_value;
  if (current) {
    Issue in{c, *u, current->grant_id, scopes, {}, current->sid, current->auth_time, current->amr};
    auto issued = issue_tokens(oauth, deps, in);
    if (!issued) return issued.error();
    body = std::move(*issued);
    successor = new_refresh_token(deps, in, now, successor_value);
    successor.scope = current->scope;  // narrowing a request does not narrow the grant
    body["refresh_token"] = successor_value;
  }
  const auto answer = json::serialize(body);
  const auto sealed = jose::aead_seal(deps.grace_sealing_key, answer, kGraceAad);
  auto rotated = deps.refresh_tokens.rotate(presented_hash, successor, sealed, now, deps.refresh_grace);
  switch (rotated.outcome) {
    case token::RotateOutcome::kRotated:
      if (!current) return invalid_grant("the refresh token is invalid");  // cannot happen: it was not active
      return oauth::oauth_json_response(body);
    case token::RotateOutcome::kGrace: {
      if (rotated.token->client_id != c.client_id) return invalid_grant("the refresh token was issued to another client");
      auto previous = jose::aead_open(deps.grace_sealing_key, rotated.previous_response, kGraceAad);
      if (!previous) return invalid_grant("the refresh token is invalid");
      boost::system::error_code ec;
      auto parsed = json::parse(*previous, ec);
      if (ec || !parsed.is_object()) return invalid_grant("the refresh token is invalid");
      return oauth::oauth_json_response(parsed);
    }
    case token::RotateOutcome::kReplayed:
      spdlog::warn("refresh token replayed after its grace window (client {}): grant revoked", c.client_id);
      return invalid_grant("the refresh token has already been used");
    case token::RotateOutcome::kExpired: return invalid_grant("the refresh token has expired");
    case token::RotateOutcome::kRevoked: return invalid_grant("the refresh token has been revoked");
    case token::RotateOutcome::kUnknown: break;
  }
  return invalid_grant("the refresh token is invalid");
}

}  // namespace

void add_user_grants(oauth::OAuthDeps& oauth, const UserGrantDeps& deps) {
  const oauth::OAuthDeps* o = &oauth;
  oauth.extra_grants["authorization_code"] = [o, &deps](const client::Client& c, const oauth::Form& f) {
    return authorization_code(*o, deps, c, f);
  };
  oauth.extra_grants["refresh_token"] = [o, &deps](const client::Client& c, const oauth::Form& f) {
    return refresh_token(*o, deps, c, f);
  };
}

}  // namespace gatehouse::oidc
