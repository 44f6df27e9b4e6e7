#pragma once
// COSE public keys (RFC 9052 §7, RFC 9053 §2 and §7) as WebAuthn credentials carry them, turned
// into OpenSSL keys, and WebAuthn signature verification with them (§6.5.5 and §8). Allow-list:
//   ES256  kty 2 (EC2), crv 1 (P-256), alg -7,   x and y 32 bytes each, the point on the curve;
//          signatures are ASN.1 DER ECDSA-Sig-Value (WebAuthn, unlike JOSE's raw R || S);
//   RS256  kty 3 (RSA), alg -257, n (2048 to 16384 bits, odd) and e (odd, > 1, at most 32 bits);
//          RSASSA-PKCS1-v1_5 with SHA-256;
//   EdDSA  kty 1 (OKP), crv 6 (Ed25519), alg -8, x 32 bytes; raw 64-byte signatures.
// A key carrying a private part (d) is refused. The OpenSSL key is held by an RAII handle from
// jose/openssl/handles.hpp (C9). Thread safety: a CoseKey is immutable; verify() may run on many
// threads at once.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/result.hpp"
#include "jose/openssl/handles.hpp"
#include "webauthn/cbor.hpp"

namespace gatehouse::webauthn {

/// COSE algorithm identifiers (IANA "COSE Algorithms") Gatehouse accepts for credentials.
enum class CoseAlgorithm : std::int64_t { kES256 = -7, kEdDSA = -8, kRS256 = -257 };

/// @returns nullopt for any identifier not on the allow-list.
std::optional<CoseAlgorithm> cose_algorithm(std::int64_t alg);
std::string_view to_string(CoseAlgorithm alg);

enum class CoseKeyError {
  kNotAMap,              // the key is not a CBOR map
  kUnsupportedAlgorithm, // alg absent, or not ES256 / RS256 / EdDSA
  kKeyTypeMismatch,      // kty absent or not the one alg needs
  kUnsupportedCurve,     // crv absent or not P-256 (ES256) / Ed25519 (EdDSA)
  kBadParameter,         // a coordinate, n or e absent, of the wrong type or length
  kPrivateKeyIncluded,   // the private part (d) is present
  kPointNotOnCurve,      // EC2: (x, y) is not a point of P-256
  kRsaKeyTooSmall,       // RSA modulus under 2048 bits
  kRsaBadParameters,     // RSA modulus even or over 16384 bits, exponent even, 1 or over 32 bits
  kCertificateKeyMismatch,  // from_public_key(): the key does not fit the algorithm
};

std::string_view to_string(CoseKeyError error);

class CoseKey {
 public:
  /// Builds the key from a decoded COSE_Key map, checking it against the allow-list above.
  static Result<CoseKey, CoseKeyError> from_cbor(const CborValue& key);
  /// Decodes `cbor` (one strict CBOR item, nothing after it) and builds the key.
  static Result<CoseKey, CoseKeyError> from_bytes(std::string_view cbor);
  /// Takes an OpenSSL public key (an attestation certificate's) to verify signatures of `alg`.
  /// @returns kCertificateKeyMismatch unless the key type fits alg (RSA >= 2048 bits, P-256, Ed25519).
  static Result<CoseKey, CoseKeyError> from_public_key(CoseAlgorithm alg, jose::openssl::EvpPkeyPtr key);

  CoseAlgorithm algorithm() const { return alg_; }
  const EVP_PKEY* pkey() const { return key_.get(); }

 private:
  CoseKey(CoseAlgorithm alg, jose::openssl::EvpPkeyPtr key) : alg_(alg), key_(std::move(key)) {}
  CoseAlgorithm alg_;
  jose::openssl::EvpPkeyPtr key_;
};

/// @returns true only if `signature` (in WebAuthn's encoding for the key's algorithm, see above)
/// is a valid signature of `data` under `key`. Never throws for bad input; @throws CryptoError only
/// if OpenSSL cannot set up the operation (allocation failure).
bool verify(const CoseKey& key, std::string_view data, std::string_view signature);

}  // namespace gatehouse::webauthn
