#pragma once
// What the account page's GET and its forms share (internal to signin/account): rendering the
// page through the theme, and the CSRF token of its forms.

#include <string>
#include <string_view>

#include "oauth/form.hpp"
#include "signin/account/account.hpp"

namespace gatehouse::signin::account {

/// One rendering of the account page.
struct AccountView {
  const session::SsoSession& session;  // this browser's
  const user::User& user;
  std::string_view notice;  // a change that succeeded ("" = none)
  std::string_view error;   // a change that was refused ("" = none)
  int status = 200;
  /// HTML shown at the top of the sign-in methods (an enrolment or new recovery codes, shown once;
  /// already escaped), "" = none.
  std::string_view factors_panel = {};
};

/// The page (no-store, the hosted pages' CSP) with this browser's CSRF cookie (re)set.
http::Response account_page(const AccountDeps& deps, const AccountView& view, const http::Request& request);
/// True when `token` is an account-form token this server issued and the one in this browser's
/// cookie (compared in constant time).
bool account_csrf_ok(const AccountDeps& deps, const http::Request& request, std::string_view token);
/// The account CSRF cookie's name and path.
CookieScope account_csrf_scope(const AccountDeps& deps);

/// A 303 to /account (no-store).
http::Response see_account();
/// Tells on_event (if any) of a change.
void report(const AccountDeps& deps, std::string_view action, const std::string& user_id, const http::Request& request);

/// A form of the account page, read and checked (CSRF, then this browser's live session).
struct Checked {
  oauth::Form form;
  session::SsoSession session;
  user::User user;
};
/// The form, or the answer when it may not change anything (a CSRF error page; a 303 to
/// /account, which asks to sign in, without a live session).
Result<Checked, http::Response> check(const AccountDeps& deps, const http::Request& request);

/// The "Sign-in methods" section of the page (empty without deps.factors).
std::string factors_html(const AccountDeps& deps, const AccountView& view, std::string_view csrf);
/// "2026-12-03 19:17 UTC"
std::string when(UnixSeconds t);

}  // namespace gatehouse::signin::account
