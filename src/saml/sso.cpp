// /saml/sso: an AuthnRequest received by the HTTP-Redirect binding (SAML bindings §3.4: DEFLATE,
// base64, the detached signature over the query bytes as sent) or the HTTP-POST binding (§3.5:
// base64, an enveloped signature), checked against the SP's registration, then answered from the
// SSO session or through a sign-in (Web Browser SSO profile, SAML profiles §4.1.4).
#include <algorithm>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "oauth/form.hpp"
#include "saml/authn_context.hpp"
#include "saml/authn_request.hpp"
#include "saml/binding.hpp"
#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/front_door.hpp"
#include "saml/protocol.hpp"
#include "saml/redirect_signature.hpp"
#include "signin/pages.hpp"

namespace gatehouse::saml {
namespace {

/// The consumer endpoint: only ever one from the SP's metadata (profiles §4.1.4.1).
const AssertionConsumerService* consumer(const AuthnRequest& req, const SpMetadata& metadata) {
  if (req.acs_index) return metadata.assertion_consumer_by_index(static_cast<std::uint16_t>(*req.acs_index));
  if (!req.acs_url.empty()) {
    if (!req.protocol_binding.empty()) return metadata.assertion_consumer_by_location(req.acs_url, req.protocol_binding);
    for (auto binding : {kBindingPost, kBindingArtifact})
      if (const auto* acs = metadata.assertion_consumer_by_location(req.acs_url, binding)) return acs;
    return nullptr;
  }
  const auto& fallback = metadata.default_assertion_consumer();
  if (!req.protocol_binding.empty() && req.protocol_binding != fallback.binding) {
    for (const auto& acs : metadata.assertion_consumers)
      if (acs.binding == req.protocol_binding) return &acs;
    return nullptr;
  }
  return &fallback;
}

/// The NameID format of the answer (core §3.4.1.1): the one asked for when the SP may have it,
/// else the registration's, else the first of the SP's metadata that Gatehouse issues, else
/// transient. nullopt: the request asks for a format this SP cannot have (InvalidNameIDPolicy).
std::optional<std::string> nameid_format(const AuthnRequest& req, const SpRegistration& sp) {
  const auto issued = [](std::string_view f) {
    return f == kNameIdTransient || f == kNameIdPersistent || f == kNameIdEmail || f == kNameIdUnspecified;
  };
  if (!req.nameid_format.empty() && req.nameid_format != kNameIdUnspecified) {
    if (!issued(req.nameid_format)) return std::nullopt;
    if (!sp.nameid_format.empty() && sp.nameid_format != req.nameid_format) return std::nullopt;
    // The email address as NameID is a release of it: only to an SP that registered that format
    // or may have the email attribute.
    if (req.nameid_format == kNameIdEmail && sp.nameid_format != kNameIdEmail &&
        std::find(sp.attributes.begin(), sp.attributes.end(), "email") == sp.attributes.end())
      return std::nullopt;
    return req.nameid_format;
  }
  if (!sp.nameid_format.empty()) return sp.nameid_format;
  for (const auto& f : sp.metadata.nameid_formats)
    if (issued(f) && f != kNameIdUnspecified) return f;
  return std::string(kNameIdTransient);
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string encode_pending(const PendingAnswer& p) {
  return boost::json::serialize(boost::json::object{{"client_id", p.client_id},
                                                    {"acs_url", p.acs_url},
                                                    {"acs_binding", p.acs_binding},
                                                    {"request_id", p.request_id},
                                                    {"relay_state", p.relay_state},
                                                    {"nameid_format", p.nameid_format},
                                                    {"classes", p.requested_classes},
                                                    {"comparison", p.comparison},
                                                    {"audience", p.nameid_audience},
                                                    {"allow_create", p.allow_create}});
}

std::optional<PendingAnswer> decode_pending(std::string_view payload) {
  boost::system::error_code ec;
  auto value = boost::json::parse(payload, ec);
  if (ec || !value.is_object()) return std::nullopt;
  const auto& o = value.get_object();
  const auto get = [&](const char* name) -> std::optional<std::string> {
    const auto* v = o.if_contains(name);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
  };
  PendingAnswer p;
  for (auto [name, out] : {std::pair{"client_id", &p.client_id}, std::pair{"acs_url", &p.acs_url},
                           std::pair{"acs_binding", &p.acs_binding}, std::pair{"request_id", &p.request_id},
                           std::pair{"relay_state", &p.relay_state}, std::pair{"nameid_format", &p.nameid_format},
                           std::pair{"classes", &p.requested_classes}, std::pair{"comparison", &p.comparison}}) {
    auto v = get(name);
    if (!v) return std::nullopt;
    *out = std::move(*v);
  }
  // Absent in a continuation written before they existed: the defaults.
  p.nameid_audience = get("audience").value_or("");
  if (const auto* v = o.if_contains("allow_create"); v != nullptr && v->is_bool()) p.allow_create = v->get_bool();
  return p;
}

}  // namespace

http::Response SamlFrontDoor::sso(const http::Request& request) const {
  auto received = receive(request, {"SAMLRequest"});
  if (!received) {
    spdlog::info("SAML request refused: {}", received.error());
    return error_page(400, "The sign-in request could not be read.");
  }
  auto req = read_authn_request(received->doc);
  if (!req) {
    spdlog::info("SAML AuthnRequest refused: {}", req.error());
    return error_page(400, "The sign-in request could not be read.");
  }
  auto sp = deps_.sps.by_entity_id(req->issuer);
  if (!sp) return error_page(403, "This service provider is not registered here.");
  const auto refuse = [&](std::string_view why) {
    spdlog::info("SAML AuthnRequest {} from {} refused: {}", req->id, sp->entity_id, why);
    return error_page(403, "The sign-in request was refused.");
  };
  if (auto ok = check_signature(*received, received->doc.root(), req->has_signature, sp->metadata.signing_keys,
                                sp->require_signed_requests);
      !ok)
    return refuse(ok.error());
  const bool is_signed = req->has_signature || !received->signature.empty();
  const std::string sso_url = deps_.idp.base_url + std::string(kSsoPath);
  // Destination: checked when present, required on a signed message (bindings §3.4.5.2, §3.5.5.2).
  if (req->destination.empty() ? is_signed : req->destination != sso_url) return refuse("wrong or missing Destination");
  const auto now = deps_.clock.now();
  if (req->issue_instant > now + deps_.clock_skew || req->issue_instant < now - deps_.clock_skew)
    return refuse("IssueInstant outside the allowed clock skew");
  const auto* acs = consumer(*req, sp->metadata);
  if (acs == nullptr) return refuse("no such assertion consumer service in the metadata");
  // Once across the cluster, for as long as the IssueInstant check would let it through.
  const auto replay_key = "saml-authn " + base64url_encode(jose::sha256(req->issuer + "\n" + req->id));
  if (!deps_.replays.first_use(replay_key, req->issue_instant + deps_.clock_skew + 1, now)) return refuse("a replayed request ID");

  PendingAnswer pending{sp->client_id, acs->location, acs->binding, req->id, received->relay_state, "", "", "exact"};
  std::vector<std::string> classes;
  if (req->requested_context) {
    classes = req->requested_context->classes;
    pending.requested_classes = join(classes);
    pending.comparison = req->requested_context->comparison;
  }
  auto format = nameid_format(*req, *sp);
  if (!format)
    return status_answer(pending, kStatusRequester, kStatusInvalidNameIdPolicy, "The NameID format asked for is not available.");
  // SPNameQualifier (core §3.4.1.1): the SP itself or the affiliation it is registered with.
  if (!req->sp_name_qualifier.empty() && req->sp_name_qualifier != sp->entity_id &&
      (sp->affiliation.empty() || req->sp_name_qualifier != sp->affiliation))
    return status_answer(pending, kStatusRequester, kStatusInvalidNameIdPolicy, "The SPNameQualifier asked for is not available.");
  pending.nameid_format = *format;
  pending.nameid_audience = req->sp_name_qualifier;
  pending.allow_create = req->allow_create.value_or(true);
  const auto level = required_level(classes, pending.comparison);
  if (!level) return status_answer(pending, kStatusResponder, kStatusNoAuthnContext, "The authentication context asked for is not available.");
  const std::string requested_acr(*level >= 2 ? signin::kAcrMultiFactor : "");

  return proceed(pending, requested_acr, req->force_authn, req->is_passive, request);
}

http::Response SamlFrontDoor::proceed(const PendingAnswer& pending, const std::string& requested_acr, bool force_authn,
                                      bool is_passive, const http::Request& request) const {
  auto session = deps_.sign_in.current_session(request);
  if (session && !force_authn && deps_.sign_in.satisfies(*session, kSamlKind, pending.client_id, requested_acr)) {
    // answer() signs first, then records the session's participants and any artifact in one
    // unit of work (SignIn::complete runs resume() inside its own, which that unit joins).
    return answer(pending, *session);
  }
  if (is_passive) return status_answer(pending, kStatusResponder, kStatusNoPassive, "");
  signin::SignInTransaction tx;
  tx.service = pending.client_id;
  tx.fresh = force_authn;
  tx.requested_acr = requested_acr;
  if (session && !tx.fresh) {
    // A session without the second factor this SP requires: only that factor is asked.
    tx.user_id = session->user_id;
    tx.amr = session->amr;
  }
  tx.continuation = {std::string(kSamlKind), encode_pending(pending)};
  return deps_.sign_in.start(std::move(tx), request);
}

http::Response SamlFrontDoor::unsolicited(const http::Request& request) const {
  auto q = oauth::parse_urlencoded(request.query);
  if (!q) return error_page(400, "The sign-in request could not be read.");
  const auto provider = q->value("providerId");
  auto sp = deps_.sps.by_entity_id(provider);
  if (!sp) return error_page(403, "This service provider is not registered here.");
  if (!sp->allow_idp_initiated) {
    spdlog::info("unsolicited SAML sign-in to {} refused: saml_allow_idp_initiated is off", sp->entity_id);
    return error_page(403, "This service provider does not accept sign-ins started here.");
  }
  // The consumer: the one named by shire (byte for byte, as an AuthnRequest's URL), else the default.
  const auto shire = q->value("shire");
  const AssertionConsumerService* acs = &sp->metadata.default_assertion_consumer();
  if (!shire.empty()) {
    acs = sp->metadata.assertion_consumer_by_location(shire, kBindingPost);
    if (acs == nullptr) acs = sp->metadata.assertion_consumer_by_location(shire, kBindingArtifact);
    if (acs == nullptr) return error_page(403, "No such assertion consumer service in the metadata.");
  }
  // RelayState this IdP originates: at most 80 bytes (bindings §3.4.3, §3.5.3), printable.
  const auto target = q->value("target");
  if (target.size() > 80 || std::any_of(target.begin(), target.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return error_page(400, "The target must be at most 80 printable characters.");
  PendingAnswer pending{sp->client_id, acs->location, acs->binding, "", target, "", "", "exact"};
  pending.nameid_format = *nameid_format(AuthnRequest{}, *sp);  // no policy asked: never refused
  return proceed(pending, "", false, false, request);
}

http::Response SamlFrontDoor::resume(const signin::SignInTransaction& tx, const session::SsoSession& session,
                                     const http::Request&) const {
  auto pending = decode_pending(tx.continuation.payload);
  if (!pending || pending->client_id != tx.service) return error_page(400, "The sign-in request could not be read; start again.");
  return answer(*pending, session);
}

}  // namespace gatehouse::saml
