#pragma once
// The account page (/account): the signed-in person's own view of their profile, their SSO
// sessions (with "sign out everywhere"), a password change that asks for the current password,
// and their sign-in methods (authenticator app, recovery codes, passkeys). Changes to sign-in
// methods need a recent sign-in: when this browser's is older than reauthenticate_after, the
// change is not made and the person signs in again (a fresh sign-in that comes back here), then
// repeats it.
//
// It is a front door like OpenID Connect's: without a live SSO session, GET /account starts a
// sign-in whose continuation (kind "account", empty payload) resumes by sending the browser back
// to /account, and nothing else. Every form is CSRF-protected with a signed token of its own
// purpose, bound to this browser by a cookie, as the login form is.

#include <functional>
#include <string>
#include <string_view>

#include "http/router.hpp"
#include "mfa/factors.hpp"
#include "mfa/passkeys.hpp"
#include "signin/front_door.hpp"
#include "signin/sign_in.hpp"
#include "token/refresh_token_store.hpp"

namespace gatehouse::signin::account {

inline constexpr std::string_view kAccountKind = "account";
inline constexpr std::string_view kAccountPath = "/account";
inline constexpr std::string_view kAccountPasswordPath = "/account/password";
inline constexpr std::string_view kAccountSignOutPath = "/account/sign-out-everywhere";
inline constexpr std::string_view kAccountTotpBeginPath = "/account/totp/begin";
inline constexpr std::string_view kAccountTotpConfirmPath = "/account/totp/confirm";
inline constexpr std::string_view kAccountTotpRemovePath = "/account/totp/remove";
inline constexpr std::string_view kAccountRecoveryCodesPath = "/account/recovery-codes";
inline constexpr std::string_view kAccountPasskeyOptionsPath = "/account/passkeys/options";
inline constexpr std::string_view kAccountPasskeyAddPath = "/account/passkeys";
inline constexpr std::string_view kAccountPasskeyRenamePath = "/account/passkeys/rename";
inline constexpr std::string_view kAccountPasskeyRemovePath = "/account/passkeys/remove";
/// The longest passkey name, in characters.
inline constexpr std::size_t kMaxPasskeyName = 64;
/// The CSRF purpose of the account page's forms (see csrf.hpp) and the cookie binding it.
inline constexpr std::string_view kAccountCsrf = "account";
inline constexpr std::string_view kAccountCsrfCookie = "gh_account";
/// The page lists at most this many sessions (the newest).
inline constexpr std::size_t kMaxListedSessions = 50;

/// A change a person made on their account page, for the audit trail. Never carries a password.
struct AccountEvent {
  /// "account.password_changed" | "account.signed_out_everywhere" | "account.totp_added" |
  /// "account.totp_removed" | "account.recovery_codes_generated" | "account.passkey_added" |
  /// "account.passkey_renamed" | "account.passkey_removed"
  std::string_view action;
  std::string user_id;
  std::string client_address;
};

struct AccountDeps {
  const SignIn& sign_in;  // users, passwords, lockout, sessions, cookies, CSRF key, theme, limits
  token::RefreshTokenStore* grants = nullptr;  // revoked with the sessions (nullptr: none)
  int min_password_length = 8;
  const mfa::Factors* factors = nullptr;  // nullptr: no "Sign-in methods" section, its routes answer 404
  const mfa::Passkeys* passkeys = nullptr;  // nullptr: passkeys are listed, not added
  /// Changes to sign-in methods need a sign-in (this session's auth_time) at most this old.
  UnixSeconds reauthenticate_after = 300;
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
  // Sign-in methods (account_factors.cpp). Each is a form (field csrf) of this browser's session;
  // each but totp_confirm first asks for a recent sign-in (reauthenticate_after).
  /// POST /account/totp/begin: a new pending enrolment shown once (QR code, key in base32, a form
  /// for the first code).
  http::Response totp_begin(const http::Request& request) const;
  /// POST /account/totp/confirm (field code): confirms the pending enrolment (and, when the user
  /// has no recovery codes left, shows new ones once); a wrong code shows the same enrolment again.
  /// Finishing what totp_begin started under a recent sign-in, it does not ask for another.
  http::Response totp_confirm(const http::Request& request) const;
  /// POST /account/totp/remove.
  http::Response totp_remove(const http::Request& request) const;
  /// POST /account/recovery-codes: replaces the recovery codes with new ones, shown once.
  http::Response recovery_codes(const http::Request& request) const;
  /// POST /account/passkeys/options (field csrf): the WebAuthn registration options (JSON), or a
  /// JSON error (403 {"error":"login_required"} without a live, recent enough sign-in).
  http::Response passkey_options(const http::Request& request) const;
  /// POST /account/passkeys (fields csrf, name, credential): registers the passkey passkey.js made.
  http::Response passkey_add(const http::Request& request) const;
  /// POST /account/passkeys/rename (fields credential_id, name).
  http::Response passkey_rename(const http::Request& request) const;
  /// POST /account/passkeys/remove (field credential_id).
  http::Response passkey_remove(const http::Request& request) const;

 private:
  const AccountDeps& deps_;
};

/// Registers GET /account and its POSTs.
void add_account_routes(http::Router& router, const AccountPages& pages);

}  // namespace gatehouse::signin::account
