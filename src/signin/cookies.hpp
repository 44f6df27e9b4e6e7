#pragma once
// The cookies of the hosted pages: the SSO session cookie and the CSRF cookies of the forms. Not a
// protocol's: every front door's sign-in and sign-out uses them.

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "http/message.hpp"

namespace gatehouse::signin {

struct CookieConfig {
  std::string session_cookie = "gh_session";
  std::string session_cookie_path = "/";
  bool secure = false;  // the public URL is https
};

/// How a cookie is named and scoped. Over https (`secure`) the name gets the "__Host-" prefix with
/// Path=/ (RFC 6265bis §4.1.3.2: a browser keeps it only when this origin set it over TLS, Secure
/// and without Domain, so neither a sibling subdomain nor a plain-http response can plant or
/// overwrite it), or "__Secure-" when a configured path other than "/" is kept (`path_may_widen`
/// false). Over http: the name and path as given. A name that already carries one of the prefixes
/// is kept.
struct CookieScope {
  std::string name;
  std::string path;
};
CookieScope cookie_scope(const CookieConfig& config, std::string_view name, std::string_view path, bool path_may_widen);
/// The SSO session cookie (login.session_cookie at login.session_cookie_path).
CookieScope session_cookie_scope(const CookieConfig& config);
/// A Set-Cookie value: HttpOnly, SameSite=Lax, Secure over https, Max-Age when given.
std::string set_cookie(const CookieConfig& config, const CookieScope& scope, std::string_view value,
                       std::optional<UnixSeconds> max_age);
/// The value of a cookie in the request, or "" (RFC 6265 §5.4 cookie-string).
std::string cookie_value(const http::Request& request, std::string_view name);

}  // namespace gatehouse::signin
