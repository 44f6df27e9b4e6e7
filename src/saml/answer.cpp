// The IdP's answers: the assertion for a signed-in person (NameID, attributes, authentication
// context), delivered by HTTP-POST (an auto-submitted form) or HTTP-Artifact (the Response kept in
// the shared artifact store, the browser sent to the SP with the artifact); status answers; the
// metadata; and the names the sign-in pages show.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/base64url.hpp"
#include "http/percent.hpp"
#include "jose/openssl/crypto.hpp"
#include "saml/attributes.hpp"
#include "saml/authn_context.hpp"
#include "saml/encoding.hpp"
#include "saml/binding.hpp"
#include "saml/front_door.hpp"
#include "saml/protocol.hpp"
#include "saml/redirect_signature.hpp"
#include "saml/single_logout.hpp"
#include "signin/pages.hpp"

namespace gatehouse::saml {
namespace {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = std::min(text.find(' ', at), text.size());
    if (end > at) out.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

/// The SAML artifact (bindings §3.6.4): type 0x0004, endpoint index 0, SourceID = SHA-1 of the
/// IdP's entity ID, and a random 20-byte MessageHandle.
std::string new_artifact(std::string_view entity_id, std::string& handle) {
  handle = jose::random_bytes(20);
  std::string bytes{'\x00', '\x04', '\x00', '\x00'};
  bytes += jose::sha1(entity_id);
  bytes += handle;
  return base64_encode(bytes);
}

/// This SP's recorded share of the session with this NameID format (and value, unless "").
const SloTarget* recorded_share(const std::vector<SloTarget>& shares, std::string_view client_id, std::string_view format,
                                std::string_view nameid) {
  for (const auto& t : shares)
    if (t.client_id == client_id && t.nameid_format == format && (nameid.empty() || t.nameid == nameid)) return &t;
  return nullptr;
}

/// Fills the NameID of `f` (whose nameid_format and now are set) for `user` at `sp`.
/// @returns the StatusMessage of an InvalidNameIDPolicy refusal, or nullopt.
std::optional<std::string> name_subject(PersistentIdStore& persistent_ids, const std::string& idp_entity_id,
                                        const PendingAnswer& pending, const SpRegistration& sp, const user::User& user,
                                        const std::vector<SloTarget>& shares, AssertionFacts& f) {
  if (f.nameid_format == kNameIdPersistent) {
    // The audience the request named (SPNameQualifier: the SP or its affiliation, checked at
    // /saml/sso), else the SP's affiliation when it has one, else the SP (docs/API.md).
    const auto& audience = !pending.nameid_audience.empty() ? pending.nameid_audience
                           : sp.affiliation.empty()        ? sp.entity_id
                                                           : sp.affiliation;
    if (pending.allow_create) {
      f.nameid = persistent_ids.name_id(user.id, audience, base64url_encode(jose::random_bytes(24)), f.now);
    } else if (auto known = persistent_ids.find_name_id(user.id, audience)) {
      f.nameid = std::move(*known);
    } else {  // AllowCreate="false" and none established yet (core §3.4.1.1)
      return "No identifier is established for this user.";
    }
    f.name_qualifier = idp_entity_id;
    f.sp_name_qualifier = audience;
  } else if (f.nameid_format == kNameIdTransient) {
    // One transient NameID per SP and session: the one it has, else a new one.
    const auto* had = recorded_share(shares, sp.client_id, f.nameid_format, "");
    f.nameid = had != nullptr ? had->nameid : new_id();
    f.name_qualifier = idp_entity_id;
    f.sp_name_qualifier = sp.entity_id;
  } else if (f.nameid_format == kNameIdEmail) {
    if (user.email.empty()) return "The user has no email address.";
    f.nameid = user.email;
  } else {
    f.nameid = user.username;
  }
  return std::nullopt;
}

}  // namespace

std::string SamlFrontDoor::display_name(std::string_view client_id) const {
  if (auto sp = deps_.sps.by_client(client_id)) return sp->name;
  return client_id.empty() ? std::string("this site") : std::string(client_id);
}

std::optional<signin::MfaPolicy> SamlFrontDoor::mfa_policy(std::string_view client_id) const {
  auto sp = deps_.sps.by_client(client_id);
  if (!sp || sp->mfa_policy.empty()) return std::nullopt;
  return signin::parse_mfa_policy(sp->mfa_policy);
}

http::Response SamlFrontDoor::error_page(int status, std::string_view message) const {
  return signin::error_page(*deps_.sign_in.theme(), status, "saml_error", message);
}

Protection SamlFrontDoor::protection_for(const SpRegistration& sp) const {
  Protection p;
  auto signer = deps_.credentials.signer(*deps_.keys.current());
  p.key = signer ? signer->key.get() : nullptr;
  p.key_owner = signer;
  p.sign_assertion = sp.sign != SignWhat::kResponse || sp.metadata.want_assertions_signed;
  p.sign_response = sp.sign != SignWhat::kAssertion;
  if (sp.encrypt) {
    auto encrypt = deps_.encrypt;
    p.encrypt = [encrypt, &sp](Document& doc, xmlNodePtr assertion) -> Result<void, std::string> {
      if (!encrypt) return unexpected(std::string("assertion encryption is not available"));
      return encrypt(doc, assertion, sp);
    };
  }
  return p;
}

http::Response SamlFrontDoor::answer(const PendingAnswer& pending, const session::SsoSession& session) const {
  auto sp = deps_.sps.by_client(pending.client_id);
  if (!sp) return error_page(403, "This service provider is no longer registered here.");
  const auto classes = words(pending.requested_classes);
  // The sign-in must have reached what the request asked (core §3.3.2.2.1), whatever let it
  // finish, and the class stated must be true of it (a passkey is not a password).
  const auto level = required_level(classes, pending.comparison);
  const auto authn_class = stated_class(classes, pending.comparison, session.amr);
  if (!level || level_of(session.amr) < *level || !authn_class)
    return status_answer(pending, kStatusResponder, kStatusNoAuthnContext, "");
  auto user = deps_.users.find(session.user_id);
  if (!user || !user->active) return status_answer(pending, kStatusResponder, kStatusRequestDenied, "");
  const auto now = deps_.clock.now();
  AssertionFacts f;
  f.idp_entity_id = deps_.idp.entity_id;
  f.sp_entity_id = sp->entity_id;
  f.acs_url = pending.acs_url;
  f.in_response_to = pending.request_id;
  f.nameid_format = pending.nameid_format;
  f.now = now;
  f.auth_instant = session.auth_time;
  f.lifetime = deps_.assertion_lifetime;
  f.authn_class = *authn_class;
  f.attributes = released_attributes(*user, sp->attributes);
  const auto shares = slo_targets(session);
  if (auto refused = name_subject(deps_.persistent_ids, deps_.idp.entity_id, pending, *sp, *user, shares, f))
    return status_answer(pending, kStatusRequester, kStatusInvalidNameIdPolicy, *refused);
  // The SessionIndex this SP has for this NameID in the session, else a new one (recorded below).
  const auto* had = recorded_share(shares, sp->client_id, f.nameid_format, f.nameid);
  f.session_index = had != nullptr                  ? had->session_index
                    : deps_.session_index_key.empty() ? new_id()
                                                      : seal_session_index(deps_.session_index_key, session.sid, sp->client_id, f.nameid);
  const auto protection = protection_for(*sp);
  if (protection.key == nullptr) {
    // Never an unsigned bearer assertion (profiles §4.1.4.5): no key now, no answer.
    spdlog::error("no SAML signing key: no answer for {}", sp->entity_id);
    return error_page(503, "The sign-in service cannot sign right now; try again in a moment.");
  }
  // Made and signed before any write, and from a live session outside any unit of work: on SQLite
  // a unit holds the database's write lock, and an RSA signature under it would let one answer
  // sign at a time. (Right after a sign-in, SignIn::complete runs resume() in its own unit: that
  // first answer still signs under it.)
  auto built = build_response(f, protection);
  if (!built) {
    spdlog::error("the SAML response for {} could not be made: {}", sp->entity_id, built.error());
    return error_page(500, "The answer for this service could not be made.");
  }
  // The session records the SP, and for single logout the NameID and SessionIndex it was given
  // (at most kMostSloEntries per SP: one per NameID format it was given, in practice); with the
  // artifact, if any, together or not at all. With a live session all of it is usually there.
  constexpr std::size_t kMostSloEntries = 8;
  const auto recorded = std::count_if(shares.begin(), shares.end(), [&](const auto& t) { return t.client_id == sp->client_id; });
  const bool new_share = had == nullptr && static_cast<std::size_t>(recorded) < kMostSloEntries;
  const bool writes = new_share || !session.has_participant(kSamlKind, sp->client_id) || pending.acs_binding == kBindingArtifact;
  http::Response r;
  const auto record = [&] {
    auto& sessions = deps_.sign_in.deps().sessions;
    // The session may have ended while the answer was signed: then it is not sent, since single
    // logout would not reach this SP for it (in the unit, so no logout slips in before the writes).
    // With nothing to write the SP is a participant already, and a logout meanwhile included it.
    if (writes && !sessions.find(session.id_hash, now, deps_.sign_in.deps().session_idle_timeout)) {
      spdlog::info("session {} ended while its SAML answer to {} was made: not sent", session.sid, sp->entity_id);
      r = error_page(403, "Your session has ended. Go back to the application and sign in again.");
      return;
    }
    deps_.sign_in.join(session, kSamlKind, sp->client_id);
    if (new_share)
      sessions.add_participant(session.id_hash, slo_participant(sp->client_id, f.session_index, f.nameid_format, f.nameid, now));
    r = deliver(pending, *built);
  };
  if (auto* units = deps_.sign_in.deps().units; writes && units != nullptr) units->run(record);
  else record();
  if (r.status < 400) spdlog::info("SAML assertion for user {} to {} (session {})", user->id, sp->entity_id, session.sid);
  return r;
}

http::Response SamlFrontDoor::status_answer(const PendingAnswer& pending, std::string_view top, std::string_view second,
                                            std::string_view message) const {
  auto sp = deps_.sps.by_client(pending.client_id);
  if (!sp) return error_page(403, "This service provider is no longer registered here.");
  auto p = protection_for(*sp);
  if (p.key == nullptr) {
    spdlog::error("no SAML signing key: no status answer for {}", sp->entity_id);
    return error_page(503, "The sign-in service cannot sign right now; try again in a moment.");
  }
  p.sign_response = true;  // a status answer has no assertion: the response is what is signed
  auto built = build_status_response(deps_.idp.entity_id, pending.acs_url, pending.request_id, top, second, message,
                                     deps_.clock.now(), p);
  if (!built) {
    spdlog::error("the SAML status answer for {} could not be made: {}", sp->entity_id, built.error());
    return error_page(500, "The answer for this service could not be made.");
  }
  return deliver(pending, *built);
}

http::Response SamlFrontDoor::deliver(const PendingAnswer& pending, const std::string& response_xml) const {
  if (pending.acs_binding == kBindingArtifact) {
    std::string handle;
    const auto artifact = new_artifact(deps_.idp.entity_id, handle);
    const auto now = deps_.clock.now();
    deps_.artifacts.insert(Artifact{jose::sha256(handle), pending.client_id, response_xml, now, now + deps_.artifact_ttl});
    std::string location = pending.acs_url + (pending.acs_url.find('?') == std::string::npos ? "?" : "&");
    location += "SAMLart=" + http::percent_encode(artifact);
    if (!pending.relay_state.empty()) location += "&RelayState=" + http::percent_encode(pending.relay_state);
    http::Response r;
    r.status = 302;
    r.set("Location", location);
    r.set("Cache-Control", "no-store");
    return r;
  }
  return post_page(pending.acs_url, "SAMLResponse", base64_encode(response_xml), pending.relay_state);
}

http::Response SamlFrontDoor::metadata(const http::Request&) const {
  const auto set = deps_.keys.current();
  auto signer = deps_.credentials.signer(*set);
  auto built = build_idp_metadata(deps_.idp, deps_.credentials.published(*set), signer.get(),
                                  deps_.clock.now() + deps_.metadata_valid, 3600);
  if (!built) {
    spdlog::error("the SAML metadata could not be made: {}", built.error());
    return error_page(500, "The metadata could not be made.");
  }
  http::Response r;
  r.body = std::move(*built);
  r.set("Content-Type", "application/samlmetadata+xml");
  r.set("Cache-Control", "public, max-age=300");
  return r;
}

}  // namespace gatehouse::saml

