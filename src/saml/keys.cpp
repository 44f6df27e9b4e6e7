#include "saml/keys.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "saml/encoding.hpp"

namespace gatehouse::saml {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

template <auto FreeFn>
struct Free {
  template <class T>
  void operator()(T* p) const noexcept { FreeFn(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<&X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Free<&X509_NAME_free>>;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* key) { return std::shared_ptr<EVP_PKEY>(key, &EVP_PKEY_free); }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// A short reason from OpenSSL's queue, which is emptied so it cannot leak into a later call.
std::string openssl_reason(std::string_view what) {
  const unsigned long code = ERR_peek_last_error();
  std::string out(what);
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    out += ": ";
    out += text;
  }
  ERR_clear_error();
  return out;
}

// The accepted key types: RSA within size bounds, EC on the three NIST curves XML Signature
// names. @returns the type, or a reason.
Result<KeyType, std::string> classify(EVP_PKEY* key, bool signing) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < kMinRsaBits || bits > kMaxRsaBits) return unexpected("key: RSA of " + std::to_string(bits) + " bits refused");
    return KeyType::kRsa;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char curve[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &len) != 1) {
      return unexpected(openssl_reason("key: EC key without a named curve"));
    }
    const std::string_view name(curve, len);
    if (name == "prime256v1" || (!signing && (name == "secp384r1" || name == "secp521r1"))) return KeyType::kEc;
    return unexpected("key: EC curve " + std::string(name) + " refused");
  }
  return unexpected(std::string("key: only RSA and EC keys are accepted"));
}

Result<X509Ptr, std::string> parse_certificate(std::string_view der) {
  const unsigned char* p = bytes(der);
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return unexpected(openssl_reason("certificate: not DER X.509"));
  if (p != bytes(der) + der.size()) return unexpected(std::string("certificate: bytes after the certificate"));
  return cert;
}

}  // namespace

TrustedKey::TrustedKey(std::shared_ptr<evp_pkey_st> key, KeyType type, std::string certificate)
    : key_(std::move(key)), type_(type), certificate_(std::make_shared<const std::string>(std::move(certificate))) {}

Result<TrustedKey, std::string> TrustedKey::from_certificate_der(std::string_view der) {
  auto cert = parse_certificate(der);
  if (!cert) return unexpected(cert.error());
  EVP_PKEY* key = X509_get_pubkey(cert->get());  // a new reference
  if (key == nullptr) return unexpected(openssl_reason("certificate: no usable public key"));
  auto shared = share(key);
  auto type = classify(key, false);
  if (!type) return unexpected(type.error());
  return TrustedKey(std::move(shared), *type, std::string(der));
}

Result<TrustedKey, std::string> TrustedKey::from_certificate_base64(std::string_view text) {
  auto der = base64_decode(text);
  if (!der || der->empty()) return unexpected(std::string("certificate: invalid base64"));
  return from_certificate_der(*der);
}

Result<TrustedKey, std::string> TrustedKey::from_public_key_der(std::string_view der) {
  const unsigned char* p = bytes(der);
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  if (key == nullptr) return unexpected(openssl_reason("public key: not a DER SubjectPublicKeyInfo"));
  auto shared = share(key);
  if (p != bytes(der) + der.size()) return unexpected(std::string("public key: bytes after the key"));
  auto type = classify(key, false);
  if (!type) return unexpected(type.error());
  return TrustedKey(std::move(shared), *type, std::string());
}

SigningKey::SigningKey(std::shared_ptr<evp_pkey_st> key, KeyType type, std::string certificate)
    : key_(std::move(key)), type_(type), certificate_(std::make_shared<const std::string>(std::move(certificate))) {}

Result<SigningKey, std::string> SigningKey::from_pkcs8(std::string_view private_der, std::string_view certificate_der) {
  const unsigned char* p = bytes(private_der);
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(private_der.size()));
  if (key == nullptr) return unexpected(openssl_reason("signing key: not PKCS#8 DER"));
  auto shared = share(key);
  auto type = classify(key, true);
  if (!type) return unexpected(type.error());
  if (!certificate_der.empty()) {
    auto cert = parse_certificate(certificate_der);
    if (!cert) return unexpected(cert.error());
    if (EVP_PKEY_eq(X509_get0_pubkey(cert->get()), key) != 1) {
      ERR_clear_error();
      return unexpected(std::string("signing key: the certificate carries another key"));
    }
  }
  return SigningKey(std::move(shared), *type, std::string(certificate_der));
}

Result<std::string, std::string> self_signed_certificate(const jose::KeyPair& key_pair, std::string_view common_name,
                                                         std::uint64_t serial,
                                                         std::chrono::system_clock::time_point not_before,
                                                         std::chrono::system_clock::time_point not_after) {
  if (!key_pair.has_private()) return unexpected(std::string("certificate: the key has no private part"));
  auto key = SigningKey::from_pkcs8(key_pair.private_der());
  if (!key) return unexpected(key.error());
  X509Ptr cert(X509_new());
  X509NamePtr name(X509_NAME_new());
  if (!cert || !name) return unexpected(openssl_reason("certificate: out of memory"));
  const std::string cn(common_name);
  const bool ok =
      X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) == 1 &&
      ASN1_TIME_set(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(not_before)) != nullptr &&
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(not_after)) != nullptr &&
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8, bytes(cn), static_cast<int>(cn.size()), -1, 0) == 1 &&
      X509_set_subject_name(cert.get(), name.get()) == 1 && X509_set_issuer_name(cert.get(), name.get()) == 1 &&
      X509_set_pubkey(cert.get(), key->native()) == 1 && X509_sign(cert.get(), key->native(), EVP_sha256()) > 0;
  if (!ok) return unexpected(openssl_reason("certificate: could not be built"));
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) return unexpected(openssl_reason("certificate: could not be encoded"));
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace gatehouse::saml
