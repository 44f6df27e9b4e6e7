#pragma once
// Sign-out everywhere: what an administrator's sign-out, a deactivation, a password set by an
// administrator and a user's own password change or "sign out everywhere" on the account page
// all do, written once.

#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "session/sso_session_store.hpp"
#include "token/refresh_token_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::signin {

struct SignOutStores {
  user::UserStore& users;
  session::SsoSessionStore* sessions = nullptr;  // nullptr: no SSO sessions to end
  token::RefreshTokenStore* grants = nullptr;    // nullptr: no grants to revoke
};

struct SignedOut {
  std::size_t sessions = 0;        // SSO sessions ended
  std::size_t refresh_tokens = 0;  // refresh tokens revoked
};

/// Ends everything the user is signed in with, on every node: tokens issued before `now` stop
/// introspecting active (the user's cut-off, tokens_valid_after), every SSO session ends, every
/// grant is revoked (refresh tokens, and the access tokens and codes of those grants).
/// Re-activation brings none of it back. @returns nullopt if there is no such user.
std::optional<SignedOut> sign_out_everywhere(const SignOutStores& stores, const std::string& user_id, UnixSeconds now);

}  // namespace gatehouse::signin
