#include "webauthn/testing/soft_authenticator.hpp"

#include <cstdio>

#include <openssl/core_names.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"
#include "webauthn/authenticator_data.hpp"

namespace gatehouse::webauthn::testing {

namespace {

namespace ossl = jose::openssl;
using X509Ptr = std::unique_ptr<X509, ossl::Free<&X509_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, ossl::Free<&X509_EXTENSION_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, ossl::Free<&ASN1_OBJECT_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, ossl::Free<&ASN1_OCTET_STRING_free>>;

constexpr std::size_t kCredentialIdSize = 16;
constexpr std::size_t kCoordinateSize = 32;

std::string bn_param(const EVP_PKEY* pkey, const char* name, int width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) ossl::throw_crypto_error("EVP_PKEY_get_bn_param");
  const ossl::BignumPtr bn(raw);
  const int size = width > 0 ? width : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(size), '\0');
  if (BN_bn2binpad(bn.get(), ossl::bytes(out), size) != size) ossl::throw_crypto_error("BN_bn2binpad");
  return out;
}

std::string cose_public_key_of(CoseAlgorithm alg, const EVP_PKEY* pkey) {
  CborWriter w;
  switch (alg) {
    case CoseAlgorithm::kES256:
      return make_es256_cose_key(bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, kCoordinateSize),
                                 bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, kCoordinateSize));
    case CoseAlgorithm::kRS256:
      w.map(4).integer(1).integer(3).integer(3).integer(-257);
      w.integer(-1).bytes(bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, 0));
      w.integer(-2).bytes(bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, 0));
      return w.out();
    case CoseAlgorithm::kEdDSA: {
      std::string x(kCoordinateSize, '\0');
      std::size_t len = x.size();
      if (EVP_PKEY_get_raw_public_key(pkey, ossl::bytes(x), &len) != 1 || len != x.size()) {
        ossl::throw_crypto_error("EVP_PKEY_get_raw_public_key");
      }
      w.map(4).integer(1).integer(1).integer(3).integer(-8).integer(-1).integer(6).integer(-2).bytes(x);
      return w.out();
    }
  }
  throw CryptoError("unknown algorithm");
}

ossl::EvpPkeyPtr generate_key(CoseAlgorithm alg, int rsa_bits) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case CoseAlgorithm::kES256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
      break;
    case CoseAlgorithm::kRS256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
      break;
    case CoseAlgorithm::kEdDSA:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  if (raw == nullptr) ossl::throw_crypto_error("EVP_PKEY_Q_keygen");
  return ossl::EvpPkeyPtr(raw);
}

std::string sign_with(EVP_PKEY* key, CoseAlgorithm alg, std::string_view data) {
  const ossl::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = alg == CoseAlgorithm::kEdDSA ? nullptr : ossl::sha256_md();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1) ossl::throw_crypto_error("EVP_DigestSignInit");
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, ossl::bytes(data), data.size()) != 1) ossl::throw_crypto_error("EVP_DigestSign");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), ossl::bytes(sig), &len, ossl::bytes(data), data.size()) != 1) {
    ossl::throw_crypto_error("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

void add_name_entry(X509_NAME* name, const char* field, const char* value) {
  if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC, reinterpret_cast<const unsigned char*>(value), -1, -1, 0) != 1) {
    ossl::throw_crypto_error("X509_NAME_add_entry_by_txt");
  }
}

