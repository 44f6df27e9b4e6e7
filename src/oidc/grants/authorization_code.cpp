// The authorization_code grant (RFC 6749 §4.1.3, with PKCE: RFC 7636 §4.6).

#include <algorithm>

#include <boost/json.hpp>

#include "client/client_metadata.hpp"
#include "core/log.hpp"
#include "oauth/pkce.hpp"
#include "oidc/grants/user_tokens.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

using oauth::OAuthErrorCode;

/// Everything the presenting client must prove, checked before the code is spent (RFC 6749
/// §4.1.3): a code presented by another client, or without its redirect_uri or PKCE verifier, is
/// refused without burning it, so a stolen or mixed-up code cannot end the legitimate exchange.
Result<void, oauth::OAuthError> check_presenter(const token::AuthorizationCode& found, const client::Client& c,
                                                const oauth::Form& form) {
  if (found.client_id != c.client_id)
    return unexpected(invalid_grant("the code is invalid", "code of client " + found.client_id + " presented by " + c.client_id));
  // RFC 6749 §4.1.3: required and identical when the authorization request had one; a request
  // without one went to the client's only registered URI, so only a registered one may be sent.
  const auto* redirect_uri = form.get("redirect_uri");
  if (!found.redirect_uri.empty() ? redirect_uri == nullptr || *redirect_uri != found.redirect_uri
                                  : redirect_uri != nullptr && std::find(c.redirect_uris.begin(), c.redirect_uris.end(),
                                                                         *redirect_uri) == c.redirect_uris.end())
    return unexpected(invalid_grant("redirect_uri does not match the authorization request"));
  const auto* verifier = form.get("code_verifier");
  if (!found.code_challenge.empty()) {
    if (verifier == nullptr || !oauth::pkce_matches(*verifier, found.code_challenge))
      return unexpected(invalid_grant("the code_verifier does not match the code_challenge"));
  } else if (verifier != nullptr) {
    return unexpected(invalid_grant("a code_verifier was sent but the authorization request had no code_challenge"));
  }
  return {};
}

/// The user the spent code was issued for, if they may still receive tokens.
Result<user::User, oauth::OAuthError> check_user(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps,
                                                 const token::AuthorizationCode& stored) {
  auto u = deps.users.find(stored.user_id);
  if (!u || !u->active) return unexpected(invalid_grant("the user is no longer active"));
  // The user was signed out everywhere after the sign-in behind this code: refused even when the
  // code itself was issued after the sign-out, by a request that read the session just before.
  if (stored.sign_in.auth_time < u->tokens_valid_after) return unexpected(invalid_grant("the code has been revoked"));
  // A sign-out everywhere in the second of that sign-in passes the cut-off above, but it revoked
  // the code's grant: the tokens would be born revoked, and the ID token would still tell the
  // client that the user just signed in. Only that second needs the extra read.
  if (stored.sign_in.auth_time == u->tokens_valid_after &&
      oauth.revocations.is_revoked(token::grant_jti(stored.grant_id)))
    return unexpected(invalid_grant("the code has been revoked"));
  return std::move(*u);
}

}  // namespace

oauth::GrantResult authorization_code_grant(const UserGrantDeps& deps, const oauth::GrantRequest& request) {
  const auto& oauth = request.deps;
  const auto& c = request.client;
  const auto* code = request.form.get("code");
  if (code == nullptr) return unexpected(oauth::oauth_error(OAuthErrorCode::kInvalidRequest, "code is required"));
  const auto now = oauth.clock.now();
  const auto hash = token_hash(*code);
  const auto found = deps.codes.find(hash);
  if (!found) return unexpected(invalid_grant("the code is invalid"));
  if (auto checked = check_presenter(*found, c, request.form); !checked) return unexpected(std::move(checked.error()));
  // Spent here, by exactly one request on any node (the conditional update alone: the code was
  // read above). An expired code is refused without being marked.
  if (found->expires_at <= now) return unexpected(invalid_grant("the code has expired"));
  if (!deps.codes.mark_used(hash, now)) {
    // RFC 6749 §4.1.2 / RFC 9700 §4.5: a second redemption by the client it was issued to
    // revokes what the first one issued.
    deps.refresh_tokens.revoke_grant(found->grant_id, now);
    spdlog::warn("authorization code redeemed twice (client {}): grant revoked", c.client_id);
    return unexpected(invalid_grant("the code has already been used"));
  }
  const auto& stored = *found;
  auto u = check_user(oauth, deps, stored);
  if (!u) return unexpected(std::move(u.error()));
  Issue in{c, *u, stored.grant_id, signin::split_words(stored.scope), stored.nonce, stored.sign_in};
  auto body = issue_tokens(oauth, deps, in);
  if (!body) return body;
  // A refresh token goes only to a client registered for the refresh_token grant; offline_access
  // from any other client is granted as a scope but brings no refresh token (RFC 6749 §6 / OIDC
  // Core §11: the server decides, and a client that may not redeem one must not hold one).
  if (client::has_grant(c, "refresh_token")) {
    std::string value;
    deps.refresh_tokens.insert(new_refresh_token(deps, in, now, value));
    (*body)["refresh_token"] = value;
  }
  return body;
}

}  // namespace gatehouse::oidc
