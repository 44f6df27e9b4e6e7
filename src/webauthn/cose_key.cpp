#include "webauthn/cose_key.hpp"

#include <string>

#include <openssl/core_names.h>

#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::webauthn {

namespace {

namespace ossl = jose::openssl;

// COSE key labels (RFC 9052 §7.1, RFC 9053 §7.1/§7.2, RFC 8230 §4).
constexpr std::int64_t kLabelKty = 1;
constexpr std::int64_t kLabelAlg = 3;
constexpr std::int64_t kLabelCrv = -1;       // EC2, OKP
constexpr std::int64_t kLabelX = -2;         // EC2, OKP
constexpr std::int64_t kLabelY = -3;         // EC2
constexpr std::int64_t kLabelEcD = -4;       // EC2, OKP private key
constexpr std::int64_t kLabelRsaN = -1;
constexpr std::int64_t kLabelRsaE = -2;
constexpr std::int64_t kLabelRsaD = -3;
constexpr std::int64_t kKtyOkp = 1;
constexpr std::int64_t kKtyEc2 = 2;
constexpr std::int64_t kKtyRsa = 3;
constexpr std::int64_t kCrvP256 = 1;
constexpr std::int64_t kCrvEd25519 = 6;
constexpr std::size_t kP256CoordinateSize = 32;
constexpr std::size_t kEd25519KeySize = 32;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr int kMaxRsaExponentBits = 32;

using KeyResult = Result<CoseKey, CoseKeyError>;

const unsigned char* uchars(const CborBytes& b) { return b.data(); }

std::optional<std::int64_t> int_member(const CborValue& key, std::int64_t label) {
  const CborValue* v = key.get(label);
  if (v == nullptr || v->as_integer() == nullptr) return std::nullopt;
  return *v->as_integer();
}

const CborBytes* bytes_member(const CborValue& key, std::int64_t label) {
  const CborValue* v = key.get(label);
  return v != nullptr ? v->as_bytes() : nullptr;
}

// Builds a public key from OSSL parameters; nullptr when OpenSSL refuses them.
ossl::EvpPkeyPtr pkey_from_params(const char* type, OSSL_PARAM_BLD* builder) {
  const ossl::ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  if (!params) ossl::throw_crypto_error("OSSL_PARAM_BLD_to_param");
  const ossl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) ossl::throw_crypto_error("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ossl::clear_errors();
    return nullptr;
  }
  return ossl::EvpPkeyPtr(raw);
}

KeyResult ec2_key(const CborValue& key, CoseAlgorithm alg) {
  if (int_member(key, kLabelKty) != kKtyEc2) return unexpected(CoseKeyError::kKeyTypeMismatch);
  if (int_member(key, kLabelCrv) != kCrvP256) return unexpected(CoseKeyError::kUnsupportedCurve);
  if (key.get(kLabelEcD) != nullptr) return unexpected(CoseKeyError::kPrivateKeyIncluded);
  const CborBytes* x = bytes_member(key, kLabelX);
  const CborBytes* y = bytes_member(key, kLabelY);  // a compressed point (y a bool) is refused
  if (x == nullptr || y == nullptr || x->size() != kP256CoordinateSize || y->size() != kP256CoordinateSize) {
    return unexpected(CoseKeyError::kBadParameter);
  }
  std::string point;  // SEC 1 §2.3.3 uncompressed: 0x04 || X || Y
  point.reserve(1 + 2 * kP256CoordinateSize);
  point += '\x04';
  point.append(reinterpret_cast<const char*>(x->data()), x->size());
  point.append(reinterpret_cast<const char*>(y->data()), y->size());
  const ossl::ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    ossl::throw_crypto_error("OSSL_PARAM_BLD_push");
  }
  ossl::EvpPkeyPtr pkey = pkey_from_params("EC", builder.get());
  if (!pkey) return unexpected(CoseKeyError::kPointNotOnCurve);
  // Invalid-curve attacks: check explicitly that the point is on P-256 and not at infinity, whatever
  // the decoder above already did. The quick check skips the multiplication by the order, needless
  // for a curve of cofactor 1 and a sizeable share of an assertion (the stored key is parsed each time).
  const ossl::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check) ossl::throw_crypto_error("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check_quick(check.get()) != 1) {
    ossl::clear_errors();
    return unexpected(CoseKeyError::kPointNotOnCurve);
  }
  return CoseKey::from_public_key(alg, std::move(pkey));
}

