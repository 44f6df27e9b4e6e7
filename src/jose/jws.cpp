#include "jose/jws.hpp"

#include <array>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "core/base64url.hpp"
#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"
#include "jose/openssl/handles.hpp"

namespace gatehouse::jose {
namespace {

using openssl::bytes;
using openssl::throw_crypto_error;

constexpr std::size_t kSha256Size = 32;
constexpr std::size_t kP256CoordinateSize = 32;
constexpr std::size_t kEs256SignatureSize = 2 * kP256CoordinateSize;  // RFC 7518 §3.4: R || S
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;    // OpenSSL's own limit; bounds the cost of a hostile JWK
constexpr int kMaxRsaExponentBits = 32;  // 65537 in practice; a huge e makes verify expensive
constexpr std::size_t kMaxPooledContexts = 64;

using Sha256Digest = std::array<unsigned char, kSha256Size>;

Sha256Digest digest_of(std::string_view data) {
  Sha256Digest out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, openssl::sha256_md(), nullptr) != 1 ||
      len != kSha256Size) {
    throw_crypto_error("EVP_Digest(SHA256)");
  }
  return out;
}

enum class Operation { kSign, kVerify };

// A context ready for EVP_PKEY_sign / EVP_PKEY_verify over a SHA-256 digest. RSA: PKCS#1 v1.5
// padding with the SHA-256 DigestInfo, i.e. RSASSA-PKCS1-v1_5 (RFC 8017 §8.2). EC: ECDSA.
openssl::EvpPkeyCtxPtr new_operation_ctx(EVP_PKEY* pkey, Algorithm alg, Operation op) {
  openssl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) throw_crypto_error("EVP_PKEY_CTX_new_from_pkey");
  const int init = op == Operation::kSign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get());
  if (init != 1) throw_crypto_error("EVP_PKEY_sign_init/verify_init");
  if (alg == Algorithm::kRS256 && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    throw_crypto_error("EVP_PKEY_CTX_set_rsa_padding");
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), openssl::sha256_md()) != 1) {
    throw_crypto_error("EVP_PKEY_CTX_set_signature_md");
  }
  return ctx;
}

// Initialised operation contexts for one key. Creating one costs an algorithm fetch and provider
// set-up per call (several microseconds on OpenSSL 3.0, a sizeable share of an ES256 signature),
// while an EVP_PKEY_CTX may be reused for any number of operations but by one thread at a time.
// So each thread borrows one, and returns it when the operation succeeded or merely rejected.
class OperationCtxPool {
 public:
  explicit OperationCtxPool(Operation op) : op_(op) { free_.reserve(kMaxPooledContexts); }

  openssl::EvpPkeyCtxPtr acquire(EVP_PKEY* pkey, Algorithm alg) {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        openssl::EvpPkeyCtxPtr ctx = std::move(free_.back());
        free_.pop_back();
        return ctx;
      }
    }
    return new_operation_ctx(pkey, alg, op_);
  }

  void release(openssl::EvpPkeyCtxPtr ctx) noexcept {
    std::lock_guard lock(mutex_);
    if (free_.size() < kMaxPooledContexts) free_.push_back(std::move(ctx));  // reserved: no throw
  }

 private:
  Operation op_;
  std::mutex mutex_;
  std::vector<openssl::EvpPkeyCtxPtr> free_;
};

std::string bn_to_bytes(const BIGNUM* bn, std::size_t width) {
  const auto size = static_cast<std::size_t>(BN_num_bytes(bn));
  if (width == 0) width = size;
  if (size > width) throw CryptoError("big number wider than its field");
  std::string out(width, '\0');
  if (BN_bn2binpad(bn, bytes(out), static_cast<int>(width)) != static_cast<int>(width)) {
    throw_crypto_error("BN_bn2binpad");
  }
  return out;
}

// width 0: minimal big-endian encoding (RSA n, e); otherwise left-padded (EC coordinates).
std::string bn_param(const EVP_PKEY* pkey, const char* name, std::size_t width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) throw_crypto_error("EVP_PKEY_get_bn_param");
  const openssl::BignumPtr bn(raw);
  return bn_to_bytes(bn.get(), width);
}

bool is_p256(const EVP_PKEY* pkey) {
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(pkey, name, sizeof name, &len) != 1) {
    openssl::clear_errors();
    return false;
  }
  const std::string_view group(name, len);
  return group == "prime256v1" || group == "P-256" || group == "secp256r1";
}

