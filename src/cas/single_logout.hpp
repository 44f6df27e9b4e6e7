#pragma once
// CAS single logout (CAS Protocol 3.0 Appendix C): when an SSO session ends — a logout on any
// front door, an administrator's sign-out, a password change, a deactivation — every CAS service
// that received a ticket in it and registered a cas_logout_url is sent a back-channel
// logoutRequest naming that ticket. signin::LogoutSessions calls this listener on the node that
// ended the session (exactly once across the cluster); signin::BackChannelSender sends. The
// session's proxy-granting tickets end with it.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "cas/ticket_store.hpp"
#include "session/sso_session_store.hpp"
#include "signin/back_channel.hpp"
#include "signin/logout_sessions.hpp"

namespace gatehouse::cas {

/// The protocol name of the participants that single logout reads, one per ticket a service with
/// cas_logout_url received: service = "<client_id> <ticket>", detail = "<ticket> <logout URL>".
inline constexpr std::string_view kSloProtocol = "cas-slo";

/// The logoutRequest document (Appendix C) for `ticket`, with request id `id`, issued at `now`.
std::string logout_request(std::string_view ticket, std::string_view id, UnixSeconds now);

/// The (logout URL, ticket) pairs a session's participants ask single logout for.
std::vector<std::pair<std::string, std::string>> logout_targets(const session::SsoSession& session);

/// CAS's part of single logout: each ended session's proxy-granting tickets end with it (§3.3, in
/// the same unit of work), and once that unit has committed each service with a cas_logout_url
/// that received a ticket in it is sent a logoutRequest naming that ticket.
class SingleLogout final : public signin::LogoutListener {
 public:
  /// `pgts`: the proxy-granting tickets that end with their session; nullptr: none.
  SingleLogout(signin::BackChannelSender& sender, const Clock& clock, ProxyGrantingTicketStore* pgts = nullptr)
      : sender_(sender), clock_(clock), pgts_(pgts) {}
  void session_ended(const session::SsoSession& session, std::string_view origin) override;

 private:
  signin::BackChannelSender& sender_;
  const Clock& clock_;
  ProxyGrantingTicketStore* pgts_;
};

}  // namespace gatehouse::cas
