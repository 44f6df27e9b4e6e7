#include "saml/soap.hpp"

#include <algorithm>

#include "jose/openssl/crypto.hpp"
#include "saml/encoding.hpp"
#include "saml/protocol.hpp"

namespace gatehouse::saml {
Result<xmlNodePtr, std::string> soap_body_element(const Document& doc, std::string_view local) {
  xmlNodePtr envelope = doc.root();
  if (!is_element(envelope, kNsSoap, "Envelope")) return unexpected(std::string("not a SOAP 1.1 envelope"));
  auto body = exactly_one_child(envelope, kNsSoap, "Body");
  if (!body) return unexpected(body.error());
  auto elements = child_elements(*body);
  if (elements.size() != 1 || !is_element(elements[0], kNsProtocol, local))
    return unexpected("the body is not one " + std::string(local));
  return elements[0];
}

std::string soap_envelope(std::string_view body) {
  std::string_view b = body;
  if (b.starts_with("<?xml")) b.remove_prefix(std::min(b.size(), b.find("?>") + 2));
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"" + std::string(kNsSoap) +
         "\"><SOAP-ENV:Body>" + std::string(b) + "</SOAP-ENV:Body></SOAP-ENV:Envelope>";
}

Result<ArtifactResolve, std::string> read_artifact_resolve(const Document& doc) {
  auto resolve = soap_body_element(doc, "ArtifactResolve");
  if (!resolve) return unexpected(resolve.error());
  xmlNodePtr r = *resolve;
  ArtifactResolve out;
  out.element = r;
  out.id = attribute(r, "ID").value_or("");
  auto issuer = exactly_one_child(r, kNsAssertion, "Issuer");
  auto artifact = exactly_one_child(r, kNsProtocol, "Artifact");
  auto issued = parse_instant(attribute(r, "IssueInstant").value_or(""));
  if (attribute(r, "Version") != "2.0" || out.id.empty() || !issuer || !artifact || !issued)
    return unexpected(std::string("the ArtifactResolve is incomplete"));
  // Echoed as InResponseTo and written to logs: an NCName only (core §1.3.4).
  if (!is_ncname(out.id)) return unexpected(std::string("the ArtifactResolve's ID is not an NCName"));
  out.issuer = text(*issuer);
  out.artifact = text(*artifact);
  out.issue_instant = *issued;
  return out;
}

std::optional<std::string> artifact_message_handle(std::string_view artifact, std::string_view idp_entity_id) {
  auto bytes = base64_decode(artifact);
  if (!bytes || bytes->size() != 44 || (*bytes)[0] != '\x00' || (*bytes)[1] != '\x04') return std::nullopt;
  if (bytes->substr(4, 20) != jose::sha1(idp_entity_id)) return std::nullopt;
  return bytes->substr(24);
}

}  // namespace gatehouse::saml