KeyResult rsa_key(const CborValue& key, CoseAlgorithm alg) {
  if (int_member(key, kLabelKty) != kKtyRsa) return unexpected(CoseKeyError::kKeyTypeMismatch);
  if (key.get(kLabelRsaD) != nullptr) return unexpected(CoseKeyError::kPrivateKeyIncluded);
  const CborBytes* n = bytes_member(key, kLabelRsaN);
  const CborBytes* e = bytes_member(key, kLabelRsaE);
  if (n == nullptr || e == nullptr || n->empty() || e->empty()) return unexpected(CoseKeyError::kBadParameter);
  if (n->size() > kMaxRsaBits / 8 + 1 || e->size() > 8) return unexpected(CoseKeyError::kRsaBadParameters);
  const ossl::BignumPtr bn_n(BN_bin2bn(uchars(*n), static_cast<int>(n->size()), nullptr));
  const ossl::BignumPtr bn_e(BN_bin2bn(uchars(*e), static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) ossl::throw_crypto_error("BN_bin2bn");
  if (BN_num_bits(bn_n.get()) < kMinRsaBits) return unexpected(CoseKeyError::kRsaKeyTooSmall);
  // EVP_PKEY_fromdata does not validate RSA public values; refuse what could never verify.
  if (!BN_is_odd(bn_n.get()) || BN_num_bits(bn_n.get()) > kMaxRsaBits || !BN_is_odd(bn_e.get()) ||
      BN_is_one(bn_e.get()) || BN_num_bits(bn_e.get()) > kMaxRsaExponentBits) {
    return unexpected(CoseKeyError::kRsaBadParameters);
  }
  const ossl::ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    ossl::throw_crypto_error("OSSL_PARAM_BLD_push_BN");
  }
  ossl::EvpPkeyPtr pkey = pkey_from_params("RSA", builder.get());
  if (!pkey) return unexpected(CoseKeyError::kRsaBadParameters);
  return CoseKey::from_public_key(alg, std::move(pkey));
}

KeyResult okp_key(const CborValue& key, CoseAlgorithm alg) {
  if (int_member(key, kLabelKty) != kKtyOkp) return unexpected(CoseKeyError::kKeyTypeMismatch);
  if (int_member(key, kLabelCrv) != kCrvEd25519) return unexpected(CoseKeyError::kUnsupportedCurve);
  if (key.get(kLabelEcD) != nullptr) return unexpected(CoseKeyError::kPrivateKeyIncluded);
  const CborBytes* x = bytes_member(key, kLabelX);
  if (x == nullptr || x->size() != kEd25519KeySize) return unexpected(CoseKeyError::kBadParameter);
  ossl::EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, x->data(), x->size()));
  if (!pkey) {
    ossl::clear_errors();
    return unexpected(CoseKeyError::kBadParameter);
  }
  return CoseKey::from_public_key(alg, std::move(pkey));
}

bool is_p256(const EVP_PKEY* pkey) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
    ossl::clear_errors();
    return false;
  }
  const std::string_view group(name, len);
  return group == "prime256v1" || group == "P-256" || group == "secp256r1";
}

}  // namespace

std::optional<CoseAlgorithm> cose_algorithm(std::int64_t alg) {
  switch (alg) {
    case static_cast<std::int64_t>(CoseAlgorithm::kES256):
      return CoseAlgorithm::kES256;
    case static_cast<std::int64_t>(CoseAlgorithm::kRS256):
      return CoseAlgorithm::kRS256;
    case static_cast<std::int64_t>(CoseAlgorithm::kEdDSA):
      return CoseAlgorithm::kEdDSA;
    default:
      return std::nullopt;
  }
}

std::string_view to_string(CoseAlgorithm alg) {
  switch (alg) {
    case CoseAlgorithm::kES256:
      return "ES256";
    case CoseAlgorithm::kRS256:
      return "RS256";
    case CoseAlgorithm::kEdDSA:
      return "EdDSA";
  }
  return "unknown";
}

