// GET /account, the page's rendering through the theme, and the account front door.
#include "signin/account/account_page.hpp"

#include <ctime>

#include "jose/openssl/crypto.hpp"
#include "signin/pages.hpp"
#include "user/profile_claims.hpp"

namespace gatehouse::signin::account {
std::string when(UnixSeconds t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char out[32];
  const auto n = std::strftime(out, sizeof out, "%Y-%m-%d %H:%M UTC", &tm);
  return std::string(out, n);
}

namespace {

void row(std::string& out, std::string_view label, std::string_view value) {
  if (value.empty()) return;
  out += "<dt>" + std::string(label) + "</dt><dd>" + html_escape(value) + "</dd>\n";
}

/// The profile, read-only for now: every claim the user has (the profile claims in their table's order).
std::string profile_html(const user::User& u) {
  std::string out = "<dl class=\"profile\">\n";
  for (const auto& c : user::kProfileClaims)
    if (!c.label.empty()) row(out, c.label, u.*c.member);
  if (!u.email.empty()) row(out, "Email", u.email + (u.email_verified ? " (verified)" : " (not verified)"));
  if (!u.phone_number.empty()) row(out, "Phone", u.phone_number + (u.phone_number_verified ? " (verified)" : " (not verified)"));
  if (u.linked()) {
    std::string groups;
    for (const auto& g : u.groups) groups += (groups.empty() ? "" : ", ") + g;
    row(out, "Groups", groups);
    row(out, "Password", "managed by your organisation's directory (" + u.source + ")");
  }
  row(out, "Member since", when(u.created_at));
  return out + "</dl>";
}

/// The user's live sessions, newest first, this browser's marked; each with the services signed in to from it.
std::string sessions_html(const AccountDeps& deps, const AccountView& view) {
  const auto& sign_in = deps.sign_in.deps();
  auto sessions = sign_in.sessions.list_user(view.user.id, sign_in.clock.now(), sign_in.session_idle_timeout, kMaxListedSessions);
  std::string out = "<ul class=\"sessions\">\n";
  for (const auto& s : sessions) {
    const bool current = s.id_hash == view.session.id_hash;
    std::string services;
    for (const auto& p : s.participants)
      services += (services.empty() ? "" : ", ") + html_escape(deps.sign_in.service_name(p.protocol, p.service));
    out += std::string("<li class=\"session\"") + (current ? " data-current=\"true\"" : "") + ">";
    out += current ? "<strong>This browser</strong>" : "<strong>Another browser</strong>";
    out += "<br><span class=\"muted\">Signed in " + when(s.auth_time) + " · last active " + when(s.last_seen_at) + "</span>";
    if (!services.empty()) out += "<br>Signed in to: " + services;
    out += "</li>\n";
  }
  return out + "</ul>";
}

std::string message_block(std::string_view text, std::string_view cls, std::string_view role) {
  if (text.empty()) return {};
  return "<p class=\"" + std::string(cls) + "\" id=\"" + std::string(cls) + "\" role=\"" + std::string(role) + "\">" +
         html_escape(text) + "</p>";
}

/// A theme's template from before the sign-in methods has no {{factors}}: the section goes before
/// the end of its <main> (or <body>, or at the end), so enrolling still works with that theme.
std::string with_factors_placeholder(const std::string& tmpl) {
  constexpr std::string_view kPlaceholder = "{{factors}}";
  if (tmpl.find(kPlaceholder) != std::string::npos) return tmpl;
  std::string out = tmpl;
  auto at = out.rfind("</main>");
  if (at == std::string::npos) at = out.rfind("</body>");
  out.insert(at == std::string::npos ? out.size() : at, std::string(kPlaceholder) + "\n");
  return out;
}

/// Whether the browser sends the SSO session cookie to /account (RFC 6265 §5.1.4 path-match).
/// Without it, the page could never see the session a sign-in opened.
bool session_cookie_reaches_account(const CookieConfig& cookies) {
  const auto path = session_cookie_scope(cookies).path;
  const std::string_view page = kAccountPath;
  if (!page.starts_with(path)) return false;
  return page.size() == path.size() || path.back() == '/' || page[path.size()] == '/';
}

}  // namespace

CookieScope account_csrf_scope(const AccountDeps& deps) {
  return cookie_scope(deps.sign_in.deps().cookies, kAccountCsrfCookie, kAccountPath, true);
}

bool account_csrf_ok(const AccountDeps& deps, const http::Request& request, std::string_view token) {
  const auto cookie = cookie_value(request, account_csrf_scope(deps).name);
  return valid_csrf_token(deps.sign_in.deps().csrf_key, kAccountCsrf, token) && !cookie.empty() &&
         jose::constant_time_equal(token, cookie);
}

http::Response account_page(const AccountDeps& deps, const AccountView& view, const http::Request& request) {
  const auto& sign_in = deps.sign_in.deps();
  // One token per browser, reused while its cookie lives (two tabs do not invalidate each other);
  // only a token this server issued is reused.
  const auto scope = account_csrf_scope(deps);
  auto csrf = cookie_value(request, scope.name);
  if (!valid_csrf_token(sign_in.csrf_key, kAccountCsrf, csrf)) csrf = issue_csrf_token(sign_in.csrf_key, kAccountCsrf);
  std::string notice = message_block(view.notice, "notice", "status") + message_block(view.error, "error", "alert");
  auto r = html_page(view.status, signin::render(with_factors_placeholder(deps.sign_in.theme()->account_html),
                                                 {{"username", html_escape(view.user.username)},
                                                  {"notice_block", std::move(notice)},
                                                  {"profile", profile_html(view.user)},
                                                  {"sessions", sessions_html(deps, view)},
                                                  {"csrf", html_escape(csrf)},
                                                  // last: no placeholder is looked for in what it holds
                                                  {"factors", factors_html(deps, view, csrf)}}));
  // A directory's user changes the password in the directory: no form for it here.
  if (view.user.linked()) {
    const auto from = r.body.find("<section id=\"password\">");
    const auto to = from == std::string::npos ? from : r.body.find("</section>", from);
    if (to != std::string::npos) r.body.erase(from, to + 10 - from);
  }
  r.headers.push_back({"Set-Cookie", set_cookie(sign_in.cookies, scope, csrf, sign_in.session_lifetime)});
  return r;
}

http::Response AccountPages::page(const http::Request& request) const {
  if (!session_cookie_reaches_account(deps_.sign_in.deps().cookies))
    return error_page(*deps_.sign_in.theme(), 404, "not_found",
                      "The account page is not available here: login.session_cookie_path does not include /account.");
  auto s = deps_.sign_in.current_session(request);
  if (!s) {
    // Sign in first; the continuation names this page and nothing the request chose.
    SignInTransaction tx;
    tx.continuation = {std::string(kAccountKind), {}};
    tx.service = std::string(kAccountKind);
    return deps_.sign_in.start(std::move(tx), request);
  }
  auto u = deps_.sign_in.deps().users.find(s->user_id);
  if (!u) return error_page(*deps_.sign_in.theme(), 404, "not_found", "This account no longer exists.");
  return account_page(deps_, {*s, *u, {}, {}, 200}, request);
}

std::string AccountFrontDoor::display_name(std::string_view) const { return "your account"; }

http::Response AccountFrontDoor::resume(const SignInTransaction&, const session::SsoSession&, const http::Request&) const {
  http::Response r;
  r.status = 303;
  r.set("Location", std::string(kAccountPath));
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace gatehouse::signin::account