namespace gatehouse::saml {

void add_saml_routes(http::Router& router, const SamlFrontDoor& saml) {
  const auto sso = [&saml](const http::Request& r, const http::PathParams&) { return saml.sso(r); };
  router.add("GET", kSsoPath, sso);
  router.add("GET", kUnsolicitedPath, [&saml](const http::Request& r, const http::PathParams&) { return saml.unsolicited(r); });
  router.add("POST", kSsoPath, sso);
  const auto slo = [&saml](const http::Request& r, const http::PathParams&) { return saml.slo(r); };
  router.add("GET", kSloPath, slo);
  router.add("POST", kSloPath, slo);
  router.add("POST", kArtifactPath, [&saml](const http::Request& r, const http::PathParams&) { return saml.artifact_resolve(r); });
  router.add("GET", kMetadataPath, [&saml](const http::Request& r, const http::PathParams&) { return saml.metadata(r); });
  router.add(
      "GET", "/assets/saml-post.js",
      [](const http::Request&, const http::PathParams&) {
        http::Response r;
        r.body = "document.getElementById('saml-post').submit();\n";
        r.set("Content-Type", "text/javascript; charset=utf-8");
        r.set("Cache-Control", "public, max-age=3600");
        return r;
      },
      http::Execution::kInline);
}

}  // namespace gatehouse::saml
