// /saml/slo by the SOAP binding (SAML bindings §3.2, profiles §4.4.3.1): an SP's LogoutRequest
// with no browser. The session it names is ended on the spot (the back channel tells the other
// SPs and the CAS services); the LogoutResponse, signed, answers at once. SPs of that session
// reachable only through a browser cannot be told: the answer says PartialLogout.
#include <spdlog/spdlog.h>

#include "saml/dsig.hpp"
#include "saml/front_door.hpp"
#include "saml/logout.hpp"
#include "saml/protocol.hpp"
#include "saml/single_logout.hpp"
#include "saml/soap.hpp"

namespace gatehouse::saml {
namespace {

http::Response soap_answer(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = soap_envelope(body);
  r.set("Content-Type", "text/xml; charset=utf-8");
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response soap_fault(std::string_view message) {
  return soap_answer(500, "<SOAP-ENV:Fault xmlns:SOAP-ENV=\"" + std::string(kNsSoap) +
                              "\"><faultcode>SOAP-ENV:Client</faultcode><faultstring>" + xml_escape(message) +
                              "</faultstring></SOAP-ENV:Fault>");
}

}  // namespace

http::Response SamlFrontDoor::slo_soap(const http::Request& request) const {
  constexpr std::size_t kMaxRequestBytes = 64 * 1024;
  auto doc = parse(request.body, kMaxRequestBytes);
  if (!doc) return soap_fault("the request is not acceptable XML");
  auto element = soap_body_element(*doc, "LogoutRequest");
  if (!element) return soap_fault(element.error());
  auto req = read_logout_request(*element);
  if (!req) return soap_fault(req.error());
  const auto now = deps_.clock.now();
  const auto respond = [&](std::string_view top, std::string_view second, bool sign) {
    auto answer = parse(build_logout_response(new_id(), deps_.idp.entity_id, "", req->id, top, second, now), kMaxRequestBytes);
    if (answer && !sign) return soap_answer(200, serialize(*answer, false));
    auto signer = deps_.credentials.signer(*deps_.keys.current());
    if (!answer || !signer || signer->key == nullptr || !sign_enveloped(*answer, answer->root(), *signer->key)) {
      spdlog::error("the SAML LogoutResponse could not be made (no signing key?)");
      return soap_fault("the answer could not be made");
    }
    return soap_answer(200, serialize(*answer, false));
  };
  auto known = deps_.sps.by_entity_id(req->issuer);
  // Refused: signed only once the SP is authenticated (a stranger's request costs no RSA signature).
  const auto denied = [&](std::string_view why, bool sign) {
    spdlog::info("SAML LogoutRequest {} from {} (SOAP) refused: {}", loggable(req->id), loggable(req->issuer), loggable(why));
    return respond(kStatusRequester, kStatusRequestDenied, sign);
  };
  if (!known) return denied("unknown issuer", false);
  if (!req->has_signature) return denied("not signed", false);
  if (auto ok = verify_enveloped(*doc, *element, known->metadata.signing_keys); !ok) return denied(ok.error(), false);
  auto sp = check_logout_request(*req, nullptr);
  if (!sp) return denied(sp.error(), true);
  std::vector<session::SsoSession> ended;
  if (auto* units = deps_.sign_in.deps().units) units->run([&] { ended = end_sessions(*req, **sp, std::nullopt); });
  else ended = end_sessions(*req, **sp, std::nullopt);
  // SPs of those sessions that only a browser could have told.
  bool partial = false;
  for (const auto& s : ended)
    for (const auto& t : slo_targets(s)) {
      if (t.client_id == (*sp)->client_id) continue;
      auto other = deps_.sps.by_client(t.client_id);
      if (other && logout_service(*other, kBindingSoap) == nullptr && !other->metadata.logout_services.empty()) partial = true;
    }
  return respond(kStatusSuccess, partial ? kStatusPartialLogout : "", true);
}

}  // namespace gatehouse::saml
