// What follows the first factor of a sign-in: the second-factor page (a TOTP code, or a recovery
// code), the enrolment of an authenticator app when the service requires a second factor and the
// user has none, or a refusal (mfa.enrol_when_required false). Every step is recorded on the
// transaction in the store, so the page rendered by one node may be posted to any other.
#include <algorithm>

#include "core/log.hpp"
#include "signin/pages.hpp"
#include "signin/sign_in.hpp"

namespace gatehouse::signin {
namespace {

constexpr std::string_view kNeedsFactor =
    "This application requires a second factor (an authenticator app or a passkey), and your account has none. "
    "Set one up on your account page, or ask your administrator.";

constexpr std::string_view kNotEnrolling =
    "This sign-in does not set up an authenticator app. Go back to the application and start again.";

std::string_view code_message(mfa::CodeCheck check) {
  switch (check) {
    case mfa::CodeCheck::kLocked:
      return "Too many wrong codes: the second factor of this account is locked for a while. Try again later.";
    case mfa::CodeCheck::kReused:
      return "This code was used already. Wait for the next one and enter it.";
    case mfa::CodeCheck::kNoFactor:
      return "There is nothing to check this code against any more. Go back to the application and start again.";
    default:
      return "That code is not correct. Check the time on your device and try again.";
  }
}

std::string hidden(const SignInTransaction& tx, const std::string& csrf) {
  return "<input type=\"hidden\" name=\"tx\" value=\"" + html_escape(tx.id) + "\">\n<input type=\"hidden\" name=\"csrf\" value=\"" +
         html_escape(csrf) + "\">\n";
}

std::string code_form(const SignInTransaction& tx, const std::string& csrf, std::string_view method, std::string_view label,
                      std::string_view id, std::string_view input_attributes) {
  return "<form method=\"post\" action=\"" + std::string(kFactorPath) + "\" autocomplete=\"off\">\n" + hidden(tx, csrf) +
         "<input type=\"hidden\" name=\"method\" value=\"" + std::string(method) + "\">\n<label for=\"" + std::string(id) + "\">" +
         std::string(label) + "</label>\n<input id=\"" + std::string(id) + "\" name=\"code\" " + std::string(input_attributes) +
         " required>\n<button type=\"submit\">Verify</button>\n</form>\n";
}

}  // namespace

MfaPolicy SignIn::mfa_policy(std::string_view kind, std::string_view service) const {
  const auto* door = door_of(kind);
  auto own = door != nullptr ? door->mfa_policy(service) : std::nullopt;
  return own.value_or(deps_.mfa_default);
}

bool SignIn::satisfies(const session::SsoSession& s, std::string_view kind, std::string_view service,
                       std::string_view requested_acr) const {
  if (deps_.factors == nullptr || has_word(s.amr, kAmrMfa)) return true;
  return !requires_mfa(mfa_policy(kind, service), requested_acr);
}

SignIn::Next SignIn::next_step(const SignInTransaction& tx) const {
  if (deps_.factors == nullptr || has_word(tx.amr, kAmrMfa)) return Next::kDone;
  const auto policy = mfa_policy(tx.continuation.kind, tx.service);
  const bool required = requires_mfa(policy, tx.requested_acr);
  if (policy == MfaPolicy::kOff && !required) return Next::kDone;
  // "optional" asks the users who have a second factor; "required" asks everybody.
  if (deps_.factors->summary(tx.user_id).any()) return Next::kAskFactor;
  if (!required) return Next::kDone;
  return deps_.mfa_enrol_when_required ? Next::kEnrol : Next::kRefuse;
}

http::Response SignIn::after_first_factor(SignInTransaction& tx, const std::string& csrf, const http::Request& request,
                                          const std::optional<std::string>& record_from) const {
  const auto next = next_step(tx);
  if (next == Next::kDone) {
    auto u = deps_.users.find(tx.user_id);
    return complete(tx, u ? user::login_name(u->username) : std::string(), request);
  }
  if (next == Next::kRefuse) {
    if (deps_.transactions.consume(tx.id) && deps_.transaction_finished) deps_.transaction_finished(request.client_address);
    spdlog::info("sign-in of user {} refused: {} requires a second factor and the user has none", tx.user_id, tx.service);
    return error_page(*theme(), 403, "mfa_required", kNeedsFactor, "Second factor required");
  }
  // The first factor is recorded (once: a stale form cannot overwrite a later step) before any
  // page that continues from it.
  if (record_from && !deps_.transactions.record_step(tx, *record_from, deps_.clock.now()))
    return error_page(*theme(), 400, "expired", kExpired);
  return factor_page(tx, csrf, next, {});
}

http::Response SignIn::factor_page(const SignInTransaction& tx, const std::string& csrf, Next next, std::string_view error,
                                   int status) const {
  std::string content;
  std::string title;
  if (next == Next::kEnrol) {
    title = "Set up an authenticator app";
    auto u = deps_.users.find(tx.user_id);
    if (!u) return error_page(*theme(), 400, "expired", kExpired);
    // A wrong code shows the same seed again; the first visit starts the enrolment.
    auto shown = deps_.factors->pending_totp(*u);
    if (!shown) {
      auto begun = deps_.factors->begin_totp(*u);
      if (!begun) return error_page(*theme(), 409, "conflict", begun.error());
      shown = std::move(*begun);
    }
    content = "<p>This application requires a second factor. Scan this code with an authenticator app, then enter the "
              "6-digit code it shows.</p>\n<div class=\"qr\" role=\"img\" aria-label=\"QR code of your new authenticator "
              "entry\">" + shown->qr_svg + "</div>\n<p class=\"muted\">Or type this key: <span class=\"secret\" id=\"totp-secret\">" +
              html_escape(shown->secret.reveal()) + "</span></p>\n<form method=\"post\" action=\"" + std::string(kEnrolPath) +
              "\" autocomplete=\"off\">\n" + hidden(tx, csrf) +
              "<label for=\"code\">Code from the app</label>\n<input id=\"code\" name=\"code\" inputmode=\"numeric\" "
              "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" required autofocus>\n"
              "<button type=\"submit\">Confirm</button>\n</form>\n";
  } else {
    title = "Second factor";
    const auto have = deps_.factors->summary(tx.user_id);
    // A passkey, unless one was the first factor (then it is not a second kind of factor).
    if (!has_word(tx.amr, kAmrHardwareKey) && !has_word(tx.amr, kAmrSoftwareKey) &&
        std::any_of(have.passkeys.begin(), have.passkeys.end(), [](const mfa::Passkey& k) { return !k.flagged; }))
      content += passkey_form(tx, csrf, "Use a passkey");
    if (have.totp)
      content += code_form(tx, csrf, "totp", "Code from your authenticator app", "code",
                           "inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" maxlength=\"6\" autofocus");
    if (have.recovery_codes_left > 0 || !have.totp)
      content += "<details" + std::string(have.totp ? "" : " open") + "><summary>Use a recovery code</summary>\n" +
                 code_form(tx, csrf, "recovery", "Recovery code", "recovery-code",
                           "autocomplete=\"off\" autocapitalize=\"none\" spellcheck=\"false\" maxlength=\"32\"") +
                 "</details>\n";
  }
  std::string error_block;
  if (!error.empty()) error_block = "<p class=\"error\" id=\"error\" role=\"alert\">" + html_escape(error) + "</p>";
  return html_page(status, render(theme()->factor_html, {{"title", html_escape(title)},
                                                         {"client_name", html_escape(service_name(tx.continuation.kind, tx.service))},
                                                         {"error_block", error_block},
                                                         {"content", std::move(content)}}));
}

Result<SignIn::SecondStep, http::Response> SignIn::second_step(const http::Request& request) const {
  auto p = posted(request);
  if (!p) return unexpected(std::move(p.error()));
  const auto& tx = p->tx;
  // Only after a first factor of this transaction (the password, or the session of a step-up).
  if (deps_.factors == nullptr || tx.user_id.empty() || tx.amr.empty())
    return unexpected(error_page(*theme(), 400, "expired", kExpired));
  if (deps_.login_rate_limit) {
    if (auto wait = deps_.login_rate_limit(tx.service, request.client_address))
      return unexpected(too_many_page(*theme(), "Too many sign-in attempts. Try again in ", *wait));
  }
  auto u = deps_.users.find(tx.user_id);
  if (!u || !u->active) return unexpected(error_page(*theme(), 400, "expired", kExpired));
  return SecondStep{std::move(*p), std::move(*u)};
}

http::Response SignIn::factor_endpoint(const http::Request& request) const {
  auto step = second_step(request);
  if (!step) return std::move(step.error());
  auto& [form, tx, csrf] = step->posted;
  const auto* u = &step->user;
  const auto method = form.value("method");
  const auto check = method == "recovery" ? deps_.factors->use_recovery_code(u->id, RecoveryCode(form.value("code")))
                                          : deps_.factors->verify_totp(u->id, OneTimeCode(form.value("code")));
  const auto login_name = user::login_name(u->username);
  if (check != mfa::CodeCheck::kAccepted) {
    const std::string_view outcome = check == mfa::CodeCheck::kLocked ? "locked" : "failure";
    if (deps_.on_sign_in) deps_.on_sign_in(SignInEvent{outcome, u->id, login_name, tx.service, request.client_address});
    return factor_page(tx, csrf, Next::kAskFactor, code_message(check), check == mfa::CodeCheck::kLocked ? 429 : 400);
  }
  if (method == "recovery") spdlog::info("user {} signed in with a recovery code", u->id);
  tx.amr = add_amr(tx.amr, {kAmrOtp, kAmrMfa});
  return complete(tx, login_name, request);
}

http::Response SignIn::enrol_endpoint(const http::Request& request) const {
  auto step = second_step(request);
  if (!step) return std::move(step.error());
  auto& [form, tx, csrf] = step->posted;
  const auto* u = &step->user;
  // Only a sign-in that has to enrol: a user with a factor (a passkey) proves it, never replaces it.
  if (next_step(tx) != Next::kEnrol) return error_page(*theme(), 400, "invalid_request", kNotEnrolling);
  const auto check = deps_.factors->confirm_totp(u->id, OneTimeCode(form.value("code")));
  if (check != mfa::CodeCheck::kAccepted) return factor_page(tx, csrf, Next::kEnrol, code_message(check), 400);
  spdlog::info("user {} set up an authenticator app while signing in", u->id);
  tx.amr = add_amr(tx.amr, {kAmrOtp, kAmrMfa});
  return complete(tx, user::login_name(u->username), request);
}

}  // namespace gatehouse::signin
