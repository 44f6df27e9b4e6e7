#pragma once
// The detached signatures of the HTTP-Redirect binding (SAML bindings §3.4.4.1): the signature
// covers the octets "SAMLRequest=value&RelayState=value&SigAlg=value" (or SAMLResponse), each
// value exactly as URL-encoded in the query received, RelayState only when present. Same
// algorithm allow-list as dsig.hpp (rsa-sha256/512, ecdsa-sha256/512); ECDSA signature values
// are r || s, as XML Signature defines them. Plain OpenSSL; thread safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "saml/keys.hpp"

namespace gatehouse::saml {

/// A Redirect-binding query taken apart, values still as received where the signature needs them.
struct RedirectQuery {
  std::string parameter;      // "SAMLRequest" or "SAMLResponse"
  std::string message;        // its value, URL-decoded (base64 of raw DEFLATE: see encoding.hpp)
  std::optional<std::string> relay_state;  // URL-decoded
  std::optional<std::string> sig_alg;      // URL-decoded; nullopt for an unsigned message
  std::string signature;      // URL- and base64-decoded bytes ("" when unsigned)
  std::string signed_octets;  // what the signature covers, built from the raw values
};

/// Parses the raw query string (after "?", not decoded). @returns a reason when: it has not
/// exactly one of SAMLRequest and SAMLResponse; any of those, RelayState, SigAlg or Signature
/// appears twice; SigAlg comes without Signature or the reverse; a value is not valid
/// percent-encoding; Signature is not base64; or the query is longer than max_bytes.
/// Other parameters are ignored (the binding allows them; they are not signed).
Result<RedirectQuery, std::string> parse_redirect_query(std::string_view raw_query, std::size_t max_bytes);

/// Verifies `signature` over `signed_octets` with one of `keys`. @returns a reason when sig_alg
/// is not on the allow-list, no key is of its type, or no key verifies the signature.
Result<void, std::string> verify_redirect_signature(std::string_view signed_octets, std::string_view sig_alg,
                                                    std::string_view signature, const std::vector<TrustedKey>& keys);

/// Signs `signed_octets` with signature_algorithm_of(key): the bytes both a Redirect binding's
/// Signature and an XML signature's SignatureValue carry (RSA PKCS#1 v1.5, or ECDSA as the raw
/// r || s of XMLDSig 1.1 §6.4.1), over SHA-256. @returns a reason if OpenSSL fails.
Result<std::string, std::string> signature_value(std::string_view signed_octets, const SigningKey& key);

/// Builds the query for sending a message by HTTP-Redirect: `parameter`=base64(raw DEFLATE(xml)),
/// then RelayState when not empty, then SigAlg and Signature when `key` is given; every value
/// URL-encoded (http::percent_encode). @returns a reason only if signing fails.
Result<std::string, std::string> build_redirect_query(std::string_view parameter, std::string_view xml,
                                                      std::string_view relay_state, const SigningKey* key);

}  // namespace gatehouse::saml
