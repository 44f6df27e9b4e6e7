#include "saml/idp_metadata.hpp"

#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

std::string endpoint(std::string_view element, std::string_view binding, const std::string& location,
                     std::string_view extra = {}) {
  return "<md:" + std::string(element) + " Binding=\"" + std::string(binding) + "\" Location=\"" + xml_escape(location) +
         "\"" + std::string(extra) + "/>";
}

}  // namespace

Result<std::string, std::string> build_idp_metadata(const IdpEndpoints& idp,
                                                    const std::vector<std::shared_ptr<const IdpCredential>>& published,
                                                    const IdpCredential* signer, UnixSeconds valid_until,
                                                    UnixSeconds cache_seconds) {
  std::string s = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
                  "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"" + new_id() + "\" entityID=\"" +
                  xml_escape(idp.entity_id) + "\" validUntil=\"" + iso8601(valid_until) + "\" cacheDuration=\"PT" +
                  std::to_string(cache_seconds) + "S\">";
  s += "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
       "WantAuthnRequestsSigned=\"false\">";
  for (const auto& credential : published)
    s += "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         base64_encode(credential->certificate_der) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
  const auto url = [&](std::string_view path) { return idp.base_url + std::string(path); };
  s += endpoint("ArtifactResolutionService", kBindingSoap, url(kArtifactPath), " index=\"0\" isDefault=\"true\"");
  // Schema order (metadata §2.4.2, §2.4.3): ArtifactResolutionService, SingleLogoutService,
  // ManageNameIDService, NameIDFormat, SingleSignOnService.
  for (auto binding : {kBindingRedirect, kBindingPost, kBindingSoap}) s += endpoint("SingleLogoutService", binding, url(kSloPath));
  for (auto format : {kNameIdTransient, kNameIdPersistent, kNameIdEmail, kNameIdUnspecified})
    s += "<md:NameIDFormat>" + std::string(format) + "</md:NameIDFormat>";
  for (auto binding : {kBindingRedirect, kBindingPost}) s += endpoint("SingleSignOnService", binding, url(kSsoPath));
  s += "</md:IDPSSODescriptor></md:EntityDescriptor>";
  if (signer == nullptr || !signer->key) return s;
  auto doc = parse(s, 1 << 20);
  if (!doc) return unexpected("the metadata did not parse back: " + doc.error());
  if (auto signed_ = sign_enveloped(*doc, doc->root(), *signer->key); !signed_)
    return unexpected("signing the metadata: " + signed_.error());
  return serialize(*doc, true);
}

}  // namespace gatehouse::saml
