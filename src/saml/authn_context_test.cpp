// RequestedAuthnContext onto the two assurance levels: what each comparison requires, what is
// stated afterwards, and what cannot be satisfied (NoAuthnContext).
#include "saml/authn_context.hpp"

#include <gtest/gtest.h>

#include "saml/protocol.hpp"

namespace gatehouse::saml {
namespace {

const std::string kPpt(kClassPasswordProtectedTransport);
const std::string kMfa(kClassRefedsMfa);
const std::string kSfa(kClassRefedsSfa);
const std::string kSmartcard = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard";

TEST(SamlAuthnContext, EachComparisonRequiresItsLevel) {
  EXPECT_EQ(required_level({}, "exact"), 1);
  EXPECT_EQ(required_level({kPpt}, "exact"), 1);
  EXPECT_EQ(required_level({kMfa}, "exact"), 2);
  EXPECT_EQ(required_level({kMfa, kPpt}, "exact"), 1) << "any one of them";
  EXPECT_EQ(required_level({kPpt}, "minimum"), 1);
  EXPECT_EQ(required_level({kMfa}, "minimum"), 2);
  EXPECT_EQ(required_level({kPpt}, "better"), 2);
  EXPECT_EQ(required_level({kMfa}, "better"), std::nullopt) << "nothing stronger than MFA";
  EXPECT_EQ(required_level({kMfa}, "maximum"), 1);
  EXPECT_EQ(required_level({kSmartcard}, "exact"), std::nullopt);
  EXPECT_EQ(required_level({kSmartcard}, "minimum"), std::nullopt);
  EXPECT_EQ(required_level({kSmartcard, kMfa}, "exact"), 2);
}

constexpr std::string_view kPasswordAmr = "pwd";
constexpr std::string_view kPasswordOtpAmr = "pwd otp mfa";
constexpr std::string_view kPasskeyAmr = "hwk user";           // a passkey without user verification
constexpr std::string_view kPasskeyUvAmr = "hwk user mfa";     // a passkey with a PIN or biometric

TEST(SamlAuthnContext, TheStatedClassIsOneAskedForThatTheSignInReached) {
  EXPECT_EQ(stated_class({}, "exact", kPasswordAmr), kPpt);
  EXPECT_EQ(stated_class({}, "exact", kPasswordOtpAmr), kMfa);
  EXPECT_EQ(stated_class({kSfa}, "exact", kPasswordAmr), kSfa);
  EXPECT_EQ(stated_class({kSfa}, "exact", kPasswordOtpAmr), kSfa) << "a stronger sign-in still states the class asked for";
  EXPECT_EQ(stated_class({kMfa, kSfa}, "exact", kPasswordOtpAmr), kMfa);
  EXPECT_EQ(stated_class({kMfa, kSfa}, "exact", kPasswordAmr), kSfa);
  EXPECT_EQ(stated_class({kPpt}, "better", kPasswordOtpAmr), kMfa);
  EXPECT_EQ(stated_class({kMfa}, "minimum", kPasswordOtpAmr), kMfa);
  EXPECT_EQ(stated_class({kMfa}, "maximum", kPasswordAmr), kPpt);
}

// A passkey is not a password: never "PasswordProtectedTransport" for a passkey sign-in.
TEST(SamlAuthnContext, APasskeySignInIsNeverStatedAsAPassword) {
  EXPECT_FALSE(class_true_for(kPpt, kPasskeyAmr));
  EXPECT_FALSE(class_true_for(kClassPassword, kPasskeyUvAmr));
  EXPECT_TRUE(class_true_for(kPpt, kPasswordOtpAmr));
  EXPECT_TRUE(class_true_for(kSfa, kPasskeyAmr));
  EXPECT_FALSE(class_true_for(kMfa, kPasskeyAmr));
  EXPECT_TRUE(class_true_for(kMfa, kPasskeyUvAmr));
  EXPECT_EQ(stated_class({kPpt}, "exact", kPasskeyAmr), std::nullopt) << "exact: nothing asked happened";
  EXPECT_EQ(stated_class({kPpt}, "exact", kPasskeyUvAmr), std::nullopt);
  EXPECT_EQ(stated_class({kPpt, kSfa}, "exact", kPasskeyAmr), kSfa);
  EXPECT_EQ(stated_class({}, "exact", kPasskeyAmr), kSfa);
  EXPECT_EQ(stated_class({}, "exact", kPasskeyUvAmr), kMfa);
  EXPECT_EQ(stated_class({kPpt}, "minimum", kPasskeyAmr), kSfa);
  EXPECT_EQ(stated_class({kPpt}, "minimum", kPasskeyUvAmr), kMfa);
  EXPECT_EQ(stated_class({kPpt}, "maximum", kPasskeyUvAmr), kSfa);
}

}  // namespace
}  // namespace gatehouse::saml
