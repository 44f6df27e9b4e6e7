#pragma once
// XML Signature (XMLDSig 1.1) in the one shape SAML uses: an enveloped ds:Signature over one
// element, referenced by its ID, with exclusive canonicalisation (SAML core §5.4). On xmlsec1's
// OpenSSL backend, with Gatehouse's allow-lists checked before xmlsec runs and the reference
// checked again after it, against signature wrapping (SAML core §5.4; "On Breaking SAML", 2012).
//
// Thread safety: every function may run on many threads at once (each call has its own xmlsec
// contexts); one thread at a time per Document.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "saml/keys.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

// The algorithm identifiers accepted (XMLDSig 1.1 §6; RFC 6931 for the "more" names).
inline constexpr std::string_view kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr std::string_view kRsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
inline constexpr std::string_view kEcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
inline constexpr std::string_view kEcdsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";
inline constexpr std::string_view kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
inline constexpr std::string_view kSha512 = "http://www.w3.org/2001/04/xmlenc#sha512";
inline constexpr std::string_view kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
inline constexpr std::string_view kEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// The key type a signature algorithm needs; nullopt for any algorithm not on the allow-list
/// (SHA-1, HMAC, DSA and everything else).
std::optional<KeyType> signature_algorithm_key_type(std::string_view algorithm_uri);
/// The algorithm a signing key signs with: rsa-sha256 or ecdsa-sha256.
std::string_view signature_algorithm_of(const SigningKey& key);

/// Verifies the enveloped signature of `element` with one of `keys` (an SP may list two while it
/// rotates). Registers the element's ID (register_id). Refused, with the reason:
/// - no keys; not exactly one ds:Signature child of `element`; an ID that register_id refuses;
/// - a Signature other than SignedInfo, SignatureValue and an optional KeyInfo (no ds:Object);
/// - SignedInfo other than exc-c14n CanonicalizationMethod (comments variant refused), a
///   SignatureMethod on the allow-list, and exactly one Reference;
/// - a Reference URI other than "#" + the element's ID (an empty URI, another element, an
///   XPointer); transforms other than exactly enveloped-signature then exc-c14n (an
///   InclusiveNamespaces PrefixList allowed); a DigestMethod other than sha256 or sha512;
/// - a signature that no trusted key of the algorithm's type verifies (KeyInfo in the message is
///   never used to find or build a key);
/// - after xmlsec's verification, anything but one reference, verified, whose URI is "#ID" and
///   whose ID still resolves to `element`.
/// The caller must then consume `element` itself and nothing outside it.
Result<void, std::string> verify_enveloped(Document& doc, xmlNodePtr element, const std::vector<TrustedKey>& keys);

/// Signs `element` (which must carry an ID attribute; it is registered): inserts ds:Signature
/// right after its saml:Issuer child, or as its first child when it has none (the schema order
/// of SAML core: Issuer, Signature, ...). Reference "#ID", transforms enveloped-signature and
/// exc-c14n, sha256 digest, the key's algorithm (signature_algorithm_of), and a KeyInfo with the
/// X509Certificate when the key has a certificate. @returns a reason (and leaves the document
/// as it was) when the element has no usable ID, already has a ds:Signature child, or xmlsec fails.
Result<void, std::string> sign_enveloped(Document& doc, xmlNodePtr element, const SigningKey& key);

/// Signs an element Gatehouse wrote itself in exclusive canonical form (canonical_text.hpp; as
/// exc-c14n would write the element alone: its namespaces declared on it, attributes in canonical
/// order, no empty-element tags), without parsing it: `head` is its start tag through its
/// saml:Issuer child (or just its start tag), `tail` the rest through its end tag, `id` the value
/// of its ID attribute. @returns head + ds:Signature + tail, the same signature sign_enveloped
/// makes of that element parsed (the ds:Signature is itself written canonically, so an enclosing
/// element may be signed the same way afterwards), or a reason: an ID that is not an NCName, or
/// OpenSSL failing. Text that is not canonical gives a signature that does not verify.
Result<std::string, std::string> sign_canonical(std::string_view head, std::string_view tail, std::string_view id,
                                                const SigningKey& key);

}  // namespace gatehouse::saml
