// A passkey in the sign-in (WebAuthn, through mfa::Passkeys): the options the browser's
// /assets/passkey.js asks for, and the answer it posts, either
//   - as the first factor ("Sign in with a passkey" on the login page, no username): the user is
//     the passkey's (its userHandle must name it); amr "hwk"/"swk" and "user", plus "mfa" when the
//     authenticator verified the user (a PIN or biometric: two factors in one);
//   - or as the second factor, after the password (or the session of a step-up): amr gains the
//     passkey's and "mfa".
// A passkey sign-in without user verification is one factor: when the service's policy (or the
// request's acr_values) requires a second one, the second-factor page follows (an authenticator
// app code or a recovery code; another passkey does not count, being the same kind of factor), or,
// for a user with neither, the login page again: the password, then the passkey.
// The challenge is stored with the transaction id as its context, so the ceremony may finish on
// any node, for this transaction only, once.
#include <boost/json.hpp>

#include "core/log.hpp"
#include "signin/pages.hpp"
#include "signin/sign_in.hpp"

namespace gatehouse::signin {
namespace {

http::Response json_failure(int status, std::string_view error, std::string_view description) {
  auto r = http::json_response(status, boost::json::object{{"error", error}, {"error_description", description}});
  r.set("Cache-Control", "no-store");
  return r;
}

constexpr std::string_view kPasskeyNeedsMore =
    "This application requires two factors, and this passkey did not verify you (no PIN or biometric). "
    "Sign in with your password, then use your passkey.";

bool has_passkey_amr(std::string_view amr) { return has_word(amr, kAmrHardwareKey) || has_word(amr, kAmrSoftwareKey); }

}  // namespace

std::string SignIn::passkey_form(const SignInTransaction& tx, const std::string& csrf, std::string_view label) const {
  if (deps_.passkeys == nullptr || deps_.factors == nullptr) return {};
  return "<form method=\"post\" action=\"" + std::string(kPasskeyPath) + "\" class=\"passkey\" id=\"passkey-form\">\n" +
         "<input type=\"hidden\" name=\"tx\" value=\"" + html_escape(tx.id) + "\">\n<input type=\"hidden\" name=\"csrf\" value=\"" +
         html_escape(csrf) + "\">\n<input type=\"hidden\" name=\"credential\" value=\"\">\n" +
         "<button type=\"button\" class=\"secondary\" id=\"passkey-button\" data-passkey-options=\"" +
         std::string(kPasskeyOptionsPath) + "\">" + html_escape(label) + "</button>\n</form>\n" +
         "<script src=\"/assets/passkey.js\" defer></script>\n";
}

http::Response SignIn::passkey_options_endpoint(const http::Request& request) const {
  if (deps_.passkeys == nullptr || deps_.factors == nullptr) return json_failure(404, "not_found", "Passkeys are not available here.");
  auto p = posted(request);
  if (!p)
    return json_failure(400, "invalid_request",
                        "This sign-in request has expired, was already completed, or its form is not valid (CSRF).");
  const auto& tx = p->tx;
  // Each call stores a challenge: counted like a sign-in attempt, so a loop cannot grow the store.
  if (deps_.login_rate_limit) {
    if (auto wait = deps_.login_rate_limit(tx.service, request.client_address))
      return json_failure(429, "slow_down", "Too many sign-in attempts. Try again in " + std::to_string(*wait) + " seconds.");
  }
  // A second factor (or a step-up) lists the user's passkeys; the login page's passkey sign-in
  // lists none (discoverable credentials: the authenticator offers what it holds for this RP).
  const std::string user_id = tx.amr.empty() ? std::string() : tx.user_id;
  if (!user_id.empty() && has_passkey_amr(tx.amr))
    return json_failure(400, "invalid_request", "A passkey was used already in this sign-in.");
  http::Response r;
  r.body = deps_.passkeys->authentication_options(user_id, tx.id);
  r.set("Content-Type", "application/json");
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response SignIn::passkey_endpoint(const http::Request& request) const {
  if (deps_.passkeys == nullptr || deps_.factors == nullptr)
    return error_page(*theme(), 404, "not_found", "Passkeys are not available here.");
  auto p = posted(request);
  if (!p) return std::move(p.error());
  auto& [form, tx, csrf] = *p;
  if (deps_.login_rate_limit) {
    if (auto wait = deps_.login_rate_limit(tx.service, request.client_address))
      return too_many_page(*theme(), "Too many sign-in attempts. Try again in ", *wait);
  }
  const bool first_factor = tx.amr.empty();
  const std::string expected_user = first_factor ? std::string() : tx.user_id;
  if (!first_factor && has_passkey_amr(tx.amr)) return error_page(*theme(), 400, "expired", kExpired);
  auto signed_in = deps_.passkeys->finish_authentication(expected_user, tx.id, form.value("credential"));
  // Audited when the passkey names a user (an unreadable answer or an unknown passkey names nobody).
  auto refuse = [&](std::string_view message, const std::string& user_id) {
    if (deps_.on_sign_in && !user_id.empty())
      deps_.on_sign_in(SignInEvent{"failure", user_id, {}, tx.service, request.client_address});
    if (!first_factor) return factor_page(tx, csrf, Next::kAskFactor, message, 400);
    auto r = login_form(tx, csrf, {}, message);
    r.status = 400;
    return r;
  };
  if (!signed_in) {
    // A refusal is the named passkey user's only once the signature was verified (a blocked or
    // cloned passkey); before that, anyone could name any passkey: only the password's user counts.
    const auto& e = signed_in.error();
    const bool verified = e.code == mfa::PasskeyErrorCode::kCloned || e.code == mfa::PasskeyErrorCode::kRace;
    return refuse(e.message, verified && !e.user_id.empty() ? e.user_id : expected_user);
  }
  const auto& passkey = signed_in->passkey;
  auto u = deps_.users.find(passkey.user_id);
  if (!u || !u->active) return refuse("This account cannot sign in.", passkey.user_id);
  if (first_factor) {
    // A directory's user: the directory must still have the account (after a password it was asked already).
    switch (still_in_source(deps_.sources, *u)) {
      case StillThere::kYes: break;
      case StillThere::kNo: return refuse("This account cannot sign in.", u->id);
      case StillThere::kUnavailable: return login_form(tx, csrf, {}, kSourceUnavailable, 503);
    }
  }
  const std::string before = tx.amr;
  tx.user_id = u->id;
  tx.amr = add_amr(tx.amr, {passkey.backup_eligible ? kAmrSoftwareKey : kAmrHardwareKey, kAmrUserPresence});
  // Two factors: the authenticator verified the user, or the passkey follows another factor.
  if (signed_in->user_verified || has_word(before, kAmrPassword) || has_word(before, kAmrOtp)) tx.amr = add_amr(tx.amr, {kAmrMfa});
  spdlog::info("user {} used a passkey to sign in ({})", u->id, first_factor ? "first factor" : "second factor");
  if (first_factor && !has_word(tx.amr, kAmrMfa) &&
      requires_mfa(mfa_policy(tx.continuation.kind, tx.service), tx.requested_acr)) {
    // One factor where two are required: a code follows when the user has one; otherwise the
    // passkey cannot be completed here (nothing recorded): the password, then the passkey.
    const auto have = deps_.factors->summary(u->id);
    if (have.totp || have.recovery_codes_left > 0) return after_first_factor(tx, csrf, request, before);
    auto r = login_form(tx, csrf, {}, kPasskeyNeedsMore);
    r.status = 400;
    return r;
  }
  return complete(tx, user::login_name(u->username), request);
}

}  // namespace gatehouse::signin