// An attestation certificate as §8.2.1 describes it: v3, not a CA, with the AAGUID extension.
// Self-signed by the attestation key: Gatehouse checks no chain.
std::string attestation_certificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600) == nullptr || X509_set_pubkey(cert.get(), key) != 1) {
    ossl::throw_crypto_error("X509 set-up");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  add_name_entry(name, "C", "SE");
  add_name_entry(name, "O", "Gatehouse test");
  add_name_entry(name, "OU", "Authenticator Attestation");
  add_name_entry(name, "CN", "soft authenticator");
  if (X509_set_issuer_name(cert.get(), name) != 1) ossl::throw_crypto_error("X509_set_issuer_name");
  const X509ExtensionPtr bc(X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:FALSE"));
  std::string value = "\x04\x10";
  value.append(reinterpret_cast<const char*>(kSoftAaguid.data()), kSoftAaguid.size());
  const Asn1ObjectPtr oid(OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1));
  const Asn1OctetStringPtr octets(ASN1_OCTET_STRING_new());
  if (!bc || !oid || !octets || ASN1_OCTET_STRING_set(octets.get(), ossl::bytes(value), static_cast<int>(value.size())) != 1) {
    ossl::throw_crypto_error("X509 extensions");
  }
  const X509ExtensionPtr aaguid(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, octets.get()));
  if (!aaguid || X509_add_ext(cert.get(), bc.get(), -1) != 1 || X509_add_ext(cert.get(), aaguid.get(), -1) != 1 ||
      X509_sign(cert.get(), key, EVP_sha256()) <= 0) {
    ossl::throw_crypto_error("X509_sign");
  }
  const int len = i2d_X509(cert.get(), nullptr);
  if (len <= 0) ossl::throw_crypto_error("i2d_X509");
  std::string der(static_cast<std::size_t>(len), '\0');
  unsigned char* out = ossl::bytes(der);
  if (i2d_X509(cert.get(), &out) != len) ossl::throw_crypto_error("i2d_X509");
  return der;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

CborWriter& CborWriter::integer(std::int64_t v) {
  if (v >= 0) {
    head(0, static_cast<std::uint64_t>(v));
  } else {
    head(1, static_cast<std::uint64_t>(-(v + 1)));
  }
  return *this;
}

CborWriter& CborWriter::bytes(std::string_view b) {
  head(2, b.size());
  out_ += b;
  return *this;
}

CborWriter& CborWriter::text(std::string_view t) {
  head(3, t.size());
  out_ += t;
  return *this;
}

CborWriter& CborWriter::array(std::size_t n) {
  head(4, n);
  return *this;
}

CborWriter& CborWriter::map(std::size_t n) {
  head(5, n);
  return *this;
}

CborWriter& CborWriter::raw(std::string_view encoded) {
  out_ += encoded;
  return *this;
}

void CborWriter::head(std::uint8_t major, std::uint64_t arg) {
  const auto initial = [&](std::uint8_t info) { out_ += static_cast<char>((major << 5) | info); };
  int width = 0;
  if (arg < 24) {
    initial(static_cast<std::uint8_t>(arg));
  } else if (arg <= 0xff) {
    initial(24);
    width = 1;
  } else if (arg <= 0xffff) {
    initial(25);
    width = 2;
  } else if (arg <= 0xffffffff) {
    initial(26);
    width = 4;
  } else {
    initial(27);
    width = 8;
  }
  for (int i = width - 1; i >= 0; --i) out_ += static_cast<char>((arg >> (8 * i)) & 0xff);
}

std::uint8_t flags_byte(const Flags& flags, bool attested, bool extensions) {
  std::uint8_t b = 0;
  if (flags.user_present) b |= kFlagUserPresent;
  if (flags.user_verified) b |= kFlagUserVerified;
  if (flags.backup_eligible) b |= kFlagBackupEligible;
  if (flags.backup_state) b |= kFlagBackupState;
  if (attested) b |= kFlagAttestedCredential;
  if (extensions) b |= kFlagExtensions;
  return b;
}

std::string make_authenticator_data(std::string_view rp_id, std::uint8_t flags, std::uint32_t sign_count,
                                    std::string_view attested_credential_data, std::string_view extensions_cbor) {
  std::string out = jose::sha256(rp_id);
  out.reserve(kAuthenticatorDataMinSize + attested_credential_data.size() + extensions_cbor.size());
  out += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((sign_count >> shift) & 0xff);
  out += attested_credential_data;
  out += extensions_cbor;
  return out;
}

std::string make_attested_credential_data(const std::array<std::uint8_t, 16>& aaguid, std::string_view credential_id,
                                          std::string_view cose_key_cbor) {
  std::string out(reinterpret_cast<const char*>(aaguid.data()), aaguid.size());
  out += static_cast<char>((credential_id.size() >> 8) & 0xff);
  out += static_cast<char>(credential_id.size() & 0xff);
  out += credential_id;
  out += cose_key_cbor;
  return out;
}

