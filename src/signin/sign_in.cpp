#include "signin/sign_in.hpp"

#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "signin/pages.hpp"
#include "signin/web_assets.hpp"

namespace gatehouse::signin {
namespace {

CookieScope csrf_cookie_scope(const CookieConfig& cookies) { return cookie_scope(cookies, kCsrfCookie, kCsrfCookiePath, true); }

}  // namespace

std::shared_ptr<const Theme> SignIn::theme() const {
  // Without a provider, the built-in theme itself (a non-owning pointer to the static).
  return deps_.theme != nullptr ? deps_.theme->current()
                                : std::shared_ptr<const Theme>(std::shared_ptr<const Theme>(), &builtin_theme());
}

const FrontDoor* SignIn::door_of(std::string_view kind) const {
  for (const auto* door : doors_)
    if (door->kind() == kind) return door;
  return nullptr;
}

std::string SignIn::service_name(std::string_view kind, std::string_view service) const {
  const auto* door = door_of(kind);
  return door != nullptr ? door->display_name(service) : std::string(service);
}

std::optional<session::SsoSession> SignIn::current_session(const http::Request& request) const {
  auto value = cookie_value(request, session_cookie_scope(deps_.cookies).name);
  if (value.empty()) return std::nullopt;
  auto s = deps_.sessions.find(jose::sha256(value), deps_.clock.now(), deps_.session_idle_timeout);
  if (!s) return std::nullopt;
  auto u = deps_.users.find(s->user_id);
  if (!u || !u->active) return std::nullopt;
  const auto now = deps_.clock.now();
  if (session::worth_touching(*s, now, deps_.session_idle_timeout)) deps_.sessions.touch(s->id_hash, now);
  return s;
}

void SignIn::join(const session::SsoSession& s, std::string_view protocol, std::string_view service) const {
  if (s.has_participant(protocol, service)) return;
  deps_.sessions.add_participant(s.id_hash, {std::string(protocol), std::string(service), deps_.clock.now(), {}});
}

http::Response SignIn::login_form(const SignInTransaction& tx, const std::string& csrf, std::string_view username,
                                  std::string_view error, int status) const {
  const std::string name = service_name(tx.continuation.kind, tx.service);
  std::string error_block;
  if (!error.empty()) error_block = "<p class=\"error\" id=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
  auto block = passkey_form(tx, csrf, "Sign in with a passkey");
  const auto& tmpl = theme()->login_html;
  // A theme from before passkeys has no {{passkey_block}}: the block goes before its </main>.
  const bool placed = block.empty() || tmpl.find("{{passkey_block}}") != std::string::npos;
  auto body = render(tmpl, {{"client_name", html_escape(name)},
                            {"error_block", error_block},
                            {"tx", html_escape(tx.id)},
                            {"csrf", html_escape(csrf)},
                            {"username", html_escape(username)},
                            {"passkey_block", placed ? std::move(block) : std::string()}});
  auto page = html_page(status, placed ? std::move(body) : insert_before_end(std::move(body), block));
  if (status == 503) page.headers.push_back({"Retry-After", "30"});
  return page;
}

http::Response SignIn::start(SignInTransaction tx, const http::Request& request) const {
  // Each pending sign-in is a row, so an address may start only so many per window
  // (rate_limits.authorize_per_ip): anonymous requests cannot grow the store without bound.
  if (deps_.transaction_rate_limit) {
    if (auto wait = deps_.transaction_rate_limit(request.client_address))
      return too_many_page(*theme(), "Too many sign-ins were started from your network. Try again in ", *wait);
  }
  // The CSRF token binds the form to this browser: one per browser (reused while its cookie
  // lives), so sign-ins running in two tabs do not invalidate each other. Only a token this
  // server issued is reused; a value the browser made up (or someone planted) gets a new one.
  const auto csrf_scope = csrf_cookie_scope(deps_.cookies);
  auto csrf = cookie_value(request, csrf_scope.name);
  if (!valid_csrf_token(deps_.csrf_key, kLoginCsrf, csrf)) csrf = issue_csrf_token(deps_.csrf_key, kLoginCsrf);
  // A step-up that would set up a new factor proves the password first: a session alone (a
  // cookie) never adds a factor to the account.
  if (!tx.user_id.empty() && next_step(tx) == Next::kEnrol) {
    tx.user_id.clear();
    tx.amr.clear();
  }
  const auto now = deps_.clock.now();
  tx.id = jose::random_token(24);
  tx.csrf_hash = jose::sha256(csrf);
  tx.created_at = now;
  tx.expires_at = now + deps_.transaction_ttl;
  deps_.transactions.insert(tx);
  // A step-up: the first factor is the live session's; what follows it is asked at once.
  auto r = tx.user_id.empty() ? login_form(tx, csrf, tx.login_hint, {}) : after_first_factor(tx, csrf, request, std::nullopt);
  r.set("Set-Cookie", set_cookie(deps_.cookies, csrf_scope, csrf, deps_.transaction_ttl));
  return r;
}

Result<SignIn::Posted, http::Response> SignIn::posted(const http::Request& request) const {
  auto parsed = oauth::parse_form(request);
  if (!parsed) return unexpected(error_page(*theme(), 400, "invalid_request", "The sign-in form could not be read."));
  auto tx = deps_.transactions.find(parsed->value("tx"), deps_.clock.now());
  if (!tx) return unexpected(error_page(*theme(), 400, "expired", kExpired));
  // CSRF: the token in the form must be one this server issued, the one in this browser's
  // cookie, and the one the transaction was created with (so a form cannot be posted from another
  // browser or site). TEMPORARY, during a rolling upgrade from 0.1.0: a form a 0.1.0 node rendered
  // (legacy_csrf) carries the browser's own token, at least 32 characters, which that release
  // accepted with the same cookie and hash checks; taking it here accepts nothing a 0.1.0 node would
  // not. No node of this release writes such a row, so this ends login.transaction_ttl after the
  // last old node; it goes with the legacy columns in the contract release.
  constexpr std::size_t kLegacyCsrfMinLength = 32;
  auto csrf = parsed->value("csrf");
  const bool issued = valid_csrf_token(deps_.csrf_key, kLoginCsrf, csrf) ||
                      (tx->legacy_csrf && csrf.size() >= kLegacyCsrfMinLength);
  const auto cookie = cookie_value(request, csrf_cookie_scope(deps_.cookies).name);
  if (!issued || cookie.empty() || !jose::constant_time_equal(csrf, cookie) ||
      !jose::constant_time_equal(jose::sha256(csrf), tx->csrf_hash))
    return unexpected(error_page(*theme(), 400, "csrf",
                                 "The sign-in form is not valid (CSRF check failed). Go back to the application and start again."));
  return Posted{std::move(*parsed), std::move(*tx), std::move(csrf)};
}

http::Response SignIn::login_endpoint(const http::Request& request) const {
  auto p = posted(request);
  if (!p) return std::move(p.error());
  auto& [form, tx, csrf] = *p;
  // A transaction past its first factor (the password form posted again from the browser's
  // history) cannot start over, for this user or another.
  if (!tx.amr.empty())
    return error_page(*theme(), 400, "invalid_request",
                      "This sign-in has moved on to its next step. Go back to the application and start again.");
  // Before the password check: a limited attempt costs no argon2id.
  if (deps_.login_rate_limit) {
    if (auto wait = deps_.login_rate_limit(tx.service, request.client_address))
      return too_many_page(*theme(), "Too many sign-in attempts. Try again in ", *wait);
  }
  const auto username = form.value("username");
  const auto login_name = user::login_name(username);
  auto report = [&](const Attempt& a) {
    if (deps_.on_sign_in)
      deps_.on_sign_in(SignInEvent{a.outcome, a.user_id, login_name, tx.service, request.client_address, a.source, a.reason});
  };
  auto result = password_step({deps_.users, deps_.passwords, deps_.lockout, deps_.sources}, username,
                              user::Password(form.value("password")), deps_.clock.now(), report);
  if (!result.user) return login_form(tx, csrf, username, result.message, result.status);
  const std::string before = tx.amr;
  tx.user_id = result.user->id;
  tx.amr = std::string(kAmrPassword);
  return after_first_factor(tx, csrf, request, before);
}

/// Consumes the transaction, opens a new SSO session and hands over to the front door.
http::Response SignIn::complete(const SignInTransaction& tx, const std::string& login_name, const http::Request& request) const {
  if (deps_.units == nullptr) return complete_unit(tx, login_name, request);
  // One commit for the writes below: all of the sign-in or none of it, and on SQLite's single
  // writer one lock hand-over instead of four.
  http::Response r;
  deps_.units->run([&] { r = complete_unit(tx, login_name, request); });
  return r;
}

http::Response SignIn::complete_unit(const SignInTransaction& tx, const std::string& login_name,
                                     const http::Request& request) const {
  const auto& user_id = tx.user_id;
  // Exactly one POST completes the transaction, even if the form is submitted twice.
  if (!deps_.transactions.consume(tx.id)) return error_page(*theme(), 400, "expired", kExpired);
  if (deps_.transaction_finished) deps_.transaction_finished(request.client_address);
  const auto* door = door_of(tx.continuation.kind);
  if (door == nullptr) return error_page(*theme(), 400, "expired", kExpired);
  // A new session for a new sign-in: the one this browser had before (if any) ends.
  const auto now = deps_.clock.now();
  const auto session_scope = session_cookie_scope(deps_.cookies);
  const auto value = jose::random_token(32);
  session::SsoSession s{jose::sha256(value), jose::random_token(16), user_id, now, tx.amr, now, now, now + deps_.session_lifetime,
                        {{tx.continuation.kind, tx.service, now, {}}}};
  if (auto previous = cookie_value(request, session_scope.name); !previous.empty()) {
    if (auto old = deps_.sessions.find(jose::sha256(previous), now, deps_.session_lifetime)) {
      // The same person again (a step-up to a second factor, a re-authentication): the SSO session
      // goes on under its sid, with the services signed in to from it (logout still reaches them),
      // behind a new cookie value. Another person: the old session is logged out of.
      if (old->user_id == user_id) deps_.sessions.take_by_sid(old->sid);
      else deps_.sessions.revoke_by_sid(old->sid);
      if (old->user_id == user_id) {
        s.sid = old->sid;
        s.created_at = old->created_at;
        auto participants = std::move(old->participants);
        if (!old->has_participant(tx.continuation.kind, tx.service)) participants.push_back(s.participants.front());
        s.participants = std::move(participants);
      }
    }
  }
  deps_.sessions.insert(s);
  spdlog::info("user {} signed in (client {})", user_id, tx.service);
  if (deps_.on_sign_in) deps_.on_sign_in(SignInEvent{"success", user_id, login_name, tx.service, request.client_address});
  auto r = door->resume(tx, s, request);
  r.headers.push_back({"Set-Cookie", set_cookie(deps_.cookies, session_scope, value, std::nullopt)});
  return r;
}

void add_sign_in_routes(http::Router& router, const SignIn& sign_in) {
  router.add("POST", kLoginPath, [&sign_in](const http::Request& r, const http::PathParams&) { return sign_in.login_endpoint(r); });
  router.add("POST", kFactorPath, [&sign_in](const http::Request& r, const http::PathParams&) { return sign_in.factor_endpoint(r); });
  router.add("POST", kEnrolPath, [&sign_in](const http::Request& r, const http::PathParams&) { return sign_in.enrol_endpoint(r); });
  router.add("POST", kPasskeyOptionsPath,
             [&sign_in](const http::Request& r, const http::PathParams&) { return sign_in.passkey_options_endpoint(r); });
  router.add("POST", kPasskeyPath, [&sign_in](const http::Request& r, const http::PathParams&) { return sign_in.passkey_endpoint(r); });
  router.add(
      "GET", "/assets/passkey.js",
      [](const http::Request&, const http::PathParams&) {
        http::Response r;
        r.body = std::string(web::k_passkey_js);
        r.set("Content-Type", "text/javascript; charset=utf-8");
        r.set("Cache-Control", "public, max-age=60");
        return r;
      },
      http::Execution::kInline);
  router.add(
      "GET", "/assets/style.css",
      [&sign_in](const http::Request&, const http::PathParams&) {
        http::Response r;
        r.body = sign_in.theme()->style_css;
        r.set("Content-Type", "text/css; charset=utf-8");
        // Short: a theme saved through the admin API reaches browsers within a minute.
        r.set("Cache-Control", "public, max-age=60");
        return r;
      },
      http::Execution::kInline);
}

}  // namespace gatehouse::signin
