#pragma once
// The SAML 2.0 front door (Web Browser SSO profile, SAML profiles §4.1): /saml/sso receives an
// AuthnRequest by the HTTP-Redirect or HTTP-POST binding, checks it against the SP's registration
// (signature with the SP's metadata keys only, Destination, IssueInstant, replay across the
// cluster, the consumer endpoint from the metadata only), and either answers from the shared SSO
// session or hands a sign-in to the sign-in domain with a "saml" continuation. The Response goes
// back by HTTP-POST, or by HTTP-Artifact: the Response waits in the shared artifact store until
// the SP's ArtifactResolve (SOAP, /saml/artifact) takes it, on whichever node it reaches.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "http/router.hpp"
#include "keys/key_ring.hpp"
#include "saml/idp_credentials.hpp"
#include "saml/binding.hpp"
#include "saml/idp_metadata.hpp"
#include "saml/logout.hpp"
#include "saml/response.hpp"
#include "saml/sp_registry.hpp"
#include "saml/state_store.hpp"
#include "signin/front_door.hpp"
#include "signin/logout_sessions.hpp"
#include "signin/sign_in.hpp"
#include "token/replay_store.hpp"
#include "user/user_store.hpp"

namespace gatehouse::saml {

inline constexpr std::string_view kSamlKind = "saml";
inline constexpr std::string_view kUnsolicitedPath = "/saml/unsolicited";

struct SamlDeps {
  const signin::SignIn& sign_in;
  SpRegistry& sps;
  ArtifactStore& artifacts;
  PersistentIdStore& persistent_ids;
  token::ReplayStore& replays;  ///< AuthnRequest IDs (and ArtifactResolve IDs): once across the cluster
  user::UserStore& users;
  const keys::KeyRing& keys;
  const IdpCredentials& credentials;
  const Clock& clock;
  IdpEndpoints idp;
  UnixSeconds clock_skew = 180;         ///< saml.clock_skew: how far an IssueInstant may be from now
  UnixSeconds assertion_lifetime = 300; ///< saml.assertion_lifetime
  UnixSeconds artifact_ttl = 60;        ///< saml.artifact_ttl
  UnixSeconds metadata_valid = 7 * 86400;  ///< the metadata's validUntil, from now
  UnixSeconds logout_lifetime = 300;      ///< a LogoutRequest's NotOnOrAfter; a browser's logout step
  /// The sessions, ended through here so that the other protocols' participants are told
  /// (nullptr: a LogoutRequest ends nothing — unit tests of other parts).
  signin::LogoutSessions* logouts = nullptr;
  /// Seals sids into SessionIndex values (32 bytes, derived from the master key); "": random
  /// SessionIndex values that no SOAP LogoutRequest can lead back to a session.
  std::string session_index_key;
  /// Encrypts an assertion for an SP (saml_encrypt); unset: encryption is refused (500 for such an SP).
  std::function<Result<void, std::string>(Document&, xmlNodePtr assertion, const SpRegistration&)> encrypt;
};

struct LogoutChain;  // slo.cpp: a logout carried through the browser from SP to SP

/// The request a sign-in carries to its end (the continuation's payload) and an answer is made for.
struct PendingAnswer {
  std::string client_id;
  std::string acs_url;
  std::string acs_binding;      ///< kBindingPost or kBindingArtifact
  std::string request_id;       ///< InResponseTo; "" for IdP-initiated
  std::string relay_state;
  std::string nameid_format;    ///< the format decided for the answer
  std::string requested_classes;  ///< RequestedAuthnContext's classes, space-separated ("" = none asked)
  std::string comparison;         ///< its Comparison
  std::string nameid_audience;    ///< NameIDPolicy SPNameQualifier when named ("" = the SP's default)
  bool allow_create = true;       ///< false only for NameIDPolicy AllowCreate="false"
};

class SamlFrontDoor final : public signin::FrontDoor {
 public:
  explicit SamlFrontDoor(const SamlDeps& deps) : deps_(deps) {}

  std::string_view kind() const override { return kSamlKind; }
  std::string display_name(std::string_view client_id) const override;
  std::optional<signin::MfaPolicy> mfa_policy(std::string_view client_id) const override;
  /// Answers the AuthnRequest the sign-in carried, for the person now signed in.
  http::Response resume(const signin::SignInTransaction& tx, const session::SsoSession& session,
                        const http::Request& request) const override;
  /// The SPs of `ended` that have a Redirect or POST SingleLogoutService and no SOAP one are sent
  /// a LogoutRequest through this browser one after the other (as after an SP's LogoutRequest,
  /// slo.cpp), then the browser goes to `then`; nullopt when `ended` has no such SP.
  std::optional<http::Response> logout_through_browser(const session::SsoSession& ended,
                                                       const std::string& then) const override;

  /// GET (HTTP-Redirect) and POST (HTTP-POST) /saml/sso.
  http::Response sso(const http::Request& request) const;
  /// GET /saml/unsolicited?providerId=<entity ID>[&shire=<ACS URL>][&target=<RelayState>]: an
  /// IdP-initiated sign-in (an unsolicited Response, SAML profiles §4.1.5), for SPs registered with
  /// saml_allow_idp_initiated only (the Shibboleth IdP's parameter names).
  http::Response unsolicited(const http::Request& request) const;
  /// POST /saml/artifact: a SOAP ArtifactResolve answered with its ArtifactResponse.
  http::Response artifact_resolve(const http::Request& request) const;
  /// GET /saml/metadata.
  http::Response metadata(const http::Request& request) const;
  /// GET and POST /saml/slo: LogoutRequest and LogoutResponse by Redirect and POST, LogoutRequest
  /// by SOAP (slo.cpp, slo_soap.cpp).
  http::Response slo(const http::Request& request) const;

 private:
  /// Answers from the SSO session when it satisfies the SP, else NoPassive or a sign-in.
  http::Response proceed(const PendingAnswer& pending, const std::string& requested_acr, bool force_authn,
                         bool is_passive, const http::Request& request) const;
  http::Response answer(const PendingAnswer& pending, const session::SsoSession& session) const;
  http::Response status_answer(const PendingAnswer& pending, std::string_view top, std::string_view second,
                               std::string_view message) const;
  http::Response deliver(const PendingAnswer& pending, const std::string& response_xml) const;
  http::Response error_page(int status, std::string_view message) const;
  Protection protection_for(const SpRegistration& sp) const;
  // Single logout.
  http::Response slo_soap(const http::Request& request) const;
  http::Response logout_request(Received& received, const http::Request& request) const;
  http::Response logout_response(Received& received) const;
  /// The SP and checks of a LogoutRequest: `front` for Redirect/POST (its signature is checked
  /// here), nullptr for SOAP (the caller verified the enveloped signature).
  Result<std::shared_ptr<const SpRegistration>, std::string> check_logout_request(const LogoutRequest& req, Received* front) const;
  /// Ends the sessions the request names (see slo.cpp). @returns them as they were.
  std::vector<session::SsoSession> end_sessions(const LogoutRequest& req, const SpRegistration& sp,
                                                const std::optional<session::SsoSession>& browser) const;
  http::Response next_logout(LogoutChain chain) const;
  http::Response finish_logout(const LogoutChain& chain) const;
  http::Response send_front(const SingleLogoutService& service, std::string_view parameter, Document& doc,
                            const std::string& relay_state, const SigningKey& key) const;
  const SamlDeps& deps_;
};

/// Registers /saml/sso, /saml/slo, /saml/artifact, /saml/metadata and the POST page's script.
void add_saml_routes(http::Router& router, const SamlFrontDoor& saml);

}  // namespace gatehouse::saml
