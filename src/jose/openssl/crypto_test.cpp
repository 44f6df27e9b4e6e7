#include "jose/openssl/crypto.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "core/error.hpp"

namespace gatehouse::jose {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string unhex(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16));
  }
  return out;
}

const std::string kKey(32, '\x42');

TEST(Sha256, MatchesFips180Abc) {
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256, Rfc4231TestCase1) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256, Rfc4231TestCase2) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, EmptyKeyIsAllowed) {
  EXPECT_EQ(hmac_sha256("", "x").size(), 32u);
  EXPECT_NE(hmac_sha256("", "x"), hmac_sha256("k", "x"));
}

TEST(Hmac, Sha1AndSha512MatchRfc2202AndRfc4231TestCase2) {
  EXPECT_EQ(hex(hmac(HmacHash::kSha1, "Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(hex(hmac(HmacHash::kSha512, "Jefe", "what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  EXPECT_EQ(hmac(HmacHash::kSha256, "Jefe", "x"), hmac_sha256("Jefe", "x"));
}

TEST(HkdfSha256, Rfc5869TestCase1) {
  const std::string okm = hkdf_sha256(std::string(22, '\x0b'), unhex("000102030405060708090a0b0c"),
                                      unhex("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(hex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfSha256, Rfc5869TestCase3EmptySaltAndInfo) {
  EXPECT_EQ(hex(hkdf_sha256(std::string(22, '\x0b'), "", "", 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256, RejectsImpossibleLength) {
  EXPECT_THROW(hkdf_sha256("ikm", "salt", "info", 255 * 32 + 1), CryptoError);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("", "a"));
}

TEST(Random, ReturnsRequestedSizesAndDiffers) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(17).size(), 17u);
  const std::string token = random_token();
  EXPECT_EQ(token.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_TRUE(base64url_decode(token).has_value());
  EXPECT_NE(random_token(), random_token());
}

TEST(Aead, RoundTripsAndLaysOutNonceCiphertextTag) {
  const std::string sealed = aead_seal(kKey, "hello, world", "aad");
  EXPECT_EQ(sealed.size(), 12u + 12u + 16u);
  EXPECT_EQ(sealed.find("hello"), std::string::npos);
  EXPECT_EQ(aead_open(kKey, sealed, "aad"), "hello, world");
}

TEST(Aead, RoundTripsEmptyPlaintextAndEmptyAad) {
  const std::string sealed = aead_seal(kKey, "", "");
  EXPECT_EQ(sealed.size(), 28u);
  EXPECT_EQ(aead_open(kKey, sealed, ""), "");
  EXPECT_FALSE(aead_open(kKey, sealed, "x"));
}

TEST(Aead, SealingTwiceUsesFreshNonces) {
  EXPECT_NE(aead_seal(kKey, "same", "aad"), aead_seal(kKey, "same", "aad"));
}

TEST(Aead, AnyTamperingFailsToOpen) {
  const std::string sealed = aead_seal(kKey, "attack at dawn", "aad");
  for (std::size_t i : {std::size_t{0}, std::size_t{11}, std::size_t{12}, std::size_t{20},
                        sealed.size() - 16, sealed.size() - 1}) {
    std::string tampered = sealed;
    tampered[i] ^= 0x01;
    EXPECT_FALSE(aead_open(kKey, tampered, "aad")) << "flipped byte " << i;
  }
  EXPECT_FALSE(aead_open(kKey, sealed, "aae"));
  EXPECT_FALSE(aead_open(kKey, sealed, ""));
}

TEST(Aead, WrongKeyOrMalformedInputFailsWithoutThrowing) {
  const std::string sealed = aead_seal(kKey, "attack at dawn", "aad");
  EXPECT_FALSE(aead_open(std::string(32, '\x43'), sealed, "aad"));
  EXPECT_FALSE(aead_open(std::string(16, '\x42'), sealed, "aad"));
  EXPECT_FALSE(aead_open(kKey, sealed.substr(0, sealed.size() - 1), "aad"));
  EXPECT_FALSE(aead_open(kKey, sealed.substr(0, 27), "aad"));
  EXPECT_FALSE(aead_open(kKey, "", "aad"));
}

TEST(Aead, SealRejectsWrongKeyLength) {
  EXPECT_THROW(aead_seal(std::string(16, 'k'), "x", ""), CryptoError);
  EXPECT_THROW(aead_seal("", "x", ""), CryptoError);
}

}  // namespace
}  // namespace gatehouse::jose