std::string_view to_string(CoseKeyError error) {
  switch (error) {
    case CoseKeyError::kNotAMap:
      return "credential public key is not a COSE_Key map";
    case CoseKeyError::kUnsupportedAlgorithm:
      return "credential public key algorithm is not ES256, RS256 or EdDSA";
    case CoseKeyError::kKeyTypeMismatch:
      return "credential public key type (kty) does not match its algorithm";
    case CoseKeyError::kUnsupportedCurve:
      return "credential public key curve is not P-256 (ES256) or Ed25519 (EdDSA)";
    case CoseKeyError::kBadParameter:
      return "credential public key parameter missing or of the wrong size";
    case CoseKeyError::kPrivateKeyIncluded:
      return "credential public key includes a private key";
    case CoseKeyError::kPointNotOnCurve:
      return "credential public key point is not on the P-256 curve";
    case CoseKeyError::kRsaKeyTooSmall:
      return "credential RSA key is smaller than 2048 bits";
    case CoseKeyError::kRsaBadParameters:
      return "credential RSA key parameters are invalid";
    case CoseKeyError::kCertificateKeyMismatch:
      return "key type does not fit the signature algorithm";
  }
  return "credential public key invalid";
}

Result<CoseKey, CoseKeyError> CoseKey::from_cbor(const CborValue& key) {
  if (key.as_map() == nullptr) return unexpected(CoseKeyError::kNotAMap);
  const std::optional<std::int64_t> alg_id = int_member(key, kLabelAlg);
  const std::optional<CoseAlgorithm> alg = alg_id ? cose_algorithm(*alg_id) : std::nullopt;
  if (!alg) return unexpected(CoseKeyError::kUnsupportedAlgorithm);
  switch (*alg) {
    case CoseAlgorithm::kES256:
      return ec2_key(key, *alg);
    case CoseAlgorithm::kRS256:
      return rsa_key(key, *alg);
    case CoseAlgorithm::kEdDSA:
      return okp_key(key, *alg);
  }
  return unexpected(CoseKeyError::kUnsupportedAlgorithm);
}

Result<CoseKey, CoseKeyError> CoseKey::from_bytes(std::string_view cbor) {
  auto decoded = cbor_decode({reinterpret_cast<const std::uint8_t*>(cbor.data()), cbor.size()});
  if (!decoded) return unexpected(CoseKeyError::kNotAMap);
  return from_cbor(*decoded);
}

Result<CoseKey, CoseKeyError> CoseKey::from_public_key(CoseAlgorithm alg, jose::openssl::EvpPkeyPtr key) {
  bool fits = false;
  switch (alg) {
    case CoseAlgorithm::kES256:
      fits = EVP_PKEY_is_a(key.get(), "EC") == 1 && is_p256(key.get());
      break;
    case CoseAlgorithm::kRS256:
      // EVP_PKEY_is_a("RSA") is false for RSA-PSS keys, which must not verify PKCS#1 v1.5.
      fits = EVP_PKEY_is_a(key.get(), "RSA") == 1 && EVP_PKEY_get_bits(key.get()) >= kMinRsaBits &&
             EVP_PKEY_get_bits(key.get()) <= kMaxRsaBits;
      break;
    case CoseAlgorithm::kEdDSA:
      fits = EVP_PKEY_is_a(key.get(), "ED25519") == 1;
      break;
  }
  if (!fits) return unexpected(CoseKeyError::kCertificateKeyMismatch);
  return CoseKey(alg, std::move(key));
}

bool verify(const CoseKey& key, std::string_view data, std::string_view signature) {
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) ossl::throw_crypto_error("EVP_MD_CTX_new");
  // EdDSA hashes internally (one-shot, no digest); the others sign SHA-256. RSA defaults to
  // PKCS#1 v1.5 padding; OpenSSL's ECDSA verify refuses DER that is not in its strict form.
  const EVP_MD* md = key.algorithm() == CoseAlgorithm::kEdDSA ? nullptr : ossl::sha256_md();
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, const_cast<EVP_PKEY*>(key.pkey())) != 1) {
    ossl::throw_crypto_error("EVP_DigestVerifyInit");
  }
  const int ok = EVP_DigestVerify(ctx.get(), ossl::bytes(signature), signature.size(), ossl::bytes(data), data.size());
  if (ok != 1) ossl::clear_errors();
  return ok == 1;
}

}  // namespace gatehouse::webauthn
