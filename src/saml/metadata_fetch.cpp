#include "saml/metadata_fetch.hpp"

#include <vector>

#include "saml/dsig.hpp"
#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

Unexpected<std::string> refuse(std::string_view why) { return unexpected("metadata from its URL: " + std::string(why)); }

}  // namespace

Result<TrustedKey, std::string> metadata_signing_key(std::string_view pem) {
  const auto begin = pem.find(kBegin);
  if (begin == std::string_view::npos) return unexpected(std::string("no PEM CERTIFICATE block"));
  const auto body = begin + kBegin.size();
  const auto end = pem.find(kEnd, body);
  if (end == std::string_view::npos) return unexpected(std::string("the PEM CERTIFICATE block has no end line"));
  if (pem.find(kBegin, end) != std::string_view::npos) return unexpected(std::string("more than one PEM certificate"));
  auto key = TrustedKey::from_certificate_base64(pem.substr(body, end - body));
  if (!key) return unexpected("the PEM certificate is not usable: " + key.error());
  return key;
}

Result<SpMetadata, std::string> accept_fetched_metadata(std::string_view bytes, const TrustedKey& signer,
                                                        std::string_view registered_entity_id, UnixSeconds now) {
  auto doc = parse(bytes, kMaxMetadataBytes);
  if (!doc) return refuse(doc.error());
  xmlNodePtr root = doc->root();
  if (!is_element(root, kNsMetadata, "EntityDescriptor")) return refuse("the root is not one md:EntityDescriptor");
  if (first_child(root, kNsDsig, "Signature") == nullptr) return refuse("not signed");
  if (auto ok = verify_enveloped(*doc, root, std::vector<TrustedKey>{signer}); !ok)
    return refuse("the signature does not verify with saml_metadata_signing_cert: " + ok.error());
  if (const auto valid_until = attribute(root, "validUntil")) {
    const auto until = parse_instant(*valid_until);
    if (!until) return refuse("validUntil is not a UTC instant");
    if (*until <= now) return refuse("validUntil has passed");
  }
  auto metadata = parse_sp_metadata(*doc);
  if (!metadata) return refuse(metadata.error());
  if (!registered_entity_id.empty() && metadata->entity_id != registered_entity_id)
    return refuse("its entityID '" + loggable(metadata->entity_id) + "' is not the registered '" +
                  std::string(registered_entity_id) + "'");
  return metadata;
}

}  // namespace gatehouse::saml
