#pragma once
// Building the IdP's samlp:Response (SAML core §3.2.2, §2.3.3; the Web Browser SSO profile §4.1.4):
// a bearer assertion for one SP, or a status without one. Written in exclusive canonical form and
// signed as written (dsig.hpp, sign_canonical): every value is escaped by canonical_text.hpp, so no
// value can change the structure; only an encrypted assertion is signed and encrypted on the
// parsed document.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "saml/keys.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

inline constexpr std::string_view kAttrNameFormatUri = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
inline constexpr std::string_view kAttrNameFormatBasic = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";

/// One saml:Attribute: an urn:oid name with NameFormat uri and its friendly name (saml2int).
struct Attribute {
  std::string name;
  std::string friendly_name;
  std::vector<std::string> values;
  std::string_view name_format = kAttrNameFormatUri;
};

/// What the assertion says, for whom.
struct AssertionFacts {
  std::string idp_entity_id;
  std::string sp_entity_id;    ///< the Audience, and the NameID's SPNameQualifier
  std::string acs_url;         ///< the Response's Destination and the SubjectConfirmationData's Recipient
  std::string in_response_to;  ///< the AuthnRequest's ID; "" for unsolicited (IdP-initiated) SSO
  std::string nameid_format;
  std::string nameid;
  std::string name_qualifier;     ///< the NameID's NameQualifier ("" none); persistent and transient carry the IdP's
  std::string sp_name_qualifier;  ///< the NameID's SPNameQualifier ("" none): the SP or its affiliation
  UnixSeconds now = 0;
  UnixSeconds auth_instant = 0;   ///< when the person signed in (the SSO session's auth_time)
  std::string session_index;      ///< names this SP's share of the SSO session (for logout)
  std::string authn_class;        ///< AuthnContextClassRef
  std::vector<Attribute> attributes;
  UnixSeconds lifetime = 300;     ///< the assertion's NotOnOrAfter and the bearer confirmation's, from now
};

/// How the answer is protected: per SP (saml_sign, saml_encrypt).
struct Protection {
  const SigningKey* key = nullptr;  ///< nullptr: nothing is signed
  std::shared_ptr<const void> key_owner;  ///< keeps `key` alive while the answer is built
  bool sign_assertion = true;
  bool sign_response = false;
  /// When set, the (signed) assertion is replaced by a saml:EncryptedAssertion for the SP.
  std::function<Result<void, std::string>(Document&, xmlNodePtr assertion)> encrypt;
};

/// The Response carrying the assertion, serialized. @returns an error (for the log; the caller
/// answers 500) only if signing or encrypting failed.
Result<std::string, std::string> build_response(const AssertionFacts& facts, const Protection& protection);

/// A Response with a status and no assertion (§3.2.2.2: the top-level code and, when not empty,
/// a second-level one and a message); signed when protection.sign_response.
Result<std::string, std::string> build_status_response(std::string_view idp_entity_id, std::string_view destination,
                                                       std::string_view in_response_to, std::string_view top_code,
                                                       std::string_view second_code, std::string_view message,
                                                       UnixSeconds now, const Protection& protection);

}  // namespace gatehouse::saml
