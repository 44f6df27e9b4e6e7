#pragma once
// Encrypted assertions (SAML core §2.3.4, §6; XML Encryption 1.1): the IdP replaces a signed
// saml:Assertion by a saml:EncryptedAssertion for the SP's encryption key, and the reverse, for
// the tests and for later use. One layout only, the one SAML SPs commonly accept (Shibboleth SP,
// pysaml2, lasso for mod_auth_mellon):
//
//   saml:EncryptedAssertion
//     xenc:EncryptedData Type="...#Element"
//       xenc:EncryptionMethod    (aes256-gcm, aes128-gcm or aes256-cbc)
//       ds:KeyInfo
//         xenc:EncryptedKey
//           xenc:EncryptionMethod  (rsa-oaep with SHA-256, or rsa-oaep-mgf1p)
//           ds:KeyInfo             (the SP's certificate, optional)
//           xenc:CipherData/xenc:CipherValue   (the content key, RSA-OAEP)
//       xenc:CipherData/xenc:CipherValue       (the assertion, with a fresh content key)
//
// Sign first, then encrypt: the signature inside the assertion survives the round trip because
// exclusive c14n does not depend on where namespaces are declared.
//
// Thread safety: every function may run on many threads at once; one thread at a time per Document.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "saml/keys.hpp"
#include "saml/xml.hpp"

namespace gatehouse::saml {

/// XML Encryption namespaces and the algorithm identifiers accepted (XML Encryption 1.1 §5).
inline constexpr std::string_view kNsXmlEnc = "http://www.w3.org/2001/04/xmlenc#";
inline constexpr std::string_view kNsXmlEnc11 = "http://www.w3.org/2009/xmlenc11#";
inline constexpr std::string_view kEncTypeElement = "http://www.w3.org/2001/04/xmlenc#Element";
inline constexpr std::string_view kAes256Gcm = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
inline constexpr std::string_view kAes128Gcm = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
inline constexpr std::string_view kAes256Cbc = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
inline constexpr std::string_view kRsaOaep = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
inline constexpr std::string_view kRsaOaepMgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
inline constexpr std::string_view kMgf1Sha1 = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
inline constexpr std::string_view kSha1 = "http://www.w3.org/2000/09/xmldsig#sha1";

/// How the assertion itself is encrypted. GCM authenticates the ciphertext; CBC does not and is
/// only for SPs that offer nothing else.
enum class ContentEncryption { kAes256Gcm, kAes128Gcm, kAes256Cbc };
/// How the content key travels to the SP: RSA-OAEP with SHA-256 and MGF1-SHA1 (xmlenc11#rsa-oaep),
/// or the XML Encryption 1.0 variant with SHA-1 and MGF1-SHA1 (rsa-oaep-mgf1p).
enum class KeyTransport { kRsaOaepSha256, kRsaOaepMgf1p };

struct EncryptionOptions {
  ContentEncryption content = ContentEncryption::kAes256Gcm;
  KeyTransport key_transport = KeyTransport::kRsaOaepSha256;
  /// Whether EncryptedKey/ds:KeyInfo carries the SP's certificate (helps an SP with two keys
  /// pick the right one; needs a TrustedKey made from a certificate).
  bool include_certificate = false;
};

/// The algorithm URI of each choice.
std::string_view algorithm_uri(ContentEncryption content);
std::string_view algorithm_uri(KeyTransport transport);

/// The options for an SP from the Algorithm URIs of the md:EncryptionMethod elements of its
/// encryption KeyDescriptor, in any order. Content: aes256-gcm, then aes128-gcm, then aes256-cbc,
/// whatever the SP's order (GCM preferred); key transport: xmlenc11#rsa-oaep, then rsa-oaep-mgf1p.
/// When the list names no content algorithm (or no key transport) at all, the choice falls back to
/// aes256-gcm (or rsa-oaep-mgf1p): SPs on xmlsec1 1.2 (pysaml2, lasso in mod_auth_mellon) list
/// nothing in their metadata and cannot decrypt xmlenc11#rsa-oaep, while every SP decrypts
/// rsa-oaep-mgf1p. @returns a reason when the list names content algorithms (or key transports),
/// but none of those accepted here.
Result<EncryptionOptions, std::string> choose_encryption(const std::vector<std::string>& method_uris);

/// Replaces `assertion` (a saml:Assertion element of `doc`, normally already signed) by a
/// saml:EncryptedAssertion in the layout above, encrypted for `sp_key` with a fresh random
/// content key. The encrypted bytes are the assertion with every namespace declaration in scope
/// at its place repeated on it, so it decrypts and verifies anywhere. `assertion` is freed.
/// @returns the EncryptedAssertion element, or a reason (and the document unchanged) when the
/// node is not a saml:Assertion, the key is not RSA, include_certificate is set for a key without
/// a certificate, or OpenSSL or xmlsec fails.
Result<xmlNodePtr, std::string> encrypt_assertion(Document& doc, xmlNodePtr assertion, const TrustedKey& sp_key,
                                                  const EncryptionOptions& options = {});

/// The reverse: decrypts `encrypted_assertion` with the RSA private key `private_pkcs8_der` and
/// puts the saml:Assertion in its place (the ID is not registered: verify_enveloped does that).
/// Strict: exactly one xenc:EncryptedData (Type Element) holding, in its ds:KeyInfo, exactly one
/// xenc:EncryptedKey; only the algorithms above (rsa-oaep with a SHA-256 DigestMethod and MGF1-SHA1;
/// rsa-oaep-mgf1p with SHA-1); a CipherValue only (a CipherReference is refused, as is an
/// OAEPparams label); a content key of the algorithm's size; a plaintext that parses (under
/// parse()'s rules) as exactly one saml:Assertion. @returns the Assertion element, or a reason
/// (and the document unchanged). The reasons do not say which of the two decryptions failed.
Result<xmlNodePtr, std::string> decrypt_assertion(Document& doc, xmlNodePtr encrypted_assertion,
                                                  std::string_view private_pkcs8_der);

}  // namespace gatehouse::saml