void check_key_fits(const EVP_PKEY* pkey, Algorithm alg) {
  switch (alg) {
    case Algorithm::kRS256:
      // EVP_PKEY_is_a("RSA") is false for RSA-PSS keys, which must not sign PKCS#1 v1.5.
      if (EVP_PKEY_is_a(pkey, "RSA") != 1) throw CryptoError("RS256 needs an RSA key");
      if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) throw CryptoError("RS256 needs an RSA key of at least 2048 bits");
      if (EVP_PKEY_get_bits(pkey) > kMaxRsaBits) throw CryptoError("RSA key larger than 16384 bits");
      return;
    case Algorithm::kES256:
      if (EVP_PKEY_is_a(pkey, "EC") != 1 || !is_p256(pkey)) throw CryptoError("ES256 needs a P-256 EC key");
      return;
  }
  throw CryptoError("unknown algorithm");
}

openssl::EvpPkeyPtr pkey_from_params(const char* key_type, OSSL_PARAM_BLD* builder) {
  const openssl::ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  if (!params) throw_crypto_error("OSSL_PARAM_BLD_to_param");
  const openssl::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, key_type, nullptr));
  if (!ctx) throw_crypto_error("EVP_PKEY_CTX_new_from_name");
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1) throw_crypto_error("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw_crypto_error("JWK: not a valid public key");
  }
  return openssl::EvpPkeyPtr(raw);
}

std::string_view string_member(const boost::json::object& jwk, std::string_view name) {
  const boost::json::value* v = jwk.if_contains(name);
  const boost::json::string* s = v != nullptr ? v->if_string() : nullptr;
  if (s == nullptr) throw CryptoError("JWK: member \"" + std::string(name) + "\" missing or not a string");
  return {s->data(), s->size()};
}

std::string decoded_member(const boost::json::object& jwk, std::string_view name) {
  std::optional<std::string> decoded = base64url_decode(string_member(jwk, name));
  if (!decoded || decoded->empty()) {
    throw CryptoError("JWK: member \"" + std::string(name) + "\" is not non-empty base64url");
  }
  return std::move(*decoded);
}

openssl::EvpPkeyPtr rsa_from_jwk(const boost::json::object& jwk) {
  if (string_member(jwk, "kty") != "RSA") throw CryptoError("JWK: RS256 needs kty \"RSA\"");
  const std::string n = decoded_member(jwk, "n");
  const std::string e = decoded_member(jwk, "e");
  if (n.size() > kMaxRsaBits / 8 + 1 || e.size() > 8) throw CryptoError("JWK: RSA member too large");
  const openssl::BignumPtr bn_n(BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr));
  const openssl::BignumPtr bn_e(BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr));
  if (!bn_n || !bn_e) throw_crypto_error("BN_bin2bn");
  // EVP_PKEY_fromdata does not validate RSA public values; these cheap checks reject keys that
  // could never verify anything (full SP 800-56B validation would cost a primality test).
  if (!BN_is_odd(bn_n.get()) || BN_num_bits(bn_n.get()) < kMinRsaBits || BN_num_bits(bn_n.get()) > kMaxRsaBits) {
    throw CryptoError("JWK: RSA modulus must be odd and 2048 to 16384 bits");
  }
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()) || BN_num_bits(bn_e.get()) > kMaxRsaExponentBits) {
    throw CryptoError("JWK: RSA exponent must be odd, > 1 and at most 32 bits");
  }
  const openssl::ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    throw_crypto_error("OSSL_PARAM_BLD_push_BN");
  }
  return pkey_from_params("RSA", builder.get());
}

