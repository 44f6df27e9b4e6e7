#pragma once
// The sign-in domain's flow, for every front door:
//   1. a front door validates its request, then either answers from a live SSO session
//      (current_session + join) or starts a sign-in transaction with its continuation (start):
//      the transaction goes to the store and the login page is shown;
//   2. the login form's POST (/oauth2/login, fields tx, csrf, username, password) runs the password
//      step; when the service's second-factor policy (or the request's acr_values) calls for one,
//      the step is recorded on the transaction and the second-factor page follows (POST
//      /oauth2/login/factor: a TOTP or recovery code), or, for a user without any when one is
//      required, the enrolment of an authenticator app (POST /oauth2/login/enrol); the last step
//      consumes the transaction exactly once and opens a new SSO session;
//   3. the front door registered for the continuation's kind resumes (OIDC: code and redirect).
// Every piece of state between the steps is in the store, so each request may reach any node.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/unit_of_work.hpp"
#include "mfa/factors.hpp"
#include "mfa/passkeys.hpp"
#include "http/router.hpp"
#include "session/sso_session_store.hpp"
#include "signin/cookies.hpp"
#include "signin/csrf.hpp"
#include "oauth/form.hpp"
#include "signin/front_door.hpp"
#include "signin/steps/password.hpp"
#include "signin/theme.hpp"
#include "signin/transaction.hpp"

namespace gatehouse::signin {

inline constexpr std::string_view kLoginPath = "/oauth2/login";
inline constexpr std::string_view kFactorPath = "/oauth2/login/factor";
inline constexpr std::string_view kEnrolPath = "/oauth2/login/enrol";
inline constexpr std::string_view kPasskeyPath = "/oauth2/login/passkey";
inline constexpr std::string_view kPasskeyOptionsPath = "/oauth2/login/passkey/options";
inline constexpr std::string_view kCsrfCookie = "gh_csrf";
inline constexpr std::string_view kExpired =
    "This sign-in request has expired or was already completed. Go back to the application and start again.";
/// The browser sends the CSRF cookie both to the authorization endpoint (which reuses it, so two
/// tabs signing in at once share one token) and to the login form's POST. (Path=/ over https.)
inline constexpr std::string_view kCsrfCookiePath = "/oauth2";

struct SignInDeps {
  user::UserStore& users;
  const user::PasswordHasher& passwords;
  TransactionStore& transactions;
  session::SsoSessionStore& sessions;
  const Clock& clock;
  CookieConfig cookies;
  UnixSeconds session_idle_timeout = 1800;
  UnixSeconds session_lifetime = 36000;
  UnixSeconds transaction_ttl = 900;
  LockoutPolicy lockout;
  std::function<void(const SignInEvent&)> on_sign_in = {};  // may be empty
  /// Counts a sign-in attempt for a service from an address (cluster-wide); returns the seconds to
  /// wait when it is over a limit. Empty: no limits.
  std::function<std::optional<UnixSeconds>(std::string_view service, std::string_view address)> login_rate_limit = {};
  /// Counts a new transaction (a login form shown, a row stored) for a client address
  /// (cluster-wide); returns the seconds to wait when it is over the limit. Empty: no limit.
  std::function<std::optional<UnixSeconds>(std::string_view address)> transaction_rate_limit = {};
  /// Gives back what transaction_rate_limit counted once a sign-in is completed, so the limit
  /// bounds the transactions an address leaves pending, not the sign-ins it finishes.
  std::function<void(std::string_view address)> transaction_finished = {};
  /// The theme of the pages (nullptr: the built-in one).
  const ThemeProvider* theme = nullptr;
  /// Commits what completing a sign-in writes (the transaction consumed, the session, the audit
  /// row, the front door's code) together (nullptr: each write on its own).
  UnitOfWork* units = nullptr;
  /// Signs the CSRF tokens of the hosted forms; the same on every node (derived from the master key).
  CsrfKey csrf_key = {};
  /// The users' second factors (nullptr: passwords only, whatever the policies say).
  const mfa::Factors* factors = nullptr;
  /// The WebAuthn ceremonies (nullptr: no passkey sign-in; needs `factors` too).
  const mfa::Passkeys* passkeys = nullptr;
  /// The policy of a service whose front door names none (mfa.default_policy).
  MfaPolicy mfa_default = MfaPolicy::kOptional;
  /// When a second factor is required and the user has none: enrol one after the password (true),
  /// or refuse the sign-in (mfa.enrol_when_required).
  bool mfa_enrol_when_required = true;
  /// The directories users may sign in with, asked after the local accounts, in this order.
  std::vector<user::IdentitySource*> sources = {};
};

/// Thread safety: after wiring (add_front_door), every method is safe to call concurrently.
class SignIn {
 public:
  explicit SignIn(const SignInDeps& deps) : deps_(deps) {}
  /// Registers the front door that resumes transactions of its kind (at wiring, before serving).
  void add_front_door(const FrontDoor& door) { doors_.push_back(&door); }
  /// After a logout on this browser ended `ended` on this node: the first front door's
  /// logout_through_browser step that there is (FrontDoor), else nullopt (go straight to `then`).
  std::optional<http::Response> logout_through_browser(const session::SsoSession& ended, const std::string& then) const {
    for (const auto* door : doors_)
      if (auto r = door->logout_through_browser(ended, then)) return r;
    return std::nullopt;
  }

