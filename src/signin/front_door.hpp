#pragma once
// A protocol front door (OpenID Connect today; CAS and SAML next) as the sign-in domain sees it:
// it starts a sign-in transaction with its own continuation, and is called back to resume it once
// the person has signed in. The sign-in domain finds it by the continuation's kind.

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "session/sso_session_store.hpp"
#include "signin/transaction.hpp"

namespace gatehouse::signin {

class FrontDoor {
 public:
  virtual ~FrontDoor() = default;
  /// The continuation kind this front door owns ("oidc").
  virtual std::string_view kind() const = 0;
  /// What the login page calls `service` ("Sign in to <name>"): a client's name, for example.
  virtual std::string display_name(std::string_view service) const = 0;
  /// The second-factor policy `service` registered (an OIDC client's mfa_policy); nullopt: the
  /// installation default.
  virtual std::optional<MfaPolicy> mfa_policy(std::string_view service) const {
    (void)service;
    return std::nullopt;
  }
  /// Resumes the request `tx` carries, for the person signed in to `session` (OIDC: issue the
  /// code and redirect). The transaction is already consumed; the SSO session cookie is added to
  /// the response by the caller.
  virtual http::Response resume(const SignInTransaction& tx, const session::SsoSession& session,
                                const http::Request& request) const = 0;
  /// Single logout through the browser: `ended` (as it was, participants included) has just been
  /// ended by a logout this browser made on another front door (an OIDC client's, CAS, the
  /// account page). @returns the first step of carrying that logout to this protocol's
  /// participants that only the browser can reach (SAML SPs without a SOAP endpoint), which ends
  /// at `then` (an absolute URL already checked by the caller; "" for the signed-out page), or
  /// nullopt when there are none. The back channels (signin::LogoutListener) told the others.
  virtual std::optional<http::Response> logout_through_browser(const session::SsoSession& ended,
                                                               const std::string& then) const {
    (void)ended;
    (void)then;
    return std::nullopt;
  }
};

}  // namespace gatehouse::signin