openssl::EvpPkeyPtr ec_from_jwk(const boost::json::object& jwk) {
  if (string_member(jwk, "kty") != "EC") throw CryptoError("JWK: ES256 needs kty \"EC\"");
  if (string_member(jwk, "crv") != "P-256") throw CryptoError("JWK: ES256 needs crv \"P-256\"");
  const std::string x = decoded_member(jwk, "x");
  const std::string y = decoded_member(jwk, "y");
  // RFC 7518 §6.2.1.2/3: each coordinate is the full field size, 32 bytes for P-256.
  if (x.size() != kP256CoordinateSize || y.size() != kP256CoordinateSize) {
    throw CryptoError("JWK: P-256 coordinates must be 32 bytes each");
  }
  std::string point;  // SEC 1 §2.3.3 uncompressed: 0x04 || X || Y
  point.reserve(1 + 2 * kP256CoordinateSize);
  point += '\x04';
  point += x;
  point += y;
  const openssl::ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    throw_crypto_error("OSSL_PARAM_BLD_push");
  }
  openssl::EvpPkeyPtr pkey = pkey_from_params("EC", builder.get());
  // Invalid-curve attacks: make sure the point is on P-256 and not the point at infinity, whether
  // or not this OpenSSL build already checked it while decoding.
  const openssl::EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check) throw_crypto_error("EVP_PKEY_CTX_new_from_pkey");
  if (EVP_PKEY_public_check(check.get()) != 1) throw_crypto_error("JWK: point is not on P-256");
  return pkey;
}

const char* key_type_name(Algorithm alg) { return alg == Algorithm::kRS256 ? "RSA" : "EC"; }

// DER ECDSA-Sig-Value (what OpenSSL produces) -> fixed-width R || S (RFC 7518 §3.4).
std::string ecdsa_der_to_raw(const unsigned char* der, std::size_t size) {
  const unsigned char* p = der;
  const openssl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size)));
  if (!sig) throw_crypto_error("d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw = bn_to_bytes(r, kP256CoordinateSize);
  raw += bn_to_bytes(s, kP256CoordinateSize);
  return raw;
}

// R || S -> DER. @returns an empty string if OpenSSL cannot build it (only on allocation failure).
std::string ecdsa_raw_to_der(std::string_view raw) {
  openssl::BignumPtr r(BN_bin2bn(bytes(raw), kP256CoordinateSize, nullptr));
  openssl::BignumPtr s(BN_bin2bn(bytes(raw) + kP256CoordinateSize, kP256CoordinateSize, nullptr));
  openssl::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return {};
  r.release();  // now owned by sig
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<std::size_t>(len), '\0');
  unsigned char* out = bytes(der);
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return {};
  return der;
}

}  // namespace

std::string_view to_string(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRS256:
      return "RS256";
    case Algorithm::kES256:
      return "ES256";
  }
  return "";
}

std::optional<Algorithm> algorithm_from_string(std::string_view name) {
  if (name == "RS256") return Algorithm::kRS256;
  if (name == "ES256") return Algorithm::kES256;
  return std::nullopt;
}

// Immutable once built: everything but the context pools is read-only, and the pools lock.
struct KeyPair::Impl {
  // Validates pkey against alg and precomputes everything the KeyPair serves later.
  Impl(Algorithm alg, openssl::EvpPkeyPtr key) {
    check_key_fits(key.get(), alg);
    const int max_size = EVP_PKEY_get_size(key.get());
    if (max_size <= 0) throw_crypto_error("EVP_PKEY_get_size");
    max_signature_size = static_cast<std::size_t>(max_size);
    std::string canonical;  // RFC 7638 §3.2: required members only, sorted, no whitespace
    if (alg == Algorithm::kRS256) {
      jwk_first = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, 0));
      jwk_second = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, 0));
      canonical = R"({"e":")" + jwk_second + R"(","kty":"RSA","n":")" + jwk_first + R"("})";
    } else {
      jwk_first = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateSize));
      jwk_second = base64url_encode(bn_param(key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateSize));
      canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk_first + R"(","y":")" + jwk_second + R"("})";
    }
    thumbprint = base64url_encode(sha256(canonical));
    pkey = std::move(key);
  }

  openssl::EvpPkeyPtr pkey;
  std::size_t max_signature_size = 0;  // RSA: the modulus size; EC: the largest DER signature
  std::string jwk_first;               // RSA: n; EC: x (base64url)
  std::string jwk_second;              // RSA: e; EC: y (base64url)
  std::string thumbprint;
  OperationCtxPool sign_contexts{Operation::kSign};
  OperationCtxPool verify_contexts{Operation::kVerify};
};

KeyPair::KeyPair(Algorithm alg, std::unique_ptr<Impl> impl, bool has_private)
    : alg_(alg), impl_(std::move(impl)), has_private_(has_private) {}
