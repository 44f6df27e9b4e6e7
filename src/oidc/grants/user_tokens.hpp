#pragma once
// What the user grants share (internal to oidc/grants/): issuing the access token and the ID token
// for a user, and minting a refresh token.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "oauth/endpoints.hpp"
#include "oidc/grants/user_grants.hpp"
#include "token/sign_in_facts.hpp"

namespace gatehouse::oidc {

/// What the tokens are issued for: a user, through a grant, with these scopes.
struct Issue {
  const client::Client& client;
  const user::User& user;
  std::string grant_id;
  std::vector<std::string> scopes;
  std::string nonce;  // only from the authorization request; never on refresh
  token::SignInFacts sign_in;
};

/// SHA-256 of a code or refresh token: only hashes are stored.
std::string token_hash(std::string_view token);
bool has_scope(const std::vector<std::string>& scopes, std::string_view s);
oauth::OAuthError invalid_grant(std::string description, std::string detail = {});

/// Signs the access token (and the ID token when openid was granted) and records the access
/// token under its grant. @returns the token response without a refresh token, or server_error
/// when no signing key is available.
oauth::GrantResult issue_tokens(const oauth::OAuthDeps& oauth, const UserGrantDeps& deps, const Issue& in);

/// A new refresh token of the grant (stored as its hash); `value` receives the token itself.
token::RefreshToken new_refresh_token(const UserGrantDeps& deps, const Issue& in, UnixSeconds now, std::string& value);

}  // namespace gatehouse::oidc