  const SignInDeps& deps() const { return deps_; }
  /// The theme the pages use now.
  std::shared_ptr<const Theme> theme() const;

  /// What the pages call a service signed in to through front door `kind` (FrontDoor::display_name;
  /// the service itself when no front door of that kind is registered).
  std::string service_name(std::string_view kind, std::string_view service) const;
  /// The live SSO session of this browser, if any (its activity recorded when worth_touching).
  std::optional<session::SsoSession> current_session(const http::Request& request) const;
  /// Records that `service` (of front door `protocol`) was signed in to from `session`: no write
  /// when find() already showed it there, one conditional write otherwise.
  void join(const session::SsoSession& session, std::string_view protocol, std::string_view service) const;
  /// Starts a sign-in: stores `tx` (id, CSRF binding and lifetime filled in here) and shows the
  /// login page; or a 429 page when the address started too many.
  http::Response start(SignInTransaction tx, const http::Request& request) const;
  /// POST /oauth2/login.
  http::Response login_endpoint(const http::Request& request) const;
  /// POST /oauth2/login/factor (fields tx, csrf, method "totp" | "recovery", code).
  http::Response factor_endpoint(const http::Request& request) const;
  /// POST /oauth2/login/enrol (fields tx, csrf, code): confirms the authenticator app set up after the password.
  http::Response enrol_endpoint(const http::Request& request) const;
  /// POST /oauth2/login/passkey/options (fields tx, csrf): the WebAuthn authentication options
  /// (JSON): the transaction's user's passkeys, or [] for a sign-in without a username.
  http::Response passkey_options_endpoint(const http::Request& request) const;
  /// POST /oauth2/login/passkey (fields tx, csrf, credential): a passkey as the first factor (no
  /// username: the user is the passkey's) or as the second (passkey_step.cpp).
  http::Response passkey_endpoint(const http::Request& request) const;

  /// The policy of `service` of front door `kind` (its own, else the installation default).
  MfaPolicy mfa_policy(std::string_view kind, std::string_view service) const;
  /// Whether `session` may answer for `service` without a second factor asked now: it has one,
  /// or neither the service's policy nor `requested_acr` requires one. Reads nothing: an
  /// "optional" policy asks the factors of the users who have one at sign-in, not of live sessions.
  bool satisfies(const session::SsoSession& session, std::string_view kind, std::string_view service,
                 std::string_view requested_acr) const;

 private:
  /// What follows the first factor of `tx`'s user.
  enum class Next { kDone, kAskFactor, kEnrol, kRefuse };
  Next next_step(const SignInTransaction& tx) const;
  /// A POST of a sign-in form: read, its transaction live, its CSRF token right.
  struct Posted {
    oauth::Form form;
    SignInTransaction tx;
    std::string csrf;
  };
  Result<Posted, http::Response> posted(const http::Request& request) const;
  /// A POST of a second-step form (code, enrolment): posted(), after a first factor of its
  /// transaction, within the rate limit, for a user still active.
  struct SecondStep {
    Posted posted;
    user::User user;
  };
  Result<SecondStep, http::Response> second_step(const http::Request& request) const;
  /// After the first factor of `tx` (recorded already, or to be recorded when `record_from` is
  /// set: the amr read before it): completes, or shows the second-factor or enrolment page.
  http::Response after_first_factor(SignInTransaction& tx, const std::string& csrf, const http::Request& request,
                                    const std::optional<std::string>& record_from) const;
  http::Response factor_page(const SignInTransaction& tx, const std::string& csrf, Next next, std::string_view error,
                             int status = 200) const;
  /// The "Use a passkey" / "Sign in with a passkey" form (passkey.js fills in `credential`).
  std::string passkey_form(const SignInTransaction& tx, const std::string& csrf, std::string_view label) const;
  const FrontDoor* door_of(std::string_view kind) const;
  http::Response login_form(const SignInTransaction& tx, const std::string& csrf, std::string_view username,
                            std::string_view error, int status = 200) const;
  /// Consumes the transaction (its user identified), opens a new SSO session, hands over to the front door.
  http::Response complete(const SignInTransaction& tx, const std::string& login_name, const http::Request& request) const;
  /// complete()'s work, inside its unit of work.
  http::Response complete_unit(const SignInTransaction& tx, const std::string& login_name, const http::Request& request) const;

  const SignInDeps& deps_;
  std::vector<const FrontDoor*> doors_;
};

/// Registers the login form's POST and the theme's CSS.
void add_sign_in_routes(http::Router& router, const SignIn& sign_in);

}  // namespace gatehouse::signin
