#pragma once
// The keys of SAML signatures: the public keys trusted to verify a partner's messages (from the
// X.509 certificates or public keys in its metadata, never from the message itself), the IdP's
// own signing key, and the self-signed certificate the IdP's metadata publishes for it.
//
// Both key types are immutable after construction, cheap to copy (shared ownership) and may be
// used from many threads at once.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "jose/jws.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace gatehouse::saml {

enum class KeyType { kRsa, kEc };

/// A public key trusted for verification. RSA of 2048 to 16384 bits or EC on P-256, P-384 or P-521.
/// No certificate path or validity dates are checked: as with metadata in SAML generally, the
/// key is trusted because the operator registered it, and a certificate is only its carrier.
class TrustedKey {
 public:
  /// From an X.509 certificate in DER. @returns a reason if it does not parse (trailing bytes
  /// included) or its key is not of an accepted type and size.
  static Result<TrustedKey, std::string> from_certificate_der(std::string_view der);
  /// From the base64 text of a ds:X509Certificate (whitespace and line breaks allowed, as in
  /// metadata). Same failures, plus invalid base64.
  static Result<TrustedKey, std::string> from_certificate_base64(std::string_view text);
  /// From a DER SubjectPublicKeyInfo. Same failures.
  static Result<TrustedKey, std::string> from_public_key_der(std::string_view der);

  KeyType type() const { return type_; }
  /// The certificate's DER, or "" for a key given without one.
  const std::string& certificate_der() const { return *certificate_; }
  /// The OpenSSL key, for saml/'s own use; owned by this object.
  evp_pkey_st* native() const { return key_.get(); }

 private:
  TrustedKey(std::shared_ptr<evp_pkey_st> key, KeyType type, std::string certificate);
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_;
  std::shared_ptr<const std::string> certificate_;
};

/// The IdP's private signing key: RSA (2048 bits or more; signs rsa-sha256) or EC P-256 (signs
/// ecdsa-sha256), with an optional certificate published in KeyInfo.
class SigningKey {
 public:
  /// From PKCS#8 DER (jose::KeyPair::private_der()) and, optionally, the key's certificate DER.
  /// @returns a reason if the key does not parse or is not of an accepted type, or the
  /// certificate does not parse or carries another key.
  static Result<SigningKey, std::string> from_pkcs8(std::string_view private_der,
                                                    std::string_view certificate_der = {});

  KeyType type() const { return type_; }
  const std::string& certificate_der() const { return *certificate_; }
  evp_pkey_st* native() const { return key_.get(); }

 private:
  SigningKey(std::shared_ptr<evp_pkey_st> key, KeyType type, std::string certificate);
  std::shared_ptr<evp_pkey_st> key_;
  KeyType type_;
  std::shared_ptr<const std::string> certificate_;
};

/// A self-signed X.509 v3 certificate (DER) for `key`'s public key, signed with SHA-256:
/// subject and issuer CN=common_name, the given serial and validity. With an RSA key the result
/// is the same bytes for the same inputs (PKCS#1 v1.5 signatures are deterministic); ECDSA
/// signatures are not. @returns a reason if the key has no private part or OpenSSL fails.
Result<std::string, std::string> self_signed_certificate(const jose::KeyPair& key, std::string_view common_name,
                                                         std::uint64_t serial,
                                                         std::chrono::system_clock::time_point not_before,
                                                         std::chrono::system_clock::time_point not_after);

}  // namespace gatehouse::saml
