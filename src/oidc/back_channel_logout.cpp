#include "oidc/back_channel_logout.hpp"

#include <vector>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "client/logout_members.hpp"
#include "core/unit_of_work.hpp"
#include "http/router.hpp"
#include "jose/openssl/crypto.hpp"
#include "signin/transaction.hpp"

namespace gatehouse::oidc {

namespace json = boost::json;

json::object logout_token_claims(const LogoutTokenInput& in) {
  // The sid is always there: Gatehouse supports session-based logout
  // (backchannel_logout_session_supported), so a client that asked for it gets it, and one that
  // did not may use it or ignore it (§2.4: sub, sid or both).
  return json::object{
      {"iss", in.issuer},
      {"aud", in.client_id},
      {"iat", in.issued_at},
      {"exp", in.issued_at + in.lifetime},
      {"jti", in.jti},
      {"sub", in.sub},
      {"sid", in.sid},
      {"events", json::object{{kBackChannelLogoutEvent, json::object{}}}},
  };
}

std::optional<std::string> BackChannelLogout::make_token(const std::string& client_id, jose::Algorithm alg,
                                                         const std::string& sub, const std::string& sid) const {
  LogoutTokenInput in{deps_.tokens.issuer(), client_id, sub, sid, jose::random_token(16), deps_.clock.now(),
                      deps_.token_lifetime};
  return deps_.tokens.sign(logout_token_claims(in), alg, kLogoutTokenType);
}

void BackChannelLogout::session_ended(const session::SsoSession& session, std::string_view) {
  // The origin is not skipped. RP-initiated logout has no answer of its own that tells the client
  // its session is over (the post_logout_redirect_uri only brings a browser back), so RP-Initiated
  // Logout 1.0 §2 has the OP still ask the requesting RP to log out by whichever mechanism it
  // registered, and the logout specifications make these requests idempotent: an RP that already
  // logged out answers success (Back-Channel Logout §2.7, §2.8). (A CAS or SAML origin is answered
  // in its own protocol only; the same application's OIDC side still needs telling.)
  //
  // Only the targets are decided here, inside the unit that ended the session (the clients are
  // read now, so a client deleted meanwhile is skipped); each token is made and signed on the
  // sender's thread — no signature under the unit's write lock, a fresh jti and iat at each
  // attempt — and queued once the unit has committed.
  std::vector<signin::BackChannelMessage> messages;
  for (const auto& p : session.participants) {
    if (p.protocol != signin::kOidcKind) continue;
    auto c = deps_.clients.find(p.service);
    if (!c) continue;
    auto logout = client::back_channel_logout(*c);
    if (!logout) continue;
    // The key the client's ID tokens are signed with (RS256 unless it registered another).
    const auto alg = jose::algorithm_from_string(c->id_token_signed_response_alg).value_or(jose::Algorithm::kRS256);
    auto build = [this, client_id = c->client_id, alg, sub = session.user_id,
                  sid = session.sid]() -> std::optional<std::string> {
      auto token = make_token(client_id, alg, sub, sid);
      if (!token) {
        spdlog::error("no {} signing key: client {} is not sent a Logout Token", jose::to_string(alg), client_id);
        return std::nullopt;
      }
      return "logout_token=" + http::percent_encode(*token);
    };
    messages.push_back({std::move(logout->uri), "application/x-www-form-urlencoded", "", "OIDC back-channel logout",
                        std::move(build)});
  }
  if (messages.empty()) return;
  after_commit([&sender = deps_.sender, messages = std::move(messages)]() mutable {
    for (auto& m : messages) sender.send(std::move(m));
  });
}

}  // namespace gatehouse::oidc
