#include "oauth/pkce.hpp"

#include <string>

#include <gtest/gtest.h>

namespace gatehouse::oauth {
namespace {

// RFC 7636 Appendix B.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

TEST(Pkce, Rfc7636AppendixBVerifierMatchesItsChallenge) {
  EXPECT_TRUE(valid_code_verifier(kVerifier));
  EXPECT_TRUE(valid_code_challenge(kChallenge));
  EXPECT_TRUE(pkce_matches(kVerifier, kChallenge));
}

TEST(Pkce, AnyOtherVerifierFails) {
  std::string other(kVerifier);
  other.back() = other.back() == 'k' ? 'j' : 'k';
  EXPECT_FALSE(pkce_matches(other, kChallenge));
  EXPECT_FALSE(pkce_matches(kVerifier, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
  // "plain" (challenge == verifier) never matches under S256.
  EXPECT_FALSE(pkce_matches(kVerifier, kVerifier));
}

TEST(Pkce, VerifierAndChallengeSyntax) {
  EXPECT_FALSE(valid_code_verifier(std::string(42, 'a')));
  EXPECT_TRUE(valid_code_verifier(std::string(43, 'a')));
  EXPECT_TRUE(valid_code_verifier(std::string(128, '~')));
  EXPECT_FALSE(valid_code_verifier(std::string(129, 'a')));
  EXPECT_FALSE(valid_code_verifier(std::string(42, 'a') + "+"));
  EXPECT_FALSE(pkce_matches(std::string(42, 'a'), kChallenge));
  EXPECT_FALSE(valid_code_challenge("short"));
  EXPECT_FALSE(valid_code_challenge(std::string(43, '+')));
}

}  // namespace
}  // namespace gatehouse::oauth
