#pragma once
// The authorization endpoint (RFC 6749 §4.1, OpenID Connect Core §3.1.2) and the hosted login
// (POST /oauth2/login). Every piece of state between them lives in the store — the pending request
// as a login transaction, the SSO session server-side — so the login form rendered by one node can
// be posted to another, even after the first one restarted (DESIGN.md).
//
// Until client_id and redirect_uri are verified, errors are shown on an error page and never
// redirected (RFC 6749 §4.1.2.1); after that they go back to the client with state and iss
// (RFC 9207).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "client/client_store.hpp"
#include "core/clock.hpp"
#include "oidc/csrf.hpp"
#include "http/router.hpp"
#include "oidc/theme.hpp"
#include "signin/transaction.hpp"
#include "session/sso_session_store.hpp"
#include "token/code_store.hpp"
#include "user/password_hasher.hpp"
#include "user/user_store.hpp"

namespace gatehouse::oidc {

inline constexpr std::string_view kAuthorizePath = "/oauth2/authorize";
inline constexpr std::string_view kLoginPath = "/oauth2/login";
inline constexpr std::string_view kCsrfCookie = "gh_csrf";
/// The browser sends the CSRF cookie both to the authorization endpoint (which reuses it, so two
/// tabs signing in at once share one token) and to the login form's POST. (Path=/ over https.)
inline constexpr std::string_view kCsrfCookiePath = "/oauth2";

/// One attempt to sign in through the hosted form, for metrics and the audit trail. Never carries
/// the password.
struct SignInEvent {
  std::string_view outcome;  // "success" | "failure" | "lockout" (a failure that locked the name) | "locked" (refused while locked)
  std::string user_id;       // "" when no active user has that name
  std::string login_name;    // as typed, normalised (user::login_name)
  std::string client_id;
  std::string client_address;
};

struct AuthorizeDeps {
  client::ClientStore& clients;
  user::UserStore& users;
  const user::PasswordHasher& passwords;
  signin::TransactionStore& transactions;
  session::SsoSessionStore& sessions;
  token::CodeStore& codes;
  const Clock& clock;
  std::string issuer;
  std::string session_cookie = "gh_session";
  std::string session_cookie_path = "/";
  bool secure_cookies = false;       // the issuer is https
  UnixSeconds session_idle_timeout = 1800;
  UnixSeconds session_lifetime = 36000;
  UnixSeconds transaction_ttl = 900;
  UnixSeconds code_ttl = 60;
  int lockout_threshold = 5;
  UnixSeconds lockout_window = 900;
  UnixSeconds lockout_duration = 900;
  bool require_pkce = false;  // PKCE for every client, not only public ones
  std::function<void(const SignInEvent&)> on_sign_in = {};  // may be empty
  /// Counts a sign-in attempt for an application from an address (cluster-wide); returns the
  /// seconds to wait when it is over a limit. Empty: no limits.
  std::function<std::optional<UnixSeconds>(std::string_view client_id, std::string_view address)> login_rate_limit = {};
  /// Counts a new login transaction (a login form shown, a row stored) for a client address
  /// (cluster-wide); returns the seconds to wait when it is over the limit. Empty: no limit.
  std::function<std::optional<UnixSeconds>(std::string_view address)> transaction_rate_limit = {};
  /// Gives back what transaction_rate_limit counted once a sign-in is completed, so the limit
  /// bounds the transactions an address leaves pending, not the sign-ins it finishes.
  std::function<void(std::string_view address)> transaction_finished = {};
  /// The theme of the pages (nullptr: the built-in one).
  const ThemeProvider* theme = nullptr;
  /// Signs the CSRF tokens of the hosted forms; the same on every node (derived from the master key).
  CsrfKey csrf_key = {};
};

/// How a cookie is named and scoped. Over https (secure_cookies) the name gets the "__Host-"
/// prefix with Path=/ (RFC 6265bis §4.1.3.2: a browser keeps it only when this origin set it over
/// TLS, Secure and without Domain, so neither a sibling subdomain nor a plain-http response can
/// plant or overwrite it), or "__Secure-" when a configured path other than "/" is kept
/// (`path_may_widen` false). Over http: the name and path as given. A name that already carries
/// one of the prefixes is kept.
struct CookieScope {
  std::string name;
  std::string path;
};
CookieScope cookie_scope(const AuthorizeDeps& deps, std::string_view name, std::string_view path, bool path_may_widen);
/// The SSO session cookie (login.session_cookie at login.session_cookie_path).
CookieScope session_cookie_scope(const AuthorizeDeps& deps);
/// A Set-Cookie value: HttpOnly, SameSite=Lax, Secure over https, Max-Age when given.
std::string set_cookie(const AuthorizeDeps& deps, const CookieScope& scope, std::string_view value,
                       std::optional<UnixSeconds> max_age);

http::Response authorize_endpoint(const AuthorizeDeps& deps, const http::Request& request);
http::Response login_endpoint(const AuthorizeDeps& deps, const http::Request& request);

/// The value of a cookie in the request, or "" (RFC 6265 §5.4 cookie-string).
std::string cookie_value(const http::Request& request, std::string_view name);

/// The theme the pages use now.
std::shared_ptr<const Theme> theme_of(const AuthorizeDeps& deps);

/// Registers the authorization endpoint (GET and POST), the login form's POST and the theme's CSS.
void add_authorize_routes(http::Router& router, const AuthorizeDeps& deps);

}  // namespace gatehouse::oidc
