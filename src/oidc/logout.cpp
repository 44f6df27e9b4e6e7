#include "oidc/logout.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "signin/cookies.hpp"
#include "signin/pages.hpp"

namespace gatehouse::oidc {
namespace {

constexpr std::string_view kLogoutCsrfCookie = "gh_logout";
constexpr UnixSeconds kConfirmationTtl = 900;

std::string claim(const boost::json::object& claims, std::string_view name) {
  auto it = claims.find(name);
  return it != claims.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

const signin::CookieConfig& cookies_of(const AuthorizeDeps& a) { return a.sign_in.deps().cookies; }

signin::CookieScope logout_cookie_scope(const AuthorizeDeps& a) {
  return signin::cookie_scope(cookies_of(a), kLogoutCsrfCookie, kEndSessionPath, true);
}

/// "Sign out?" — asked when the request does not prove it comes from the session's own client
/// (OIDC RP-Initiated Logout §2: the OP SHOULD ask), so a link on another site cannot sign the
/// user out. The form carries a CSRF token bound to this browser by a cookie.
http::Response confirmation_page(const AuthorizeDeps& a, const std::optional<client::Client>& c, const oauth::Form& p) {
  const auto csrf = signin::issue_csrf_token(a.sign_in.deps().csrf_key, signin::kLogoutCsrf);
  std::string hidden;
  auto keep = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    hidden += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + signin::html_escape(value) + "\">\n";
  };
  if (c) keep("client_id", c->client_id);
  keep("post_logout_redirect_uri", p.value("post_logout_redirect_uri"));
  keep("state", p.value("state"));
  std::string prompt = "Do you want to sign out? Applications you signed in to here will ask you to sign in again.";
  if (c) prompt = (c->client_name.empty() ? c->client_id : c->client_name) + " asks to sign you out. " + prompt;
  auto r = signin::html_page(200, signin::render(a.sign_in.theme()->logout_html, {{"prompt", signin::html_escape(prompt)}, {"csrf", csrf}, {"hidden_fields", hidden}}));
  r.headers.push_back({"Set-Cookie", signin::set_cookie(cookies_of(a), logout_cookie_scope(a), csrf, kConfirmationTtl)});
  return r;
}

}  // namespace

http::Response end_session_endpoint(const LogoutDeps& deps, const http::Request& request) {
  const auto& a = deps.authorize;
  auto parsed = request.method == "POST" ? oauth::parse_form(request) : oauth::parse_urlencoded(request.query);
  if (!parsed) return signin::error_page(*a.sign_in.theme(), 400, "invalid_request", "The logout request could not be read.");
  const auto& p = *parsed;
  // The client: from id_token_hint (its aud) or client_id; both must agree when both are given.
  // An expired ID token is still a valid hint; one this server did not sign is not.
  std::string client_id = p.value("client_id");
  std::string hinted_sid;
  if (auto hint = p.value("id_token_hint"); !hint.empty()) {
    auto claims = deps.tokens.decode_own_jwt(hint);
    if (!claims) return signin::error_page(*a.sign_in.theme(), 400, "invalid_request", "The id_token_hint was not issued by this server.");
    const auto aud = claim(*claims, "aud");
    hinted_sid = claim(*claims, "sid");
    if (!client_id.empty() && client_id != aud) return signin::error_page(*a.sign_in.theme(), 400, "invalid_request", "client_id does not match the id_token_hint.");
    client_id = aud;
  }
  const auto post_logout = p.value("post_logout_redirect_uri");
  std::optional<client::Client> c;
  if (!client_id.empty()) c = a.clients.find(client_id);
  if (!post_logout.empty()) {
    if (!c) return signin::error_page(*a.sign_in.theme(), 400, "invalid_request", "A post_logout_redirect_uri needs id_token_hint or client_id.");
    const auto& allowed = c->post_logout_redirect_uris;
    if (std::find(allowed.begin(), allowed.end(), post_logout) == allowed.end())
      return signin::error_page(*a.sign_in.theme(), 400, "invalid_request", "The post_logout_redirect_uri is not registered for this application.");
  }
  // Only the session this browser's cookie proves is ended. It ends at once when an ID token of
  // that very session comes with the request, or when the user confirmed on our page; anything
  // else (no hint, a hint of another session) asks first.
  const auto& sign_in = a.sign_in.deps();
  const auto session_cookie = signin::cookie_value(request, signin::session_cookie_scope(sign_in.cookies).name);
  std::optional<session::SsoSession> s;
  if (!session_cookie.empty())
    s = sign_in.sessions.find(jose::sha256(session_cookie), sign_in.clock.now(), sign_in.session_lifetime);
  if (s) {
    const bool proven = !hinted_sid.empty() && jose::constant_time_equal(hinted_sid, s->sid);
    if (!proven) {
      if (request.method != "POST" || p.value("confirm") != "yes") return confirmation_page(a, c, p);
      const auto csrf = p.value("csrf");
      const auto expected = signin::cookie_value(request, logout_cookie_scope(a).name);
      if (!signin::valid_csrf_token(sign_in.csrf_key, signin::kLogoutCsrf, csrf) || expected.empty() || !jose::constant_time_equal(csrf, expected))
        return signin::error_page(*a.sign_in.theme(), 400, "csrf", "The sign-out form is not valid (CSRF check failed). Start again from the application.");
    }
    // Ended meanwhile elsewhere (a double submit, an administrator): its SPs that only the browser
    // reaches are still told below; a LogoutRequest for an ended session does no harm.
    if (sign_in.sessions.revoke_by_sid(s->sid)) spdlog::info("user {} signed out (session {})", s->user_id, s->sid);
  }
  std::string location;
  if (!post_logout.empty()) {
    location = post_logout;
    if (auto state = p.value("state"); !state.empty())
      location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("state=") + http::percent_encode(state);
  }
  // SAML SPs that only the browser reaches are told on the way (front channel), then `location`.
  auto through = s ? a.sign_in.logout_through_browser(*s, location) : std::nullopt;
  http::Response r;
  if (through) {
    r = std::move(*through);
  } else if (!location.empty()) {
    r.status = 302;
    r.set("Location", location);
    r.set("Cache-Control", "no-store");
  } else {
    r = signin::error_page(*a.sign_in.theme(), 200, "signed_out", "You are signed out.", "Signed out");
  }
  r.headers.push_back({"Set-Cookie", signin::set_cookie(sign_in.cookies, signin::session_cookie_scope(sign_in.cookies), "", 0)});
  r.headers.push_back({"Set-Cookie", signin::set_cookie(sign_in.cookies, logout_cookie_scope(a), "", 0)});
  return r;
}

void add_logout_routes(http::Router& router, const LogoutDeps& deps) {
  auto handler = [&deps](const http::Request& r, const http::PathParams&) { return end_session_endpoint(deps, r); };
  router.add("GET", kEndSessionPath, handler);
  router.add("POST", kEndSessionPath, handler);
}

}  // namespace gatehouse::oidc
