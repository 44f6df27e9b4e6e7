#include "saml/keys.hpp"

#include <gtest/gtest.h>

#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml {
namespace {

TEST(SamlKeys, SelfSignedCertificateIsReproducibleForRsa) {
  auto pair = jose::KeyPair::generate(jose::Algorithm::kRS256);
  const auto from = std::chrono::system_clock::from_time_t(1700000000);
  const auto to = from + std::chrono::hours(24 * 730);
  auto a = self_signed_certificate(pair, "idp.example", 42, from, to);
  auto b = self_signed_certificate(pair, "idp.example", 42, from, to);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
  auto c = self_signed_certificate(pair, "idp.example", 43, from, to);
  EXPECT_NE(*a, *c);
  auto trusted = TrustedKey::from_certificate_der(*a);
  ASSERT_TRUE(trusted) << trusted.error();
  EXPECT_EQ(trusted->type(), KeyType::kRsa);
  EXPECT_EQ(trusted->certificate_der(), *a);
  auto public_only = jose::KeyPair::from_public_jwk(jose::Algorithm::kRS256, pair.public_jwk());
  EXPECT_EQ(self_signed_certificate(public_only, "x", 1, from, to).error(), "certificate: the key has no private part");
}

TEST(SamlKeys, LoadsCertificatesAsMetadataCarriesThem) {
  auto key = testing::make_test_key(jose::Algorithm::kES256, "sp.example");
  const std::string text = "\n   " + base64_encode(key.certificate_der, 64) + "\n  ";
  auto trusted = TrustedKey::from_certificate_base64(text);
  ASSERT_TRUE(trusted) << trusted.error();
  EXPECT_EQ(trusted->type(), KeyType::kEc);
  EXPECT_EQ(TrustedKey::from_certificate_base64("not base64!").error(), "certificate: invalid base64");
  EXPECT_FALSE(TrustedKey::from_certificate_der("garbage"));
  EXPECT_EQ(TrustedKey::from_certificate_der(key.certificate_der + "x").error(), "certificate: bytes after the certificate");
}

TEST(SamlKeys, SigningKeyChecksItsCertificate) {
  auto one = testing::make_test_key(jose::Algorithm::kRS256, "one");
  auto two = testing::make_test_key(jose::Algorithm::kRS256, "two");
  EXPECT_TRUE(SigningKey::from_pkcs8(one.private_der, one.certificate_der));
  EXPECT_TRUE(SigningKey::from_pkcs8(one.private_der));
  EXPECT_EQ(SigningKey::from_pkcs8(one.private_der, two.certificate_der).error(),
            "signing key: the certificate carries another key");
  EXPECT_FALSE(SigningKey::from_pkcs8("garbage"));
}

}  // namespace
}  // namespace gatehouse::saml
