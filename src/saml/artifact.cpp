// /saml/artifact: the SOAP binding's ArtifactResolve (SAML core §3.5, bindings §3.6.5, §3.2): the
// SP names an artifact it was sent, signed with a key of its metadata; the artifact is spent in
// the shared store (one conditional statement, bound to the SP it was issued for: once across the
// cluster, by that SP only) and its Response answered in a signed ArtifactResponse.
#include <spdlog/spdlog.h>

#include "jose/openssl/crypto.hpp"
#include "saml/dsig.hpp"
#include "saml/front_door.hpp"
#include "saml/protocol.hpp"
#include "saml/soap.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::size_t kMaxResolveBytes = 64 * 1024;
constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;

http::Response soap(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"" + std::string(kNsSoap) +
           "\"><SOAP-ENV:Body>" + body + "</SOAP-ENV:Body></SOAP-ENV:Envelope>";
  r.set("Content-Type", "text/xml; charset=utf-8");
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response fault(std::string_view message) {
  return soap(500, "<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>" + xml_escape(message) +
                       "</faultstring></SOAP-ENV:Fault>");
}

}  // namespace

http::Response SamlFrontDoor::artifact_resolve(const http::Request& request) const {
  auto doc = parse(request.body, kMaxResolveBytes);
  if (!doc) return fault("the request is not acceptable XML");
  auto resolve = read_artifact_resolve(*doc);
  if (!resolve) return fault(resolve.error());
  xmlNodePtr r = resolve->element;
  const std::string& id = resolve->id;
  const UnixSeconds issued = resolve->issue_instant;
  const auto now = deps_.clock.now();
  // An ArtifactResponse (core §3.5.2), signed: `message` inside on success, none otherwise.
  const auto respond = [&](std::string_view top, std::string_view second, std::string message, bool sign) {
    if (message.starts_with("<?xml")) message.erase(0, message.find("?>") + 2);
    std::string status = "<samlp:StatusCode Value=\"" + std::string(top) + "\"";
    status += second.empty() ? "/>" : "><samlp:StatusCode Value=\"" + std::string(second) + "\"/></samlp:StatusCode>";
    std::string text = "<samlp:ArtifactResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                       "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" + new_id() + "\" InResponseTo=\"" +
                       xml_escape(id) + "\" Version=\"2.0\" IssueInstant=\"" + iso8601(now) + "\"><saml:Issuer>" +
                       xml_escape(deps_.idp.entity_id) + "</saml:Issuer><samlp:Status>" + status + "</samlp:Status>" +
                       message + "</samlp:ArtifactResponse>";
    auto answer = parse(text, kMaxResponseBytes);
    if (!answer) return fault("the answer could not be made");
    if (!sign) return soap(200, serialize(*answer, false));
    auto signer = deps_.credentials.signer(*deps_.keys.current());
    if (!signer || !signer->key || !sign_enveloped(*answer, answer->root(), *signer->key)) {
      spdlog::error("the SAML ArtifactResponse could not be made");
      return fault("the answer could not be made");
    }
    return soap(200, serialize(*answer, false));
  };
  const auto denied = [&](std::string_view why) {
    spdlog::info("SAML ArtifactResolve {} refused: {}", id, loggable(why));
    // Unsigned: a request nobody authenticated costs no RSA signature.
    return respond(kStatusRequester, kStatusRequestDenied, "", false);
  };
  auto sp = deps_.sps.by_entity_id(resolve->issuer);
  if (!sp) return denied("unknown issuer");
  // The request must be signed by the SP (bindings §3.6.5.2 leaves TLS or a signature; Gatehouse
  // takes the signature).
  if (first_child(r, kNsDsig, "Signature") == nullptr) return denied("not signed");
  if (auto ok = verify_enveloped(*doc, r, sp->metadata.signing_keys); !ok) return denied(ok.error());
  const auto destination = attribute(r, "Destination");
  if (destination && *destination != deps_.idp.base_url + std::string(kArtifactPath)) return denied("wrong Destination");
  if (issued > now + deps_.clock_skew || issued < now - deps_.clock_skew) return denied("IssueInstant outside the skew");
  const auto handle = artifact_message_handle(resolve->artifact, deps_.idp.entity_id);
  std::string message;
  if (handle) {
    // Spent by this resolution (§3.5.3: an artifact is resolved once), and only by the SP it was
    // issued for: another SP's request neither gets it nor spends it, in the same statement.
    if (auto stored = deps_.artifacts.consume(jose::sha256(*handle), sp->client_id, now))
      message = std::move(stored->message);
  }
  // Success with the Response inside, or with none: unknown, spent, expired or not this SP's.
  return respond(kStatusSuccess, "", std::move(message), true);
}

}  // namespace gatehouse::saml
