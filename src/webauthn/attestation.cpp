#include "webauthn/attestation.hpp"

#include <algorithm>
#include <string>

#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "jose/openssl/handles.hpp"

namespace gatehouse::webauthn {

namespace {

namespace ossl = jose::openssl;
using X509Ptr = std::unique_ptr<X509, ossl::Free<&X509_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, ossl::Free<&ASN1_OBJECT_free>>;

// id-fido-gen-ce-aaguid (§8.2.1): the certificate extension naming the authenticator model.
constexpr const char* kAaguidExtensionOid = "1.3.6.1.4.1.45724.1.1.4";

Unexpected<CeremonyError> fail(CeremonyErrorCode code, std::string message, std::string detail = {}) {
  return unexpected(CeremonyError{code, std::move(message), std::move(detail)});
}

// A received text for a log line: at most 32 characters, control characters replaced.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 32));
  std::replace_if(out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }, '?');
  return out;
}

Unexpected<CeremonyError> bad_statement(std::string message) {
  return fail(CeremonyErrorCode::kAttestationStatementInvalid, std::move(message));
}

// §8.2.1: "If attestnCert contains an extension with OID 1.3.6.1.4.1.45724.1.1.4 ... verify that
// the value of this extension matches the aaguid in authenticatorData" (and it is not critical).
bool aaguid_extension_matches(const X509* cert, const std::array<std::uint8_t, kAaguidSize>& aaguid) {
  const Asn1ObjectPtr oid(OBJ_txt2obj(kAaguidExtensionOid, 1));
  if (!oid) return false;
  const int index = X509_get_ext_by_OBJ(cert, oid.get(), -1);
  if (index < 0) return true;  // absent: nothing to compare
  const X509_EXTENSION* ext = X509_get_ext(cert, index);
  if (ext == nullptr || X509_EXTENSION_get_critical(ext) != 0) return false;
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(const_cast<X509_EXTENSION*>(ext));
  // extnValue holds the DER of an OCTET STRING of 16 bytes: 04 10 <aaguid>.
  if (value == nullptr || ASN1_STRING_length(value) != 2 + static_cast<int>(kAaguidSize)) return false;
  const unsigned char* p = ASN1_STRING_get0_data(value);
  return p[0] == 0x04 && p[1] == kAaguidSize && std::equal(aaguid.begin(), aaguid.end(), p + 2);
}

// The leaf certificate's key, after the §8.2.1 checks that need no trust policy.
Result<CoseKey, CeremonyError> leaf_key(const CborBytes& der, CoseAlgorithm alg, const AuthenticatorData& auth) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) {
    ossl::clear_errors();
    return bad_statement("packed attestation certificate is not a DER X.509 certificate");
  }
  if (X509_get_version(cert.get()) != X509_VERSION_3) return bad_statement("packed attestation certificate is not X.509 v3");
  if (X509_check_ca(cert.get()) != 0) return bad_statement("packed attestation certificate is a CA certificate");
  if (!auth.attested || !aaguid_extension_matches(cert.get(), auth.attested->aaguid)) {
    return bad_statement("packed attestation certificate's AAGUID extension does not match the authenticator data");
  }
  ossl::EvpPkeyPtr pkey(X509_get_pubkey(cert.get()));
  if (!pkey) {
    ossl::clear_errors();
    return bad_statement("packed attestation certificate has no usable public key");
  }
  auto key = CoseKey::from_public_key(alg, std::move(pkey));
  if (!key) {
    return fail(CeremonyErrorCode::kAttestationAlgorithmMismatch,
                "packed attestation alg does not fit the attestation certificate's key");
  }
  return std::move(*key);
}

Result<void, CeremonyError> verify_packed(const AttestationObject& object, std::string_view client_data_hash,
                                          const CoseKey& credential_key) {
  const CborValue& stmt = object.statement;
  const CborValue* alg_value = stmt.get("alg");
  const CborValue* sig = stmt.get("sig");
  const CborValue* x5c = stmt.get("x5c");
  if (alg_value == nullptr || alg_value->as_integer() == nullptr || sig == nullptr || sig->as_bytes() == nullptr) {
    return bad_statement("packed attestation statement lacks alg (integer) or sig (bytes)");
  }
  if (stmt.as_map()->size() != (x5c != nullptr ? 3U : 2U)) {
    return bad_statement("packed attestation statement has members other than alg, sig and x5c (ECDAA is not supported)");
  }
  const std::string signed_data = object.auth_data + std::string(client_data_hash);
  const std::string signature(sig->as_bytes()->begin(), sig->as_bytes()->end());
  const std::optional<CoseAlgorithm> alg = cose_algorithm(*alg_value->as_integer());
  if (x5c == nullptr) {  // self attestation: the credential key signs, with its own algorithm
    if (!alg || *alg != credential_key.algorithm()) {
      return fail(CeremonyErrorCode::kAttestationAlgorithmMismatch,
                  "packed self attestation alg differs from the credential key's algorithm",
                  "alg=" + std::to_string(*alg_value->as_integer()));
    }
    if (!verify(credential_key, signed_data, signature)) {
      return fail(CeremonyErrorCode::kAttestationSignatureInvalid, "packed self attestation signature is invalid");
    }
    return {};
  }
  const CborArray* chain = x5c->as_array();
  if (chain == nullptr || chain->empty() ||
      !std::all_of(chain->begin(), chain->end(), [](const CborValue& c) { return c.as_bytes() != nullptr; })) {
    return bad_statement("packed attestation x5c is not a non-empty array of certificates");
  }
  if (!alg) {
    return fail(CeremonyErrorCode::kAttestationAlgorithmMismatch, "packed attestation alg is not ES256, RS256 or EdDSA",
                "alg=" + std::to_string(*alg_value->as_integer()));
  }
  auto key = leaf_key(*chain->front().as_bytes(), *alg, object.parsed);
  if (!key) return unexpected(std::move(key.error()));
  if (!verify(*key, signed_data, signature)) {
    return fail(CeremonyErrorCode::kAttestationSignatureInvalid, "packed attestation signature is invalid");
  }
  return {};
}

}  // namespace

Result<void, CeremonyError> verify_attestation_statement(const AttestationObject& object,
                                                         std::string_view client_data_hash,
                                                         const CoseKey& credential_key) {
  if (object.format == "none") {
    if (!object.statement.as_map()->empty()) return bad_statement("attestation format \"none\" needs an empty attStmt");
    return {};
  }
  if (object.format == "packed") return verify_packed(object, client_data_hash, credential_key);
  return fail(CeremonyErrorCode::kUnsupportedAttestationFormat,
              "this site accepts only the attestation formats \"none\" and \"packed\"",
              "fmt=" + printable(object.format));
}

}  // namespace gatehouse::webauthn
