#pragma once
// A service provider's SAML 2.0 metadata (SAML metadata §2.3-2.4, §2.2.3; the saml2int profile
// where it narrows them): what Gatehouse reads from the SP's md:EntityDescriptor to serve it. Its
// entityID, where assertions may go (AssertionConsumerService, HTTP-POST and HTTP-Artifact only),
// where logout messages go, the keys its signed requests are verified with and the ones assertions
// are encrypted to, the NameID formats it names, and its two signing wishes.
//
// The bytes are parsed with saml::parse (no DTD, size and depth caps). A signed metadata document
// is read the same way: verifying its signature (saml_metadata_url, against a configured key) is the
// caller's step between parse() and parse_sp_metadata(), which never looks at ds:Signature.
//
// Thread safety: SpMetadata is a plain value (TrustedKey shares immutable keys); the functions may
// run on many threads at once.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "saml/keys.hpp"
#include "saml/protocol.hpp"  // the binding and NameID format names
#include "saml/xml.hpp"

namespace gatehouse::saml {

/// The largest metadata document accepted (a real SP's is a few KiB; aggregates are not read here).
inline constexpr std::size_t kMaxMetadataBytes = 256 * 1024;
/// The longest entityID (SAML core §8.3.6 suggests 1024) and endpoint Location.
inline constexpr std::size_t kMaxEntityIdLength = 1024;
inline constexpr std::size_t kMaxLocationLength = 2048;

/// The NameID formats Gatehouse issues (SAML core §8.3).
inline constexpr std::array<std::string_view, 4> kNameIdFormats{kNameIdTransient, kNameIdPersistent, kNameIdEmail,
                                                               kNameIdUnspecified};
/// The URI of a NameID format given as one of kNameIdFormats or as the word after its last ':'
/// ("persistent", "emailAddress"; case matters); "" for any other value.
std::string_view nameid_format_uri(std::string_view value);

/// One md:AssertionConsumerService with a kept binding (HTTP-POST or HTTP-Artifact).
struct AssertionConsumerService {
  std::string binding;
  std::string location;  // an absolute http(s) URL
  std::uint16_t index = 0;
  std::optional<bool> is_default;  // isDefault, when given
};

/// One md:SingleLogoutService with the HTTP-Redirect, HTTP-POST or SOAP binding.
struct SingleLogoutService {
  std::string binding;
  std::string location;
  std::string response_location;  // "" when absent: responses go to location
};

/// A key assertions may be encrypted to, with the md:EncryptionMethod algorithms the SP lists for
/// it (the URIs as given, in document order; none listed means the SP named no preference).
struct EncryptionKey {
  TrustedKey key;
  std::vector<std::string> methods;
};

/// What Gatehouse keeps of an SP's metadata.
struct SpMetadata {
  std::string entity_id;
  std::vector<AssertionConsumerService> assertion_consumers;  // document order; never empty
  std::vector<SingleLogoutService> logout_services;           // document order
  std::vector<TrustedKey> signing_keys;        // KeyDescriptor use="signing" or without use
  std::vector<EncryptionKey> encryption_keys;  // KeyDescriptor use="encryption" or without use
  std::vector<std::string> nameid_formats;     // md:NameIDFormat, in document order
  bool authn_requests_signed = false;          // AuthnRequestsSigned
  bool want_assertions_signed = false;         // WantAssertionsSigned

  /// The SP's default endpoint (SAML metadata §2.2.3): the first with isDefault="true", else the
  /// first without isDefault="false", else the first. Among the kept bindings only.
  const AssertionConsumerService& default_assertion_consumer() const;
  /// The endpoint with this index; nullptr when there is none.
  const AssertionConsumerService* assertion_consumer_by_index(std::uint16_t index) const;
  /// The endpoint with exactly this Location and Binding (byte for byte, as SAML profiles §4.1.4.1
  /// asks of an AssertionConsumerServiceURL); nullptr when there is none.
  const AssertionConsumerService* assertion_consumer_by_location(std::string_view location,
                                                                 std::string_view binding) const;
};

/// Reads an SP's metadata from a parsed document whose root is an md:EntityDescriptor, or an
/// md:EntitiesDescriptor holding exactly one (and no nested EntitiesDescriptor). @returns a reason,
/// safe to show an administrator and naming the element at fault, when: the root is neither; the
/// entityID is missing, not an absolute URI, or longer than kMaxEntityIdLength; there is not exactly
/// one md:SPSSODescriptor, or its protocolSupportEnumeration does not list SAML 2.0; an endpoint
/// lacks Binding or Location, or a kept one has a Location that is not an absolute http(s) URL (no
/// user information, no fragment), a missing or invalid index, or an index used twice; no
/// AssertionConsumerService has a kept binding; a KeyDescriptor has another use, not exactly one
/// ds:X509Certificate, or a certificate TrustedKey refuses (an RSA key under 2048 bits among
/// them); a boolean is not xs:boolean; a list is longer than its cap.
Result<SpMetadata, std::string> parse_sp_metadata(const Document& doc);

/// parse() with kMaxMetadataBytes, then parse_sp_metadata(). @returns parse()'s reason (oversize,
/// DOCTYPE, not well-formed) or parse_sp_metadata()'s.
Result<SpMetadata, std::string> parse_sp_metadata(std::string_view bytes);

}  // namespace gatehouse::saml
