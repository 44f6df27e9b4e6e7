// The account page's forms: the check every form makes (CSRF, this browser's session), the password
// change and "sign out everywhere", and the routes (the sign-in methods' forms are in account_factors.cpp).
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "signin/account/account_page.hpp"
#include "signin/pages.hpp"
#include "signin/sign_out.hpp"
#include "user/user_profile.hpp"

namespace gatehouse::signin::account {
namespace {

constexpr std::string_view kWrongPassword = "The current password is not correct.";
constexpr std::string_view kPasswordChanged =
    "Your password was changed. Every other browser and every application signed in with your account was signed out.";

/// The current password, through the password step: a wrong one counts towards the lockout of the
/// login name and is audited exactly as at sign-in. @returns the stored hash it was verified
/// against, or the message for the page when it fails.
Result<std::string, std::string_view> verify_current(const AccountDeps& deps, const Checked& c, const http::Request& request) {
  const auto& d = deps.sign_in.deps();
  const auto login_name = user::login_name(c.user.username);
  auto on_step = [&](const Attempt& a) {
    if (d.on_sign_in) d.on_sign_in(SignInEvent{a.outcome, a.user_id, login_name, std::string(kAccountKind), request.client_address});
  };
  static const std::vector<user::IdentitySource*> kLocalOnly;  // a local password is the only one changed here
  auto result = password_step({d.users, d.passwords, d.lockout, kLocalOnly}, c.user.username,
                              user::Password(c.form.value("current_password")), d.clock.now(), on_step);
  if (result.user && result.user->id == c.user.id) return std::move(result.user->password_hash);
  return unexpected(result.message == kLocked ? kLocked : kWrongPassword);
}

/// A new session for this browser in place of the one it had (every session of the user just
/// ended): the same sid, participants and absolute expiry, a new cookie value (whoever held the
/// old one is out too) and auth_time now, when the password was proven (at or after the user's
/// token cut-off, so the session still signs in to applications). @returns its Set-Cookie value.
std::string renew_session(const AccountDeps& deps, session::SsoSession& s) {
  const auto& d = deps.sign_in.deps();
  const auto now = d.clock.now();
  const auto value = jose::random_token(32);
  s.id_hash = jose::sha256(value);
  s.auth_time = now;
  s.last_seen_at = now;
  d.sessions.insert(s);
  return set_cookie(d.cookies, session_cookie_scope(d.cookies), value, std::nullopt);
}

}  // namespace

http::Response see_account() {
  http::Response r;
  r.status = 303;
  r.set("Location", std::string(kAccountPath));
  r.set("Cache-Control", "no-store");
  return r;
}

void report(const AccountDeps& deps, std::string_view action, const std::string& user_id, const http::Request& request) {
  if (deps.on_event) deps.on_event(AccountEvent{action, user_id, request.client_address});
}

Result<Checked, http::Response> check(const AccountDeps& deps, const http::Request& request) {
  const auto& theme = *deps.sign_in.theme();
  auto form = oauth::parse_form(request);
  if (!form) return unexpected(error_page(theme, 400, "invalid_request", "The form could not be read."));
  if (!account_csrf_ok(deps, request, form->value("csrf")))
    return unexpected(error_page(theme, 400, "csrf", "The form is not valid (CSRF check failed). Open your account page and try again."));
  auto s = deps.sign_in.current_session(request);
  if (!s) return unexpected(see_account());  // which asks to sign in
  auto u = deps.sign_in.deps().users.find(s->user_id);
  if (!u) return unexpected(see_account());
  return Checked{std::move(*form), std::move(*s), std::move(*u)};
}

http::Response AccountPages::change_password(const http::Request& request) const {
  auto checked = check(deps_, request);
  if (!checked) return std::move(checked.error());
  auto& c = *checked;
  const auto& d = deps_.sign_in.deps();
  if (c.user.linked())
    return account_page(deps_, {c.session, c.user, {}, "Your password is managed by your organisation's directory: change it there.", 400},
                        request);
  // Before the password check, as at sign-in: a limited attempt costs no argon2id. The per-service
  // budget is this account's own ("account:" + user id; a client_id never holds ':'), not one
  // shared by every signed-in user of the page, so nobody can spend it for somebody else; the
  // per-address budget is as at sign-in.
  if (d.login_rate_limit) {
    if (auto wait = d.login_rate_limit(std::string(kAccountKind) + ":" + c.user.id, request.client_address))
      return too_many_page(*deps_.sign_in.theme(), "Too many sign-in attempts. Try again in ", *wait);
  }
  auto verified = verify_current(deps_, c, request);
  if (!verified) return account_page(deps_, {c.session, c.user, {}, verified.error(), 400}, request);
  const user::Password fresh(c.form.value("new_password"));
  if (!jose::constant_time_equal(fresh.reveal(), c.form.value("new_password_repeat")))
    return account_page(deps_, {c.session, c.user, {}, "The new passwords do not match.", 400}, request);
  if (auto problem = user::password_problem(fresh.reveal(), deps_.min_password_length); !problem.empty())
    return account_page(deps_, {c.session, c.user, {}, "The new password " + problem + ".", 400}, request);
  const auto now = d.clock.now();
  // Only over the hash just verified (compare-and-set): of two posts of this form at once (a double
  // click), one changes the password, ends the sessions and renews this one; the other finds it
  // changed and goes back to the page (to sign in again), rather than ending the renewed session
  // or storing a second one with the same sid (a store fault, 503).
  const auto hash = d.passwords.hash(fresh);
  if (!d.users.change_password_hash(c.user.id, *verified, hash, now)) return see_account();
  spdlog::info("user {} changed their password", c.user.id);
  // Every session and grant of the old password ends; this browser keeps a renewed session.
  signin::sign_out_everywhere({d.users, &d.sessions, deps_.grants}, c.user.id, now);
  auto cookie = renew_session(deps_, c.session);
  report(deps_, "account.password_changed", c.user.id, request);
  auto r = account_page(deps_, {c.session, c.user, kPasswordChanged, {}, 200}, request);
  r.headers.push_back({"Set-Cookie", std::move(cookie)});
  return r;
}

http::Response AccountPages::sign_out_everywhere(const http::Request& request) const {
  auto checked = check(deps_, request);
  if (!checked) return std::move(checked.error());
  const auto& d = deps_.sign_in.deps();
  signin::sign_out_everywhere({d.users, &d.sessions, deps_.grants}, checked->user.id, d.clock.now());
  report(deps_, "account.signed_out_everywhere", checked->user.id, request);
  // This browser's SAML SPs that only it reaches are told on the way (front channel); the other
  // sessions' participants hear of it by the back channels only.
  auto through = deps_.sign_in.logout_through_browser(checked->session, "");
  auto r = through ? std::move(*through)
                   : error_page(*deps_.sign_in.theme(), 200, "signed_out",
                                "You are signed out everywhere: in every browser and every application.", "Signed out");
  r.headers.push_back({"Set-Cookie", set_cookie(d.cookies, session_cookie_scope(d.cookies), "", 0)});
  r.headers.push_back({"Set-Cookie", set_cookie(d.cookies, account_csrf_scope(deps_), "", 0)});
  return r;
}

void add_account_routes(http::Router& router, const AccountPages& pages) {
  using Action = http::Response (AccountPages::*)(const http::Request&) const;
  auto post = [&router, &pages](std::string_view path, Action action) {
    router.add("POST", path, [&pages, action](const http::Request& r, const http::PathParams&) { return (pages.*action)(r); });
  };
  post(kAccountTotpBeginPath, &AccountPages::totp_begin);
  post(kAccountTotpConfirmPath, &AccountPages::totp_confirm);
  post(kAccountTotpRemovePath, &AccountPages::totp_remove);
  post(kAccountRecoveryCodesPath, &AccountPages::recovery_codes);
  post(kAccountPasskeyOptionsPath, &AccountPages::passkey_options);
  post(kAccountPasskeyAddPath, &AccountPages::passkey_add);
  post(kAccountPasskeyRenamePath, &AccountPages::passkey_rename);
  post(kAccountPasskeyRemovePath, &AccountPages::passkey_remove);
  router.add("GET", kAccountPath, [&pages](const http::Request& r, const http::PathParams&) { return pages.page(r); });
  router.add("POST", kAccountPasswordPath,
             [&pages](const http::Request& r, const http::PathParams&) { return pages.change_password(r); });
  router.add("POST", kAccountSignOutPath,
             [&pages](const http::Request& r, const http::PathParams&) { return pages.sign_out_everywhere(r); });
}

}  // namespace gatehouse::signin::account
