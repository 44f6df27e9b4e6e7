// The account page's sign-in methods: the section listing them, and its forms (authenticator app,
// recovery codes, passkeys), each asking for a recent sign-in first. What is shown once (a TOTP
// seed, its QR code, recovery codes) is only ever in a no-store page, never in a log.
#include <boost/json.hpp>

#include "core/log.hpp"
#include "core/utf8.hpp"
#include "signin/account/account_page.hpp"
#include "signin/pages.hpp"

namespace gatehouse::signin::account {
namespace {

constexpr std::string_view kNoFactors = "Sign-in methods are not available here.";

std::string hidden_csrf(std::string_view csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + html_escape(csrf) + "\">";
}

/// A form of one button (and hidden fields, already escaped).
std::string button_form(std::string_view action, std::string_view csrf, std::string_view id, std::string_view label,
                        std::string_view hidden = {}, std::string_view cls = "secondary") {
  return "<form method=\"post\" action=\"" + std::string(action) + "\">" + hidden_csrf(csrf) + std::string(hidden) +
         "<button type=\"submit\" id=\"" + std::string(id) + "\" class=\"" + std::string(cls) + "\">" +
         std::string(label) + "</button></form>\n";
}

std::string passkeys_html(const std::vector<mfa::Passkey>& passkeys, std::string_view csrf) {
  if (passkeys.empty()) return "<p id=\"passkeys-none\">No passkeys.</p>\n";
  std::string out = "<ul class=\"passkeys\">\n";
  for (const auto& p : passkeys) {
    const auto id = html_escape(p.credential_id);
    const std::string hidden = "<input type=\"hidden\" name=\"credential_id\" value=\"" + id + "\">";
    out += "<li class=\"passkey\" data-credential-id=\"" + id + "\"" + (p.flagged ? " data-flagged=\"true\"" : "") + ">";
    out += "<strong>" + html_escape(p.name.empty() ? "Passkey" : p.name) + "</strong>";
    if (p.flagged) out += " <span class=\"error\">Blocked: it may have been copied. Remove it.</span>";
    out += "<br><span class=\"muted\">Added " + when(p.created_at) + " · " +
           (p.last_used_at == 0 ? std::string("never used") : "last used " + when(p.last_used_at)) + "</span>";
    out += "<form method=\"post\" action=\"" + std::string(kAccountPasskeyRenamePath) + "\">" + hidden_csrf(csrf) + hidden +
           "<label>New name <input name=\"name\" maxlength=\"" + std::to_string(kMaxPasskeyName) + "\" required></label>" +
           "<button type=\"submit\" class=\"secondary\">Rename</button></form>";
    out += button_form(kAccountPasskeyRemovePath, csrf, "remove-passkey-" + id, "Remove", hidden);
    out += "</li>\n";
  }
  return out + "</ul>\n";
}

/// "Add a passkey": passkey.js fetches the options, asks the browser, puts the answer into
/// `credential` and submits (the name typed goes along).
std::string add_passkey_html(std::string_view csrf) {
  return "<form method=\"post\" action=\"" + std::string(kAccountPasskeyAddPath) + "\" id=\"add-passkey-form\" autocomplete=\"off\">" +
         hidden_csrf(csrf) + "<input type=\"hidden\" name=\"credential\" value=\"\">" +
         "<label for=\"passkey-name\">Name of the new passkey</label><input id=\"passkey-name\" name=\"name\" maxlength=\"" +
         std::to_string(kMaxPasskeyName) + "\" placeholder=\"Passkey\">" +
         "<button type=\"button\" id=\"add-passkey\" class=\"primary\" data-passkey-options=\"" +
         std::string(kAccountPasskeyOptionsPath) + "\">Add a passkey</button></form>\n" +
         "<script src=\"/assets/passkey.js\" defer></script>\n";
}

http::Response json_failure(int status, std::string_view error, std::string_view description) {
  auto r = http::json_response(status, boost::json::object{{"error", error}, {"error_description", description}});
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response json_options(std::string body) {
  http::Response r;
  r.body = std::move(body);
  r.set("Content-Type", "application/json");
  r.set("Cache-Control", "no-store");
  return r;
}

std::string minutes(UnixSeconds s) {
  if (s <= 0) return "Changes here ask you to sign in again first; then make the change again.\n";
  const auto m = (s + 59) / 60;
  return "If you signed in more than " + std::to_string(m) + (m == 1 ? " minute" : " minutes") +
         " ago, changes here ask you to sign in again first; then make the change again.";
}

/// The pending enrolment: the QR code (SVG made here, no external image), the key to type, and
/// the form for the first code.
std::string enrolment_html(const mfa::TotpEnrolment& e, std::string_view csrf) {
  return "<div class=\"enrolment\" id=\"totp-enrolment\">\n"
         "<p>Scan this QR code with your authenticator app, or type the key into it. Then enter the code it "
         "shows.</p>\n<div class=\"qr\" id=\"totp-qr\">" +
         e.qr_svg + "</div>\n<p>Key: <code id=\"totp-secret\">" + html_escape(e.secret.reveal()) + "</code></p>\n" +
         "<form method=\"post\" action=\"" + std::string(kAccountTotpConfirmPath) + "\" autocomplete=\"off\">" +
         hidden_csrf(csrf) +
         "<label for=\"code\">Code from the app</label><input id=\"code\" name=\"code\" inputmode=\"numeric\" "
         "autocomplete=\"one-time-code\" maxlength=\"16\" required>"
         "<button type=\"submit\" id=\"confirm-totp\">Confirm</button></form>\n</div>\n";
}

std::string recovery_codes_html(const std::vector<RecoveryCode>& codes) {
  std::string out = "<div class=\"recovery\" id=\"new-recovery-codes\">\n<p><strong>Your recovery codes.</strong> "
                    "Each one works once, in place of your authenticator app or passkey. Store them somewhere safe "
                    "(a password manager, or printed): they are shown only now.</p>\n<ul class=\"codes\">\n";
  for (const auto& c : codes) out += "<li><code class=\"recovery-code\">" + html_escape(c.reveal()) + "</code></li>\n";
  return out + "</ul>\n</div>\n";
}

/// A form changing a sign-in method, read and checked: the factors exist here, the form passes
/// check(), and (when `needs_recent`) this browser signed in at most reauthenticate_after ago.
/// Otherwise the answer: for a sign-in too old, a fresh sign-in that comes back to /account,
/// where the person makes the change again (nothing is changed meanwhile).
Result<Checked, http::Response> check_change(const AccountDeps& deps, const http::Request& request, bool needs_recent = true) {
  if (deps.factors == nullptr) return unexpected(error_page(*deps.sign_in.theme(), 404, "not_found", kNoFactors));
  auto c = check(deps, request);
  if (!c || !needs_recent) return c;
  if (deps.sign_in.deps().clock.now() - c->session.auth_time <= deps.reauthenticate_after) return c;
  spdlog::info("user {} signs in again before changing a sign-in method", c->user.id);
  SignInTransaction tx;
  tx.continuation = {std::string(kAccountKind), {}};
  tx.service = std::string(kAccountKind);
  tx.fresh = true;
  tx.login_hint = c->user.username;
  return unexpected(deps.sign_in.start(std::move(tx), request));
}

/// Trims the spaces people type inside a code ("123 456").
OneTimeCode typed_code(std::string_view typed) {
  std::string out;
  for (char ch : typed.substr(0, 32))
    if (ch != ' ') out.push_back(ch);
  return OneTimeCode(std::move(out));
}

std::string locked_message(const AccountDeps& deps) {
  const auto m = (deps.factors->deps().lockout.duration + 59) / 60;
  return "Too many wrong codes. Wait " + std::to_string(m) + (m == 1 ? " minute" : " minutes") + " and try again.";
}

/// A passkey name as typed: UTF-8 text of 1 to kMaxPasskeyName characters without control
/// characters, spaces around it trimmed; "" when it is not one.
std::string passkey_name(std::string_view typed) {
  while (!typed.empty() && typed.front() == ' ') typed.remove_prefix(1);
  while (!typed.empty() && typed.back() == ' ') typed.remove_suffix(1);
  std::size_t chars = 0;
  for (unsigned char ch : typed) {
    if (ch < 0x20 || ch == 0x7f) return {};
    chars += (ch & 0xC0) != 0x80 ? 1 : 0;
  }
  if (chars == 0 || chars > kMaxPasskeyName || !is_utf8_text(typed)) return {};
  return std::string(typed);
}

}  // namespace

std::string factors_html(const AccountDeps& deps, const AccountView& view, std::string_view csrf) {
  if (deps.factors == nullptr) return {};
  const auto s = deps.factors->summary(view.user.id);
  std::string out = "<section id=\"factors\">\n<h2>Sign-in methods</h2>\n<p class=\"muted\" id=\"reauthenticate-note\">" +
                    minutes(deps.reauthenticate_after) + "</p>\n" + std::string(view.factors_panel);
  out += "<h3>Authenticator app</h3>\n";
  if (s.totp) {
    out += "<p id=\"totp-status\" data-enabled=\"true\">Set up since " + when(s.totp_since) + ".</p>\n";
    out += button_form(kAccountTotpRemovePath, csrf, "remove-totp", "Remove the authenticator app");
  } else {
    out += "<p id=\"totp-status\" data-enabled=\"false\">Not set up.</p>\n";
    out += button_form(kAccountTotpBeginPath, csrf, "begin-totp", "Set up an authenticator app", {}, "primary");
  }
  out += "<h3>Recovery codes</h3>\n<p id=\"recovery-codes-left\" data-left=\"" + std::to_string(s.recovery_codes_left) +
         "\">" + std::to_string(s.recovery_codes_left) + " unused recovery " +
         (s.recovery_codes_left == 1 ? "code" : "codes") + " left.</p>\n";
  out += button_form(kAccountRecoveryCodesPath, csrf, "new-recovery-codes", "Make new recovery codes");
  out += "<h3>Passkeys</h3>\n" + passkeys_html(s.passkeys, csrf);
  if (deps.passkeys != nullptr) out += add_passkey_html(csrf);
  return out + "</section>\n";
}

http::Response AccountPages::totp_begin(const http::Request& request) const {
  auto c = check_change(deps_, request);
  if (!c) return std::move(c.error());
  auto enrolment = deps_.factors->begin_totp(c->user);
  if (!enrolment) return account_page(deps_, {c->session, c->user, {}, enrolment.error(), 409}, request);
  spdlog::info("user {} began setting up an authenticator app", c->user.id);
  const auto csrf = c->form.value("csrf");
  return account_page(deps_, {c->session, c->user, {}, {}, 200, enrolment_html(*enrolment, csrf)}, request);
}

http::Response AccountPages::totp_confirm(const http::Request& request) const {
  auto c = check_change(deps_, request, false);
  if (!c) return std::move(c.error());
  const auto& f = *deps_.factors;
  const auto& id = c->user.id;
  switch (f.confirm_totp(id, typed_code(c->form.value("code")))) {
    case mfa::CodeCheck::kAccepted: {
      report(deps_, "account.totp_added", id, request);
      std::string panel;
      if (f.summary(id).recovery_codes_left == 0) {
        panel = recovery_codes_html(f.new_recovery_codes(id));
        report(deps_, "account.recovery_codes_generated", id, request);
      }
      spdlog::info("user {} set up an authenticator app", id);
      return account_page(deps_, {c->session, c->user, "Your authenticator app is set up.", {}, 200, panel}, request);
    }
    case mfa::CodeCheck::kLocked:
      return account_page(deps_, {c->session, c->user, {}, locked_message(deps_), 429}, request);
    case mfa::CodeCheck::kNoFactor:
      return account_page(deps_, {c->session, c->user, {},
                                  "There is no authenticator app being set up (it was set up or started again in another "
                                  "window). Start again if you need to.", 409}, request);
    case mfa::CodeCheck::kWrong:
    case mfa::CodeCheck::kReused:
      break;
  }
  // The same enrolment again (nothing confirmed): the app already holds this key.
  auto pending = f.pending_totp(c->user);
  const std::string panel = pending ? enrolment_html(*pending, c->form.value("csrf")) : std::string();
  return account_page(deps_, {c->session, c->user, {},
                              "That code is not right. Check that the app shows the code of this account and the time "
                              "of your device is correct, then enter the code it shows now.", 400, panel}, request);
}

http::Response AccountPages::totp_remove(const http::Request& request) const {
  auto c = check_change(deps_, request);
  if (!c) return std::move(c.error());
  if (!deps_.factors->remove_totp(c->user.id))
    return account_page(deps_, {c->session, c->user, {}, "No authenticator app is set up.", 404}, request);
  report(deps_, "account.totp_removed", c->user.id, request);
  spdlog::info("user {} removed their authenticator app", c->user.id);
  return account_page(deps_, {c->session, c->user, "The authenticator app was removed.", {}, 200}, request);
}

http::Response AccountPages::recovery_codes(const http::Request& request) const {
  auto c = check_change(deps_, request);
  if (!c) return std::move(c.error());
  const auto panel = recovery_codes_html(deps_.factors->new_recovery_codes(c->user.id));
  report(deps_, "account.recovery_codes_generated", c->user.id, request);
  spdlog::info("user {} made new recovery codes", c->user.id);
  return account_page(deps_, {c->session, c->user, "New recovery codes were made; the old ones no longer work.", {}, 200, panel},
                      request);
}

http::Response AccountPages::passkey_rename(const http::Request& request) const {
  auto c = check_change(deps_, request);
  if (!c) return std::move(c.error());
  const auto name = passkey_name(c->form.value("name"));
  if (name.empty())
    return account_page(deps_, {c->session, c->user, {}, "A passkey name is 1 to 64 characters of text.", 400}, request);
  if (!deps_.factors->rename_passkey(c->user.id, c->form.value("credential_id"), name))
    return account_page(deps_, {c->session, c->user, {}, "There is no such passkey.", 404}, request);
  report(deps_, "account.passkey_renamed", c->user.id, request);
  return account_page(deps_, {c->session, c->user, "The passkey was renamed.", {}, 200}, request);
}

http::Response AccountPages::passkey_remove(const http::Request& request) const {
  auto c = check_change(deps_, request);
  if (!c) return std::move(c.error());
  if (!deps_.factors->remove_passkey(c->user.id, c->form.value("credential_id")))
    return account_page(deps_, {c->session, c->user, {}, "There is no such passkey.", 404}, request);
  report(deps_, "account.passkey_removed", c->user.id, request);
  spdlog::info("user {} removed a passkey", c->user.id);
  return account_page(deps_, {c->session, c->user, "The passkey was removed.", {}, 200}, request);
}

}  // namespace gatehouse::signin::account

namespace gatehouse::signin::account {

http::Response AccountPages::passkey_options(const http::Request& request) const {
  if (deps_.factors == nullptr || deps_.passkeys == nullptr) return json_failure(404, "not_found", kNoFactors);
  auto form = oauth::parse_form(request);
  if (!form) return json_failure(400, "invalid_request", "The form could not be read.");
  if (!account_csrf_ok(deps_, request, form->value("csrf")))
    return json_failure(400, "csrf", "The form is not valid (CSRF check failed). Open your account page and try again.");
  const auto& d = deps_.sign_in.deps();
  auto s = deps_.sign_in.current_session(request);
  auto u = s ? d.users.find(s->user_id) : std::nullopt;
  // The same rule as the other changes: a live sign-in, recent enough (the page then asks again).
  if (!u || d.clock.now() - s->auth_time > deps_.reauthenticate_after)
    return json_failure(403, "login_required", "Sign in again to add a passkey: reload your account page.");
  return json_options(deps_.passkeys->registration_options(*u, ""));
}

http::Response AccountPages::passkey_add(const http::Request& request) const {
  if (deps_.passkeys == nullptr) return error_page(*deps_.sign_in.theme(), 404, "not_found", kNoFactors);
  auto c = check_change(deps_, request);
  if (!c) return std::move(c.error());
  const auto typed = c->form.value("name");
  auto name = passkey_name(typed);
  if (name.empty() && typed.find_first_not_of(' ') != std::string_view::npos)
    return account_page(deps_, {c->session, c->user, {}, "A passkey name is 1 to 64 characters of text.", 400}, request);
  auto added = deps_.passkeys->finish_registration(c->user.id, "", c->form.value("credential"), std::move(name));
  if (!added) return account_page(deps_, {c->session, c->user, {}, added.error().message, 400}, request);
  report(deps_, "account.passkey_added", c->user.id, request);
  return account_page(deps_, {c->session, c->user, "The passkey was added.", {}, 200}, request);
}

}  // namespace gatehouse::signin::account
