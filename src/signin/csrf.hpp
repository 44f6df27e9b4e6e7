#pragma once
// CSRF tokens of the hosted pages (login form, sign-out confirmation). A token is one the server
// issued, never one a browser chose: a random value with an HMAC-SHA-256 under a key every node
// derives from the master key (so any node verifies it) and the form it is for (so a token issued
// for one form is refused by another). The double submit (form field equal to the cookie) still
// binds it to the browser; the MAC stops a cookie planted by someone else (a sibling subdomain, a
// network attacker on plain http) from being adopted as a valid token.

#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace gatehouse::signin {

using CsrfKey = Secret<struct CsrfKeyTag>;

inline constexpr std::string_view kLoginCsrf = "login";
inline constexpr std::string_view kLogoutCsrf = "logout";

/// A fresh token for `form` (kLoginCsrf, kLogoutCsrf): base64url, 76 characters, cookie-safe.
std::string issue_csrf_token(const CsrfKey& key, std::string_view form);

/// True when `token` was issued by issue_csrf_token with this key for this form. Constant time in
/// the MAC; any malformed value is false.
bool valid_csrf_token(const CsrfKey& key, std::string_view form, std::string_view token);

}  // namespace gatehouse::signin
