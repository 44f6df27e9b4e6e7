#include "webauthn/cose_key.hpp"

#include <gtest/gtest.h>

#include "webauthn/authenticator_data.hpp"
#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::webauthn {
namespace {

using testing::CborWriter;
using testing::SoftCredential;

class CoseKeyPerAlgorithm : public ::testing::TestWithParam<CoseAlgorithm> {};

TEST_P(CoseKeyPerAlgorithm, AGeneratedKeyParsesAndVerifiesOnlyItsOwnSignatures) {
  const SoftCredential credential = SoftCredential::generate(GetParam());
  const auto key = CoseKey::from_bytes(credential.cose_public_key());
  ASSERT_TRUE(key.has_value()) << to_string(key.error());
  EXPECT_EQ(key->algorithm(), GetParam());
  const std::string signature = credential.sign("signed data");
  EXPECT_TRUE(verify(*key, "signed data", signature));
  EXPECT_FALSE(verify(*key, "signed datA", signature));
  std::string tampered = signature;
  tampered[tampered.size() / 2] ^= 0x01;
  EXPECT_FALSE(verify(*key, "signed data", tampered));
  EXPECT_FALSE(verify(*key, "signed data", ""));
  EXPECT_FALSE(verify(*key, "signed data", signature + '\0'));
  // Another key of the same algorithm does not verify it.
  const auto other = CoseKey::from_bytes(SoftCredential::generate(GetParam()).cose_public_key());
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(verify(*other, "signed data", signature));
}

INSTANTIATE_TEST_SUITE_P(Algorithms, CoseKeyPerAlgorithm,
                         ::testing::Values(CoseAlgorithm::kES256, CoseAlgorithm::kRS256, CoseAlgorithm::kEdDSA),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(CoseKey, Es256SignaturesMustBeDerNotRawRAndS) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const auto key = CoseKey::from_bytes(credential.cose_public_key());
  ASSERT_TRUE(key.has_value());
  const std::string der = credential.sign("data");
  ASSERT_EQ(der[0], '\x30');  // SEQUENCE
  // The same signature as JOSE's fixed-width R || S (64 bytes) is not accepted.
  const auto r_len = static_cast<std::size_t>(der[3]);
  std::string r = der.substr(4, r_len);
  std::string s = der.substr(4 + r_len + 2);
  while (r.size() > 32) r.erase(0, 1);
  while (s.size() > 32) s.erase(0, 1);
  const std::string raw = std::string(32 - r.size(), '\0') + r + std::string(32 - s.size(), '\0') + s;
  ASSERT_EQ(raw.size(), 64U);
  EXPECT_FALSE(verify(*key, "data", raw));
}

TEST(CoseKey, RefusesAnRsaModulusUnder2048Bits) {
  const SoftCredential small = SoftCredential::generate(CoseAlgorithm::kRS256, 1024);
  const auto key = CoseKey::from_bytes(small.cose_public_key());
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error(), CoseKeyError::kRsaKeyTooSmall);
}

TEST(CoseKey, RefusesAnEcPointNotOnTheCurve) {
  const auto key = CoseKey::from_bytes(testing::make_es256_cose_key(std::string(32, '\x01'), std::string(32, '\x02')));
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error(), CoseKeyError::kPointNotOnCurve);
  // The point at infinity cannot be written uncompressed; all zeros is not on P-256 either.
  EXPECT_EQ(CoseKey::from_bytes(testing::make_es256_cose_key(std::string(32, '\0'), std::string(32, '\0'))).error(),
            CoseKeyError::kPointNotOnCurve);
}

