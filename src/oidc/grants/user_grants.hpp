#pragma once
// The grants that act for a user and issue ID tokens: authorization_code (RFC 6749 §4.1.3 with
// PKCE, RFC 7636 §4.6) and refresh_token (RFC 6749 §6, rotated on every use, RFC 9700 §4.14).
// One file each; the composition root adds them to the token endpoint's grant table
// (oauth/token/grant_table.hpp), so the OAuth code never depends on OpenID Connect.

#include <string>

#include "core/secret.hpp"
#include "oauth/token/grant_table.hpp"
#include "token/code_store.hpp"
#include "token/refresh_token_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::oidc {

struct UserGrantDeps {
  token::CodeStore& codes;
  token::RefreshTokenStore& refresh_tokens;
  user::UserStore& users;
  /// AES-256-GCM key sealing the answer kept for a refresh token's grace window (it holds tokens).
  KeyBytes grace_sealing_key;
  UnixSeconds refresh_token_ttl = 30 * 24 * 3600;
  UnixSeconds refresh_grace = 10;
  UnixSeconds id_token_ttl = 300;
  /// A refresh-token family ends this long after the sign-in that started it, however often it
  /// is rotated (each rotation otherwise extends it by refresh_token_ttl).
  UnixSeconds refresh_token_max_lifetime = 365 * 24 * 3600;
};

/// Adds authorization_code and refresh_token to the token endpoint's grants. `deps` must outlive
/// the table.
void add_user_grants(oauth::GrantTable& grants, const UserGrantDeps& deps);

/// The grants themselves (grants/authorization_code.cpp, grants/refresh_token.cpp): called by the
/// table once the client has authenticated and is registered for the grant.
oauth::GrantResult authorization_code_grant(const UserGrantDeps& deps, const oauth::GrantRequest& request);
oauth::GrantResult refresh_token_grant(const UserGrantDeps& deps, const oauth::GrantRequest& request);

}  // namespace gatehouse::oidc