KeyPair::KeyPair(KeyPair&&) noexcept = default;
KeyPair& KeyPair::operator=(KeyPair&&) noexcept = default;
KeyPair::~KeyPair() = default;

KeyPair KeyPair::generate(Algorithm alg) {
  EVP_PKEY* raw = alg == Algorithm::kRS256
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kMinRsaBits))
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) throw_crypto_error("EVP_PKEY_Q_keygen");
  return KeyPair(alg, std::make_unique<Impl>(alg, openssl::EvpPkeyPtr(raw)), true);
}

KeyPair KeyPair::from_private_der(Algorithm alg, std::string_view der) {
  EVP_PKEY* raw = nullptr;
  // The decoder only tries the expected key type, so an RSA-PSS key or an EC key for RS256 never
  // decodes. (OpenSSL 3.0 also accepts the unencrypted PKCS#1 / SEC 1 form here: harmless.)
  const openssl::DecoderCtxPtr decoder(OSSL_DECODER_CTX_new_for_pkey(
      &raw, "DER", "PrivateKeyInfo", key_type_name(alg), EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!decoder) throw_crypto_error("OSSL_DECODER_CTX_new_for_pkey");
  const unsigned char* data = bytes(der);
  std::size_t remaining = der.size();
  if (der.empty() || OSSL_DECODER_from_data(decoder.get(), &data, &remaining) != 1 || raw == nullptr) {
    throw_crypto_error(std::string("from_private_der: not a PKCS#8 ") + key_type_name(alg) + " private key");
  }
  openssl::EvpPkeyPtr pkey(raw);
  if (remaining != 0) throw CryptoError("from_private_der: trailing bytes after the key");
  return KeyPair(alg, std::make_unique<Impl>(alg, std::move(pkey)), true);
}

KeyPair KeyPair::from_public_jwk(Algorithm alg, const boost::json::object& jwk) {
  openssl::EvpPkeyPtr pkey = alg == Algorithm::kRS256 ? rsa_from_jwk(jwk) : ec_from_jwk(jwk);
  return KeyPair(alg, std::make_unique<Impl>(alg, std::move(pkey)), false);
}

std::string KeyPair::private_der() const {
  if (!has_private_) throw CryptoError("private_der: this is a public key");
  const openssl::EncoderCtxPtr encoder(OSSL_ENCODER_CTX_new_for_pkey(
      impl_->pkey.get(), EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo", nullptr));
  if (!encoder) throw_crypto_error("OSSL_ENCODER_CTX_new_for_pkey");
  unsigned char* data = nullptr;
  std::size_t size = 0;
  if (OSSL_ENCODER_to_data(encoder.get(), &data, &size) != 1 || data == nullptr) {
    throw_crypto_error("OSSL_ENCODER_to_data(PrivateKeyInfo)");
  }
  const openssl::SecretBufferPtr owned(data, openssl::ClearFree{size});
  return std::string(reinterpret_cast<const char*>(data), size);
}

boost::json::object KeyPair::public_jwk() const {
  boost::json::object jwk;
  if (alg_ == Algorithm::kRS256) {
    jwk["kty"] = "RSA";
    jwk["n"] = impl_->jwk_first;
    jwk["e"] = impl_->jwk_second;
  } else {
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = impl_->jwk_first;
    jwk["y"] = impl_->jwk_second;
  }
  return jwk;
}

std::string KeyPair::thumbprint() const { return impl_->thumbprint; }

std::string KeyPair::sign(std::string_view signing_input) const {
  if (!impl_) throw CryptoError("sign: moved-from KeyPair");
  if (!has_private_) throw CryptoError("sign: this is a public key");
  const Sha256Digest digest = digest_of(signing_input);
  openssl::EvpPkeyCtxPtr ctx = impl_->sign_contexts.acquire(impl_->pkey.get(), alg_);
  std::string signature(impl_->max_signature_size, '\0');
  std::size_t size = signature.size();
  if (EVP_PKEY_sign(ctx.get(), bytes(signature), &size, digest.data(), digest.size()) != 1) {
    throw_crypto_error("EVP_PKEY_sign");  // the context is dropped, not returned to the pool
  }
  impl_->sign_contexts.release(std::move(ctx));
  if (alg_ == Algorithm::kES256) return ecdsa_der_to_raw(bytes(signature), size);
  signature.resize(size);
  return signature;
}

bool KeyPair::verify(std::string_view signing_input, std::string_view signature) const {
  if (!impl_) return false;
  std::string der;
  if (alg_ == Algorithm::kES256) {
    if (signature.size() != kEs256SignatureSize) return false;
    der = ecdsa_raw_to_der(signature);
    if (der.empty()) {
      openssl::clear_errors();
      return false;
    }
    signature = der;
  } else if (signature.size() != impl_->max_signature_size) {
    return false;  // RFC 8017 §8.2.2 step 1: exactly the modulus length
  }
  const Sha256Digest digest = digest_of(signing_input);
  openssl::EvpPkeyCtxPtr ctx = impl_->verify_contexts.acquire(impl_->pkey.get(), alg_);
  const int rc = EVP_PKEY_verify(ctx.get(), bytes(signature), signature.size(), digest.data(), digest.size());
  // 0 is a plain mismatch and leaves the context reusable; anything else is an error state.
  if (rc == 1 || rc == 0) impl_->verify_contexts.release(std::move(ctx));
  if (rc != 1) openssl::clear_errors();
  return rc == 1;
}

std::string jws_sign(const KeyPair& key, std::string_view kid, std::string_view typ,
                     std::string_view payload_json) {
  std::string header = R"({"alg":")";
  header += to_string(key.algorithm());
  header += '"';
  if (!typ.empty()) {
    header += R"(,"typ":)";
    header += boost::json::serialize(boost::json::string_view(typ.data(), typ.size()));
  }
  header += R"(,"kid":)";
  header += boost::json::serialize(boost::json::string_view(kid.data(), kid.size()));
  header += '}';

  std::string compact = base64url_encode(header);
  compact += '.';
  compact += base64url_encode(payload_json);
  const std::string signature = key.sign(compact);
  compact += '.';
  compact += base64url_encode(signature);
  return compact;
}

Result<VerifiedJws, std::string> jws_verify(std::string_view compact, const KeyLookup& lookup) {
  const std::size_t first_dot = compact.find('.');
  if (first_dot == std::string_view::npos) return unexpected("not three parts");
  const std::size_t second_dot = compact.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || compact.find('.', second_dot + 1) != std::string_view::npos) {
    return unexpected("not three parts");
  }
  const std::string_view header_b64 = compact.substr(0, first_dot);
  const std::string_view payload_b64 = compact.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_b64 = compact.substr(second_dot + 1);

  std::optional<std::string> header_json = base64url_decode(header_b64);
  if (!header_json) return unexpected("header is not base64url");
  std::optional<std::string> payload = base64url_decode(payload_b64);
  if (!payload) return unexpected("payload is not base64url");
  const std::optional<std::string> signature = base64url_decode(signature_b64);
  if (!signature) return unexpected("signature is not base64url");

  // Boost.JSON keeps only the last of duplicate names, as RFC 7515 §5.2 step 4 allows.
  boost::system::error_code ec;
  boost::json::value header = boost::json::parse(*header_json, ec);
  if (ec) return unexpected("header is not JSON");
  boost::json::object* fields = header.if_object();
  if (fields == nullptr) return unexpected("header is not a JSON object");

  const boost::json::value* alg_value = fields->if_contains("alg");
  if (alg_value == nullptr || !alg_value->is_string()) return unexpected("alg missing");
  const boost::json::string& alg_name = alg_value->get_string();
  const std::optional<Algorithm> alg = algorithm_from_string({alg_name.data(), alg_name.size()});
  if (!alg) return unexpected("alg not allowed");  // includes "none" and every HS*

  std::string_view kid;
  if (const boost::json::value* kid_value = fields->if_contains("kid")) {
    if (!kid_value->is_string()) return unexpected("kid is not a string");
    kid = {kid_value->get_string().data(), kid_value->get_string().size()};
  }
  // RFC 7515 §4.1.11: we understand no extensions, so any "crit" must be rejected.
  if (fields->contains("crit")) return unexpected("crit not supported");

  const KeyPair* key = lookup(kid, *alg);
  if (key == nullptr) return unexpected("no key for kid and alg");
  if (key->algorithm() != *alg) return unexpected("alg does not match the key");
  if (!key->verify(compact.substr(0, second_dot), *signature)) return unexpected("bad signature");

  return VerifiedJws{std::move(*fields), std::move(*payload)};
}

}  // namespace gatehouse::jose
