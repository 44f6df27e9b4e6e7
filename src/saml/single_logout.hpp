#pragma once
// SAML's part of single logout (SAML profiles §4.4): what a session records for each SP it gave an
// assertion (the SessionIndex and NameID, as a "saml-slo" participant), and the back channel —
// when a session ends, however it ends and on whichever node, each SAML SP of that session with a
// SOAP SingleLogoutService is sent a signed LogoutRequest once the ending has committed (the SP
// that asked for the logout aside: its LogoutResponse answers it). SPs reachable only through the
// browser are the front door's (slo.cpp), when a browser is there to carry the messages.
//
// The SessionIndex is the session's sid sealed (AES-256-GCM under a key derived from the cluster's
// master key) with the SP's client_id and the NameID it was given as associated data: opaque, different for every SP (SAML core
// §2.7.2: an index must not let SPs correlate a person), and it leads a LogoutRequest that arrives
// by SOAP, with no browser cookie, straight to its session on any node.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "keys/key_ring.hpp"
#include "saml/idp_credentials.hpp"
#include "saml/idp_metadata.hpp"
#include "saml/logout.hpp"
#include "saml/sp_registry.hpp"
#include "session/sso_session_store.hpp"
#include "signin/back_channel.hpp"
#include "signin/logout_sessions.hpp"

namespace gatehouse::saml {

/// The participant single logout reads: service = "<client_id> <SessionIndex>",
/// detail = "<SessionIndex> <NameID Format> <NameID>".
inline constexpr std::string_view kSloProtocol = "saml-slo";

/// One SP's share of a session, as single logout reads it back from a "saml-slo" participant.
struct SloTarget {
  std::string client_id;
  std::string session_index;
  std::string nameid_format;
  std::string nameid;
};

/// The participant recorded when an SP is given an assertion (front_door.hpp, kSloProtocol).
session::Participant slo_participant(std::string_view client_id, std::string_view session_index,
                                     std::string_view nameid_format, std::string_view nameid, UnixSeconds now);
/// The SAML SPs of a session, in the order they joined (malformed records skipped).
std::vector<SloTarget> slo_targets(const session::SsoSession& session);

/// The SessionIndex for `client_id`'s share of the session `sid`, given `nameid` ("_" + base64url
/// of the sid sealed with both as associated data). @throws jose::CryptoError unless `key` is 32 bytes.
std::string seal_session_index(std::string_view key, std::string_view sid, std::string_view client_id,
                               std::string_view nameid);
/// The sid a SessionIndex names, if it was sealed by this cluster for `client_id` and `nameid`
/// (a LogoutRequest naming another principal than the one the SP was given opens nothing).
std::optional<std::string> open_session_index(std::string_view key, std::string_view session_index,
                                              std::string_view client_id, std::string_view nameid);

/// The NameID as it was issued to `sp` (qualifiers included), for a LogoutRequest naming it.
LogoutNameId issued_name_id(const SloTarget& target, const SpRegistration& sp, std::string_view idp_entity_id);

/// The SP's SingleLogoutService for `binding`; nullptr when it lists none.
const SingleLogoutService* logout_service(const SpRegistration& sp, std::string_view binding);

/// A LogoutRequest document (unsigned: the binding decides how it is signed) for `target` at
/// `destination`, valid for `lifetime`. @returns nullopt (logged) if it could not be made.
std::optional<Document> logout_request_document(const SloTarget& target, const SpRegistration& sp,
                                                std::string_view destination, std::string_view idp_entity_id,
                                                UnixSeconds now, UnixSeconds lifetime);

/// What the back channel needs; the references outlive the listener (the node's wiring).
struct SingleLogoutDeps {
  SpRegistry& sps;
  const keys::KeyRing& keys;
  const IdpCredentials& credentials;
  const Clock& clock;
  IdpEndpoints idp;
  signin::BackChannelSender& sender;
  UnixSeconds request_lifetime = 300;  ///< a LogoutRequest's NotOnOrAfter, from now
};

/// The back channel (see the file comment). Thread safe; must outlive the sender's queue (the
/// messages it queues call back into it).
class SingleLogout final : public signin::LogoutListener {
 public:
  explicit SingleLogout(SingleLogoutDeps deps) : deps_(std::move(deps)) {}
  void session_ended(const session::SsoSession& session, std::string_view origin) override;

 private:
  SingleLogoutDeps deps_;
};

}  // namespace gatehouse::saml
