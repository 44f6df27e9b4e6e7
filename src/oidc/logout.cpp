#include "oidc/logout.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "oidc/pages.hpp"

namespace gatehouse::oidc {

http::Response end_session_endpoint(const LogoutDeps& deps, const http::Request& request) {
  const auto& a = deps.authorize;
  auto parsed = request.method == "POST" ? oauth::parse_form(request) : oauth::parse_urlencoded(request.query);
  if (!parsed) return error_page(400, "invalid_request", "The logout request could not be read.");
  const auto& p = *parsed;
  // The client: from id_token_hint (its aud) or client_id; both must agree when both are given.
  std::string client_id = p.value("client_id");
  std::string hinted_sid;
  if (auto hint = p.value("id_token_hint"); !hint.empty()) {
    auto claims = deps.tokens.decode_own_jwt(hint);
    if (!claims) return error_page(400, "invalid_request", "The id_token_hint was not issued by this server.");
    std::string aud;
    if (auto it = claims->find("aud"); it != claims->end() && it->value().is_string()) aud = std::string(it->value().get_string());
    if (auto it = claims->find("sid"); it != claims->end() && it->value().is_string()) hinted_sid = std::string(it->value().get_string());
    if (!client_id.empty() && client_id != aud) return error_page(400, "invalid_request", "client_id does not match the id_token_hint.");
    client_id = aud;
  }
  const auto post_logout = p.value("post_logout_redirect_uri");
  std::optional<client::Client> c;
  if (!client_id.empty()) c = a.clients.find(client_id);
  if (!post_logout.empty()) {
    if (!c) return error_page(400, "invalid_request", "A post_logout_redirect_uri needs id_token_hint or client_id.");
    const auto& allowed = c->post_logout_redirect_uris;
    if (std::find(allowed.begin(), allowed.end(), post_logout) == allowed.end())
      return error_page(400, "invalid_request", "The post_logout_redirect_uri is not registered for this application.");
  }
  // End this browser's session — only the one its cookie proves. An id_token_hint alone never ends
  // a session: anyone who saw an ID token (even an expired one) could otherwise sign its user out.
  (void)hinted_sid;
  const auto cookie = cookie_value(request, a.session_cookie);
  if (!cookie.empty()) {
    if (auto s = a.sessions.find(jose::sha256(cookie), a.clock.now(), a.session_lifetime)) {
      a.sessions.revoke_by_sid(s->sid);
      spdlog::info("user {} signed out (session {})", s->user_id, s->sid);
    }
  }
  http::Response r;
  if (!post_logout.empty()) {
    std::string location = post_logout;
    if (auto state = p.value("state"); !state.empty())
      location += (location.find('?') == std::string::npos ? "?" : "&") + std::string("state=") + form_escape(state);
    r.status = 302;
    r.set("Location", location);
    r.set("Cache-Control", "no-store");
  } else {
    r = error_page(200, "signed_out", "You are signed out.", "Signed out");
  }
  std::string clear = a.session_cookie + "=; Path=" + a.session_cookie_path + "; HttpOnly; SameSite=Lax; Max-Age=0";
  if (a.secure_cookies) clear += "; Secure";
  r.headers.push_back({"Set-Cookie", clear});
  return r;
}

void add_logout_routes(http::Router& router, const LogoutDeps& deps) {
  auto handler = [&deps](const http::Request& r, const http::PathParams&) { return end_session_endpoint(deps, r); };
  router.add("GET", kEndSessionPath, handler);
  router.add("POST", kEndSessionPath, handler);
}

}  // namespace gatehouse::oidc
