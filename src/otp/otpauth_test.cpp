#include "otp/otpauth.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace gatehouse::otp {
namespace {

const TotpSeed kSeed("12345678901234567890");

struct Case {
  const char* issuer;
  const char* account;
  TotpParams params;
  const char* uri;
};

// The seed's base32 is GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ; '@', spaces, reserved characters and
// UTF-8 bytes in the label and issuer are percent-encoded, the ':' between them stays literal.
const Case kCases[] = {
    {"Gatehouse", "alice@example.com", {},
     "otpauth://totp/Gatehouse:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
     "&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30"},
    {"Example Corp & Co", "Alice Smith/ops?#", {Algorithm::kSha256, 8, 60},
     "otpauth://totp/Example%20Corp%20%26%20Co:Alice%20Smith%2Fops%3F%23"
     "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example%20Corp%20%26%20Co"
     "&algorithm=SHA256&digits=8&period=60"},
    {"Caf\xC3\xA9", "z\xC3\xBC", {Algorithm::kSha512, 6, 30},
     "otpauth://totp/Caf%C3%A9:z%C3%BC?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
     "&issuer=Caf%C3%A9&algorithm=SHA512&digits=6&period=30"},
};

TEST(Otpauth, BuildsTheExactKeyUriPercentEncodingSpacesReservedCharactersAndUtf8) {
  for (const Case& c : kCases) {
    auto uri = otpauth_uri(kSeed, c.issuer, c.account, c.params);
    ASSERT_TRUE(uri) << c.account << ": " << uri.error();
    EXPECT_EQ(uri->reveal(), c.uri);
  }
}

TEST(Otpauth, RefusesAColonInTheIssuerOrAccountRatherThanEncodingIt) {
  auto issuer = otpauth_uri(kSeed, "Acme:Prod", "alice");
  ASSERT_FALSE(issuer);
  EXPECT_EQ(issuer.error(), "otpauth: the issuer contains ':'");
  auto account = otpauth_uri(kSeed, "Acme", "urn:alice");
  ASSERT_FALSE(account);
  EXPECT_EQ(account.error(), "otpauth: the account contains ':'");
}

TEST(Otpauth, RefusesEmptyOrNonUtf8LabelParts) {
  EXPECT_EQ(otpauth_uri(kSeed, "", "alice").error(), "otpauth: the issuer is empty");
  EXPECT_EQ(otpauth_uri(kSeed, "Acme", "").error(), "otpauth: the account is empty");
  EXPECT_EQ(otpauth_uri(kSeed, "Acme", "al\xFFice").error(), "otpauth: the account is not UTF-8 text");
}

TEST(Otpauth, RefusesInvalidParams) {
  EXPECT_THROW(otpauth_uri(kSeed, "Acme", "alice", {Algorithm::kSha1, 9, 30}), std::invalid_argument);
  EXPECT_THROW(otpauth_uri(kSeed, "Acme", "alice", {Algorithm::kSha1, 6, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace gatehouse::otp
