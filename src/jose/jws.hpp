#pragma once
// JSON Web Signature in compact serialization (RFC 7515) with an allow-list of algorithms (C9):
// RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RSA-2048) and ES256 (ECDSA P-256 with SHA-256, RFC 7518
// §3.4 raw R||S signature). "none" has no enumerator and is always rejected.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "core/result.hpp"

namespace gatehouse::jose {

enum class Algorithm { kRS256, kES256 };

std::string_view to_string(Algorithm alg);
/// @returns nullopt for anything not on the allow-list (including "none" and lower-case names).
std::optional<Algorithm> algorithm_from_string(std::string_view name);

/// An asymmetric key pair (or a public key alone) for one algorithm. Immutable after construction;
/// sign() and verify() may be called from many threads at once.
class KeyPair {
 public:
  /// Generates RSA-2048 for RS256, P-256 for ES256. Slow for RSA: call off the I/O threads.
  static KeyPair generate(Algorithm alg);
  /// Loads a PKCS#8 DER private key. @throws CryptoError if it does not parse or does not match alg.
  static KeyPair from_private_der(Algorithm alg, std::string_view der);
  /// Loads a public key from a JWK object (kty RSA with n,e or kty EC/P-256 with x,y).
  /// @throws CryptoError if the members are missing or invalid.
  static KeyPair from_public_jwk(Algorithm alg, const boost::json::object& jwk);

  KeyPair(KeyPair&&) noexcept;
  KeyPair& operator=(KeyPair&&) noexcept;
  ~KeyPair();

  Algorithm algorithm() const { return alg_; }
  bool has_private() const { return has_private_; }
  /// PKCS#8 DER of the private key. @throws CryptoError if this is a public key only.
  std::string private_der() const;
  /// The public members only: {"kty","n","e"} or {"kty","crv","x","y"} (RFC 7517/7518 §6).
  boost::json::object public_jwk() const;
  /// JWK SHA-256 thumbprint (RFC 7638), base64url: used as the kid.
  std::string thumbprint() const;

  /// @returns the JWS signature bytes over signing_input. @throws CryptoError.
  std::string sign(std::string_view signing_input) const;
  /// @returns true only for a valid signature of this key's algorithm.
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  struct Impl;
  KeyPair(Algorithm alg, std::unique_ptr<Impl> impl, bool has_private);
  Algorithm alg_;
  std::unique_ptr<Impl> impl_;
  bool has_private_ = false;
};

/// Builds a compact JWS: header {"alg","typ","kid"} (typ omitted when empty) and the payload as given.
std::string jws_sign(const KeyPair& key, std::string_view kid, std::string_view typ,
                     std::string_view payload_json);

struct VerifiedJws {
  boost::json::object header;
  std::string payload;  // the decoded payload bytes (JSON text for a JWT)
};

/// Finds the key for a kid and the algorithm named in the header; nullptr when there is none.
using KeyLookup = std::function<const KeyPair*(std::string_view kid, Algorithm alg)>;

/// Verifies a compact JWS: exactly three base64url parts, a JSON object header whose alg is on the
/// allow-list and equals the key's algorithm, no "crit", and a valid signature.
/// @returns the header and payload, or a short reason (for logs; never shown to clients verbatim).
Result<VerifiedJws, std::string> jws_verify(std::string_view compact, const KeyLookup& lookup);

}  // namespace gatehouse::jose