TEST(CoseKey, RefusesWrongShapes) {
  const auto error_of = [](const CborWriter& w) { return CoseKey::from_bytes(w.out()).error(); };
  const std::string x(32, '\x01');
  CborWriter no_alg;
  no_alg.map(4).integer(1).integer(2).integer(-1).integer(1).integer(-2).bytes(x).integer(-3).bytes(x);
  EXPECT_EQ(error_of(no_alg), CoseKeyError::kUnsupportedAlgorithm);
  CborWriter es384;  // alg -35 is not on the allow-list
  es384.map(3).integer(1).integer(2).integer(3).integer(-35).integer(-1).integer(2);
  EXPECT_EQ(error_of(es384), CoseKeyError::kUnsupportedAlgorithm);
  CborWriter kty_mismatch;  // EdDSA with kty EC2
  kty_mismatch.map(4).integer(1).integer(2).integer(3).integer(-8).integer(-1).integer(6).integer(-2).bytes(x);
  EXPECT_EQ(error_of(kty_mismatch), CoseKeyError::kKeyTypeMismatch);
  CborWriter x448;  // OKP, crv 7 (Ed448) under alg EdDSA
  x448.map(4).integer(1).integer(1).integer(3).integer(-8).integer(-1).integer(7).integer(-2).bytes(x);
  EXPECT_EQ(error_of(x448), CoseKeyError::kUnsupportedCurve);
  CborWriter p384;  // EC2 crv 2 (P-384) under ES256
  p384.map(5).integer(1).integer(2).integer(3).integer(-7).integer(-1).integer(2).integer(-2).bytes(x).integer(-3).bytes(x);
  EXPECT_EQ(error_of(p384), CoseKeyError::kUnsupportedCurve);
  CborWriter short_x;
  short_x.map(5).integer(1).integer(2).integer(3).integer(-7).integer(-1).integer(1).integer(-2).bytes("ab").integer(-3).bytes(x);
  EXPECT_EQ(error_of(short_x), CoseKeyError::kBadParameter);
  CborWriter compressed;  // y as a sign bit (RFC 9053 §7.1.1) is not accepted
  compressed.map(5).integer(1).integer(2).integer(3).integer(-7).integer(-1).integer(1).integer(-2).bytes(x).integer(-3);
  compressed.raw("\xf5");
  EXPECT_EQ(error_of(compressed), CoseKeyError::kBadParameter);
  CborWriter with_d;
  with_d.map(5).integer(1).integer(1).integer(3).integer(-8).integer(-1).integer(6).integer(-2).bytes(x).integer(-4).bytes(x);
  EXPECT_EQ(error_of(with_d), CoseKeyError::kPrivateKeyIncluded);
  EXPECT_EQ(CoseKey::from_bytes("\x80").error(), CoseKeyError::kNotAMap);
  EXPECT_EQ(CoseKey::from_bytes("").error(), CoseKeyError::kNotAMap);
}

TEST(CoseKey, RefusesAnRsaKeyWithAnEvenOrHugeExponent) {
  const SoftCredential rsa = SoftCredential::generate(CoseAlgorithm::kRS256);
  const auto good = cbor_decode(byte_span(rsa.cose_public_key()));
  ASSERT_TRUE(good.has_value());
  const CborBytes& n = *good->get(-1)->as_bytes();
  const std::string n_text(n.begin(), n.end());
  CborWriter even_e;
  even_e.map(4).integer(1).integer(3).integer(3).integer(-257).integer(-1).bytes(n_text).integer(-2).bytes(std::string("\x01\x00\x00", 3));
  EXPECT_EQ(CoseKey::from_bytes(even_e.out()).error(), CoseKeyError::kRsaBadParameters);
  CborWriter huge_e;
  huge_e.map(4).integer(1).integer(3).integer(3).integer(-257).integer(-1).bytes(n_text).integer(-2).bytes("\x01\x01\x01\x01\x01");
  EXPECT_EQ(CoseKey::from_bytes(huge_e.out()).error(), CoseKeyError::kRsaBadParameters);
}

TEST(CoseKey, AKeyFromACertificateMustFitTheAlgorithm) {
  const SoftCredential ec = SoftCredential::generate(CoseAlgorithm::kES256);
  const auto key = CoseKey::from_bytes(ec.cose_public_key());
  ASSERT_TRUE(key.has_value());
  EVP_PKEY* raw = const_cast<EVP_PKEY*>(key->pkey());
  ASSERT_EQ(EVP_PKEY_up_ref(raw), 1);
  EXPECT_EQ(CoseKey::from_public_key(CoseAlgorithm::kRS256, jose::openssl::EvpPkeyPtr(raw)).error(),
            CoseKeyError::kCertificateKeyMismatch);
}

}  // namespace
}  // namespace gatehouse::webauthn
