#pragma once
// The account page (/account): the signed-in person's own view of their profile, their SSO
// sessions (with "sign out everywhere") and a password change that asks for the current password.
// Factors are added to it next.
//
// It is a front door like OpenID Connect's: without a live SSO session, GET /account starts a
// sign-in whose continuation (kind "account", empty payload) resumes by sending the browser back
// to /account, and nothing else. Every form is CSRF-protected with a signed token of its own
// purpose, bound to this browser by a cookie, as the login form is.

#include <functional>
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "signin/front_door.hpp"
#include "signin/sign_in.hpp"
#include "token/refresh_token_store.hpp"

namespace gatehouse::signin::account {

inline constexpr std::string_view kAccountKind = "account";
inline constexpr std::string_view kAccountPath = "/account";
inline constexpr std::string_view kAccountPasswordPath = "/account/password";
inline constexpr std::string_view kAccountSignOutPath = "/account/sign-out-everywhere";
/// The CSRF purpose of the account page's forms (see csrf.hpp) and the cookie binding it.
inline constexpr std::string_view kAccountCsrf = "account";
inline constexpr std::string_view kAccountCsrfCookie = "gh_account";
/// The page lists at most this many sessions (the newest).
inline constexpr std::size_t kMaxListedSessions = 50;

/// A change a person made on their account page, for the audit trail. Never carries a password.
struct AccountEvent {
  std::string_view action;  // "account.password_changed" | "account.signed_out_everywhere"
  std::string user_id;
  std::string client_address;
};

struct AccountDeps {
  const SignIn& sign_in;  // users, passwords, lockout, sessions, cookies, CSRF key, theme, limits
  token::RefreshTokenStore* grants = nullptr;  // revoked with the sessions (nullptr: none)
  int min_password_length = 8;
  std::function<void(const AccountEvent&)> on_event = {};  // may be empty
};

/// The account page's front door: resumes a finished sign-in by going back to /account. The
/// continuation carries nothing the request chose, so it cannot redirect anywhere else.
class AccountFrontDoor final : public FrontDoor {
 public:
  std::string_view kind() const override { return kAccountKind; }
  std::string display_name(std::string_view service) const override;
  http::Response resume(const SignInTransaction& tx, const session::SsoSession& session,
                        const http::Request& request) const override;
};

/// Thread safety: every method is safe to call concurrently.
class AccountPages {
 public:
  explicit AccountPages(const AccountDeps& deps) : deps_(deps) {}
  /// GET /account: the page with a live SSO session, else a sign-in that comes back here.
  http::Response page(const http::Request& request) const;
  /// POST /account/password (fields csrf, current_password, new_password, new_password_repeat).
  http::Response change_password(const http::Request& request) const;
  /// POST /account/sign-out-everywhere (field csrf).
  http::Response sign_out_everywhere(const http::Request& request) const;

 private:
  const AccountDeps& deps_;
};

/// Registers GET /account and the two POSTs.
void add_account_routes(http::Router& router, const AccountPages& pages);

}  // namespace gatehouse::signin::account
