#pragma once
// The IdP's SAML metadata (SAML metadata §2.3.2, §2.4.3; saml2int): one md:EntityDescriptor with
// an IDPSSODescriptor listing the endpoints of every binding Gatehouse serves, the NameID formats,
// and a signing KeyDescriptor for the current and the next key — SPs cache metadata for long, so
// the next key is there before it signs. The document is signed with the current key.

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/idp_credentials.hpp"

namespace gatehouse::saml {

struct IdpEndpoints {
  std::string entity_id;
  std::string base_url;  ///< public_url: the endpoints are base_url + /saml/sso, /saml/slo, /saml/artifact
};

inline constexpr std::string_view kSsoPath = "/saml/sso";
inline constexpr std::string_view kSloPath = "/saml/slo";
inline constexpr std::string_view kArtifactPath = "/saml/artifact";
inline constexpr std::string_view kMetadataPath = "/saml/metadata";

/// The metadata document, valid until `valid_until`, SPs asked to fetch it again after
/// `cache_seconds`; signed by `signer` unless it is nullptr.
Result<std::string, std::string> build_idp_metadata(const IdpEndpoints& idp,
                                                    const std::vector<std::shared_ptr<const IdpCredential>>& published,
                                                    const IdpCredential* signer, UnixSeconds valid_until,
                                                    UnixSeconds cache_seconds);

}  // namespace gatehouse::saml
