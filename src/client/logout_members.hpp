#pragma once
// The back-channel logout members of an OIDC client's registration (OpenID Connect Back-Channel
// Logout 1.0 §2.2): backchannel_logout_uri, where the relying party takes a Logout Token when a
// session it was signed in from ends, and backchannel_logout_session_required (Gatehouse always
// puts the sid in a Logout Token, so either value is honoured). Both are kept in extra_metadata as
// given, like the CAS members, checked here when a document is registered, and read by
// oidc/back_channel_logout.cpp. frontchannel_logout_uri stays refused (client_metadata.cpp).

#include <cstddef>
#include <optional>
#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "client/client.hpp"

namespace gatehouse::client {

/// The longest backchannel_logout_uri.
inline constexpr std::size_t kMaxLogoutUriLength = 2000;

/// What a client registered for back-channel logout.
struct BackChannelLogout {
  std::string uri;                ///< backchannel_logout_uri
  bool session_required = false;  ///< backchannel_logout_session_required
};

/// Checks a backchannel_logout_uri on its own: a string of at most 2000 characters that is an
/// absolute http or https URI with a host, without user information or a fragment (§2.2).
/// @returns a message safe to show, or "" when it may be kept.
std::string check_back_channel_logout_uri(const boost::json::value& value);

/// Checks backchannel_logout_uri against the rest of the registration `c` (its authentication
/// method already read): http only for a confidential client (§2.2: an https URI, or http when the
/// client type is confidential and the OP allows it). @returns a message safe to show, or "".
std::string check_back_channel_logout_client(const boost::json::object& doc, const Client& c);

/// The client's back-channel logout registration, or nullopt when it registered no
/// backchannel_logout_uri (or its kept metadata cannot be read). Never throws.
std::optional<BackChannelLogout> back_channel_logout(const Client& client);

}  // namespace gatehouse::client
