#pragma once
// OpenID Connect Back-Channel Logout 1.0: when an SSO session ends — RP-initiated logout, a CAS or
// SAML logout, the account page, an administrator's sign-out, a password change, a deactivation —
// every OIDC client that was signed in from it and registered a backchannel_logout_uri is sent a
// Logout Token (§2.4), a JWT signed like that client's ID tokens, by a form POST (§2.5).
// signin::LogoutSessions calls this listener on the node that ended the session (exactly once
// across the cluster); signin::BackChannelSender sends, after the commit, with bounded retries.

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "client/client_store.hpp"
#include "core/clock.hpp"
#include "session/sso_session_store.hpp"
#include "signin/back_channel.hpp"
#include "signin/logout_sessions.hpp"
#include "token/access_token.hpp"

namespace gatehouse::oidc {

/// The one event a Logout Token carries (§2.4), with the empty object as its value.
inline constexpr std::string_view kBackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";
/// The JWS typ of a Logout Token (§2.4), so that it is never taken for an ID token or an access token.
inline constexpr std::string_view kLogoutTokenType = "logout+jwt";

struct LogoutTokenInput {
  std::string issuer;
  std::string client_id;  ///< the audience
  std::string sub;        ///< the subject the client's ID tokens gave (Gatehouse's are public: the user id)
  std::string sid;        ///< the ended session's sid, as in the client's ID tokens
  std::string jti;        ///< unique per token
  UnixSeconds issued_at = 0;
  UnixSeconds lifetime = 120;
};

/// The claim set of a Logout Token: iss, aud, iat, exp, jti, sub, sid and events — and never a
/// nonce (§2.4 forbids it, so that a Logout Token cannot pass as an ID token).
boost::json::object logout_token_claims(const LogoutTokenInput& in);

/// What the back channel needs; the references outlive the listener (the node's wiring).
struct BackChannelLogoutDeps {
  client::ClientStore& clients;          ///< read when a session ends (a client deleted by then is skipped)
  const token::AccessTokenCodec& tokens; ///< the issuer, and signing with the current key of the ring
  const Clock& clock;
  signin::BackChannelSender& sender;
  UnixSeconds token_lifetime = 120;      ///< a Logout Token's exp, from its iat (§4: preferably at most two minutes)
};

/// The back channel (see the file comment). Thread safe; must outlive the sender's queue (the
/// messages it queues call back into it).
class BackChannelLogout final : public signin::LogoutListener {
 public:
  explicit BackChannelLogout(BackChannelLogoutDeps deps) : deps_(deps) {}
  /// Queues one message per OIDC participant of `session` whose client (read now) has a
  /// backchannel_logout_uri, `origin` included (see the .cpp). Each attempt makes a fresh Logout
  /// Token; with no current key for the client's algorithm the message is abandoned (logged).
  void session_ended(const session::SsoSession& session, std::string_view origin) override;

  /// A signed Logout Token for `client_id` (with `alg`, the client's ID token algorithm), a fresh
  /// jti and iat now. @returns nullopt when the ring has no current key for `alg`.
  std::optional<std::string> make_token(const std::string& client_id, jose::Algorithm alg, const std::string& sub,
                                        const std::string& sid) const;

 private:
  BackChannelLogoutDeps deps_;
};

}  // namespace gatehouse::oidc
