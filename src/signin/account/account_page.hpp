#pragma once
// What the account page's GET and its forms share (internal to signin/account): rendering the
// page through the theme, and the CSRF token of its forms.

#include <string>
#include <string_view>

#include "signin/account/account.hpp"

namespace gatehouse::signin::account {

/// One rendering of the account page.
struct AccountView {
  const session::SsoSession& session;  // this browser's
  const user::User& user;
  std::string_view notice;  // a change that succeeded ("" = none)
  std::string_view error;   // a change that was refused ("" = none)
  int status = 200;
};

/// The page (no-store, the hosted pages' CSP) with this browser's CSRF cookie (re)set.
http::Response account_page(const AccountDeps& deps, const AccountView& view, const http::Request& request);
/// True when `token` is an account-form token this server issued and the one in this browser's
/// cookie (compared in constant time).
bool account_csrf_ok(const AccountDeps& deps, const http::Request& request, std::string_view token);
/// The account CSRF cookie's name and path.
CookieScope account_csrf_scope(const AccountDeps& deps);

}  // namespace gatehouse::signin::account