std::string make_attestation_object(std::string_view fmt, std::string_view att_stmt_cbor, std::string_view auth_data) {
  CborWriter w;
  w.map(3).text("fmt").text(fmt).text("attStmt").raw(att_stmt_cbor).text("authData").bytes(auth_data);
  return w.out();
}

std::string make_client_data_json(std::string_view type, const ClientContext& ctx) {
  std::string out;
  out.reserve(96 + ctx.challenge.size() + ctx.origin.size());
  out += "{\"type\":";
  append_json_string(out, type);
  out += ",\"challenge\":";
  append_json_string(out, ctx.challenge);
  out += ",\"origin\":";
  append_json_string(out, ctx.origin);
  out += ctx.cross_origin ? ",\"crossOrigin\":true}" : ",\"crossOrigin\":false}";
  return out;
}

std::string make_es256_cose_key(std::string_view x, std::string_view y) {
  CborWriter w;
  w.map(5).integer(1).integer(2).integer(3).integer(-7).integer(-1).integer(1);
  w.integer(-2).bytes(x).integer(-3).bytes(y);
  return w.out();
}

SoftCredential::SoftCredential(CoseAlgorithm alg, jose::openssl::EvpPkeyPtr key, std::string credential_id,
                               std::string cose_key)
    : alg_(alg), key_(std::move(key)), credential_id_(std::move(credential_id)), cose_public_key_(std::move(cose_key)) {}

SoftCredential SoftCredential::generate(CoseAlgorithm alg, int rsa_bits) {
  ossl::EvpPkeyPtr key = generate_key(alg, rsa_bits);
  std::string cose = cose_public_key_of(alg, key.get());
  return SoftCredential(alg, std::move(key), jose::random_bytes(kCredentialIdSize), std::move(cose));
}

std::string SoftCredential::sign(std::string_view data) const { return sign_with(key_.get(), alg_, data); }

RegistrationResponse SoftCredential::register_credential(const ClientContext& ctx, const Flags& flags,
                                                         std::uint32_t sign_count, Attestation attestation,
                                                         const std::array<std::uint8_t, 16>& aaguid) const {
  RegistrationResponse out;
  out.client_data_json = make_client_data_json("webauthn.create", ctx);
  const std::string attested = make_attested_credential_data(aaguid, credential_id_, cose_public_key_);
  out.authenticator_data = make_authenticator_data(ctx.rp_id, flags_byte(flags, true, false), sign_count, attested);
  const std::string signed_data = out.authenticator_data + jose::sha256(out.client_data_json);
  CborWriter stmt;
  switch (attestation) {
    case Attestation::kNone:
      stmt.map(0);
      break;
    case Attestation::kPackedSelf:
      stmt.map(2).text("alg").integer(static_cast<std::int64_t>(alg_)).text("sig").bytes(sign(signed_data));
      break;
    case Attestation::kPackedX5c: {
      const ossl::EvpPkeyPtr attestation_key = generate_key(CoseAlgorithm::kES256, 0);
      stmt.map(3).text("alg").integer(static_cast<std::int64_t>(CoseAlgorithm::kES256));
      stmt.text("sig").bytes(sign_with(attestation_key.get(), CoseAlgorithm::kES256, signed_data));
      stmt.text("x5c").array(1).bytes(attestation_certificate(attestation_key.get()));
      break;
    }
  }
  const std::string_view fmt = attestation == Attestation::kNone ? "none" : "packed";
  out.attestation_object = make_attestation_object(fmt, stmt.out(), out.authenticator_data);
  return out;
}

AssertionResponse SoftCredential::assert_credential(const ClientContext& ctx, const Flags& flags,
                                                    std::uint32_t sign_count) const {
  AssertionResponse out;
  out.client_data_json = make_client_data_json("webauthn.get", ctx);
  out.authenticator_data = make_authenticator_data(ctx.rp_id, flags_byte(flags, false, false), sign_count);
  out.signature = sign(out.authenticator_data + jose::sha256(out.client_data_json));
  return out;
}

}  // namespace gatehouse::webauthn::testing
